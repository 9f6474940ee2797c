// The C API (deepimage.h) gives the C++ Session's numbers, and its statuses and last-error messages.
#include <gtest/gtest.h>

#include <cstring>

#include "deepimage/deepimage.h"
#include "deepimage/deepimage.hpp"
#include "io/image.hpp"
#include "support/cli.hpp"

namespace deepimage {
namespace {

using testing::realdata;

std::filesystem::path example_model() { return testing::source_dir() / "examples/nuclei_unet2d"; }

// A 160x200 window of the real stardist image, seen through its row stride (not contiguous).
struct Window {
  io::Image full = io::read_image(realdata() / "images/stardist_testdata/img2d.tif");
  std::int64_t shape[2] = {160, 200};
  std::int64_t strides[2] = {full.pixels.shape()[1], 1};
  const std::uint16_t* origin = full.pixels.data<std::uint16_t>() + 50 * full.pixels.shape()[1] + 30;
};

TEST(CApi, PredictEqualsTheCppSessionTiled) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Window w;
  SessionOptions cpp_options;
  cpp_options.threads = 2;
  cpp_options.tile = {{'y', 168}, {'x', 168}};
  Session cpp(Model::open(example_model()), cpp_options);
  const Tensor expected = cpp.predict({{.data = w.origin, .dtype = DType::u16, .shape = {160, 200}, .strides = {w.strides[0], 1}, .axes = "yx"}})[0];

  deepimage_model* model = nullptr;
  ASSERT_EQ(deepimage_model_open(example_model().c_str(), &model), DEEPIMAGE_OK) << deepimage_last_error();
  EXPECT_EQ(deepimage_model_input_count(model), 1u);
  EXPECT_EQ(deepimage_model_output_count(model), 1u);
  deepimage_session_options options;
  deepimage_session_options_init(&options);
  options.threads = 2;
  const std::int64_t tile[2] = {168, 168};
  options.tile_axes = "yx";
  options.tile_sizes = tile;
  std::size_t last_done = 0, last_total = 0;
  struct Seen { std::size_t *done, *total; } seen{&last_done, &last_total};
  options.user = &seen;
  options.progress = [](std::size_t done, std::size_t total, void* user) {
    *static_cast<Seen*>(user)->done = done;
    *static_cast<Seen*>(user)->total = total;
  };
  deepimage_session* session = nullptr;
  ASSERT_EQ(deepimage_session_open(model, &options, &session), DEEPIMAGE_OK) << deepimage_last_error();
  deepimage_model_free(model);  // the session keeps what it needs

  const deepimage_view input{w.origin, DEEPIMAGE_UINT16, 2, w.shape, w.strides, "yx"};
  deepimage_result* result = nullptr;
  ASSERT_EQ(deepimage_session_predict(session, &input, 1, &result), DEEPIMAGE_OK) << deepimage_last_error();
  EXPECT_GT(last_total, 1u);
  EXPECT_EQ(last_done, last_total);
  ASSERT_EQ(deepimage_result_count(result), 1u);
  deepimage_view out{};
  ASSERT_EQ(deepimage_result_output(result, 0, &out), DEEPIMAGE_OK);
  EXPECT_EQ(out.dtype, DEEPIMAGE_FLOAT32);
  ASSERT_EQ(out.rank, 2u);
  EXPECT_EQ(out.shape[0], 160);
  EXPECT_EQ(out.shape[1], 200);
  EXPECT_STREQ(out.axes, "yx");
  ASSERT_EQ(expected.byte_count(), 160u * 200u * sizeof(float));
  EXPECT_EQ(std::memcmp(out.data, expected.bytes(), expected.byte_count()), 0);
  EXPECT_EQ(deepimage_result_output(result, 1, &out), DEEPIMAGE_INVALID_ARGUMENT);
  EXPECT_STREQ(deepimage_last_error(), "output 1 does not exist (the result has 1)");
  deepimage_result_free(result);
  deepimage_session_free(session);
}

TEST(CApi, ErrorsAreStatusesWithOneLineMessages) {
  DEEPIMAGE_REQUIRE_REALDATA();
  deepimage_model* model = nullptr;
  EXPECT_EQ(deepimage_model_open("/no/such/model", &model), DEEPIMAGE_NOT_FOUND);
  EXPECT_NE(std::string(deepimage_last_error()).find("/no/such/model"), std::string::npos) << deepimage_last_error();
  ASSERT_EQ(deepimage_model_open(example_model().c_str(), &model), DEEPIMAGE_OK);
  deepimage_session* session = nullptr;
  ASSERT_EQ(deepimage_session_open(model, nullptr, &session), DEEPIMAGE_OK) << deepimage_last_error();
  std::vector<float> pixels(96 * 96);
  const std::int64_t shape[2] = {96, 96};
  deepimage_view input{pixels.data(), static_cast<deepimage_dtype>(42), 2, shape, nullptr, "yx"};
  deepimage_result* result = nullptr;
  EXPECT_EQ(deepimage_session_predict(session, &input, 1, &result), DEEPIMAGE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(deepimage_last_error()).find("dtype code 42"), std::string::npos) << deepimage_last_error();
  input.dtype = DEEPIMAGE_FLOAT32;
  input.axes = "yy";
  EXPECT_EQ(deepimage_session_predict(session, &input, 1, &result), DEEPIMAGE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(deepimage_last_error()).find("\"yy\""), std::string::npos) << deepimage_last_error();
  EXPECT_EQ(result, nullptr);
  // Cancelled before it starts a tile: the flag set during the first progress event stops it.
  deepimage_session_free(session);
  deepimage_session_options options;
  deepimage_session_options_init(&options);
  options.user = &session;
  options.progress = [](std::size_t, std::size_t, void* user) { deepimage_session_cancel(*static_cast<deepimage_session**>(user)); };
  ASSERT_EQ(deepimage_session_open(model, &options, &session), DEEPIMAGE_OK);
  input.axes = "yx";
  EXPECT_EQ(deepimage_session_predict(session, &input, 1, &result), DEEPIMAGE_CANCELLED);
  EXPECT_EQ(std::string(deepimage_last_error()).find('\n'), std::string::npos);
  deepimage_session_free(session);
  deepimage_model_free(model);
}

}  // namespace
// A bare SavedModel without a signature (DEFCoN: feed input_tensor, fetch output_tensor, SOURCE.txt)
// opens through deepimage_model_open_bare and predicts what the C++ Session opened with the same
// names predicts; without the names it is refused in one line naming the placeholders.
TEST(CApi, ABareNetworkOpensWithItsTensorNames) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const std::string defcon = (realdata() / "defcon_imagej_savedmodel/tf_density_count").string();
  deepimage_model* model = nullptr;
  EXPECT_NE(deepimage_model_open(defcon.c_str(), &model), DEEPIMAGE_OK);
  EXPECT_NE(std::string(deepimage_last_error()).find("placeholders"), std::string::npos) << deepimage_last_error();
  ASSERT_EQ(deepimage_model_open_bare(defcon.c_str(), "input_tensor", "output_tensor", &model), DEEPIMAGE_OK) << deepimage_last_error();

  std::vector<float> pixels(32 * 32);
  for (std::size_t k = 0; k < pixels.size(); ++k) pixels[k] = static_cast<float>((k * 37) % 101);
  const std::int64_t shape[2] = {32, 32};
  const deepimage_view input{pixels.data(), DEEPIMAGE_FLOAT32, 2, shape, nullptr, "yx"};
  deepimage_session* session = nullptr;
  ASSERT_EQ(deepimage_session_open(model, nullptr, &session), DEEPIMAGE_OK) << deepimage_last_error();
  deepimage_result* result = nullptr;
  ASSERT_EQ(deepimage_session_predict(session, &input, 1, &result), DEEPIMAGE_OK) << deepimage_last_error();
  deepimage_view out{};
  ASSERT_EQ(deepimage_result_output(result, 0, &out), DEEPIMAGE_OK);

  Session cpp(Model::open(defcon, {.input_name = "input_tensor", .output_name = "output_tensor"}));
  const Tensor expected = cpp.predict({{.data = pixels.data(), .dtype = DType::f32, .shape = {32, 32}, .strides = {}, .axes = "yx"}})[0];
  ASSERT_EQ(expected.byte_count(), 32u * 32u * sizeof(float));
  EXPECT_EQ(std::memcmp(out.data, expected.bytes(), expected.byte_count()), 0);
  deepimage_result_free(result);
  deepimage_session_free(session);
  deepimage_model_free(model);
}

}  // namespace deepimage
