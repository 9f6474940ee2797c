// deepimage::Session on images in memory gives what `deepimage run` gives on the same pixels written
// to a file (the independent reference: the CLI's own file route), whole and tiled, from contiguous
// and strided views; cancel and bad views fail with one clear line.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "deepimage/deepimage.hpp"
#include "io/image.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"

namespace deepimage {
namespace {

using testing::realdata;

// Same pixels, same tiles, same code path from there on: only the source of the pixels differs.
constexpr double kSessionVsCliMaxAbs = 1e-6;

std::filesystem::path nuclei_model() { return realdata() / "unet2d_nuclei_broad"; }  // fixed 512x512 input
// The project's example U-Net (input sizes 88 + 8n, halo 40, percentile normalisation): tiles freely.
std::filesystem::path example_model() { return testing::source_dir() / "examples/nuclei_unet2d"; }

SessionOptions with_threads(int threads) {
  SessionOptions o;
  o.threads = threads;
  return o;
}

// img2d.tif (512x512 uint16) and a 192x256 crop of it at row 100, column 64, C order.
struct Crop {
  io::Image full = io::read_image(realdata() / "images/stardist_testdata/img2d.tif");
  static constexpr std::int64_t top = 100, left = 64, rows = 192, cols = 256;
  Tensor pixels{DType::u16, {rows, cols}, "yx"};
  Crop() {
    const std::int64_t width = full.pixels.shape()[1];
    for (std::int64_t y = 0; y < rows; ++y)
      for (std::int64_t x = 0; x < cols; ++x)
        pixels.data<std::uint16_t>()[y * cols + x] = full.pixels.data<std::uint16_t>()[(top + y) * width + left + x];
  }
  TensorView view() const { return {.data = pixels.data<std::uint16_t>(), .dtype = DType::u16, .shape = {rows, cols}, .strides = {}, .axes = "yx"}; }
};

Tensor cli_result(const std::filesystem::path& model, const Crop& crop, const std::vector<std::string>& extra) {
  testing::TempDir dir;
  io::Image image;
  image.pixels = crop.pixels;
  io::write_image(image, dir / "crop.tif");
  std::vector<std::string> args = {"run", model.string(), (dir / "crop.tif").string(), "-o", (dir / "out.tif").string(), "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  const testing::CliResult r = testing::run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return io::read_image(dir / "out.tif").pixels;
}

TEST(Session, WholeImageEqualsCliRun) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Crop crop;
  Session session(Model::open(nuclei_model()), with_threads(2));
  const std::vector<Tensor> out = session.predict({crop.view()});
  ASSERT_EQ(out.size(), 1u);
  const Tensor reference = cli_result(nuclei_model(), crop, {"--threads", "2"});
  EXPECT_EQ(out[0].shape(), reference.shape());
  EXPECT_EQ(out[0].axes(), "yx");
  EXPECT_LE(testing::max_abs_diff(out[0], reference), kSessionVsCliMaxAbs);
  // Not a constant: the crop holds nuclei and background.
  const float* p = out[0].data<float>();
  EXPECT_GT(*std::max_element(p, p + out[0].element_count()), 0.9f);
  EXPECT_LT(*std::min_element(p, p + out[0].element_count()), 0.1f);
}

// Whole-image statistics given to a Session (what a Dask block gets): measured by
// measure_statistics on the same image they give the Session's own measurement bit for bit; measured
// on another image (the crop) they change the result; another model's are refused, naming the field.
TEST(Session, GivenWholeImageStatisticsEqualItsOwnMeasurementAndAreUsed) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Crop crop;
  const Model model = Model::open(example_model());
  const TensorView full{.data = crop.full.pixels.data<std::uint16_t>(), .dtype = DType::u16, .shape = crop.full.pixels.shape(),
                        .strides = {}, .axes = "yx"};
  SessionOptions options = with_threads(2);
  options.tile = {{'y', 168}, {'x', 168}};
  const Tensor own = Session(model, options).predict({full}).at(0);
  options.statistics = measure_statistics(model, {full});
  EXPECT_NE(options.statistics.find("scale_range"), std::string::npos) << options.statistics;
  EXPECT_EQ(testing::max_abs_diff(Session(model, options).predict({full}).at(0), own), 0.0);
  options.statistics = measure_statistics(model, {crop.view()});
  EXPECT_GT(testing::max_abs_diff(Session(model, options).predict({full}).at(0), own), 1e-3);
  options.statistics = measure_statistics(Model::open(nuclei_model()), {crop.view()});
  try {
    Session(model, options).predict({full});
    ADD_FAILURE() << "another model's statistics were taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"SessionOptions::statistics\": model is"), std::string::npos) << e.what();
  }
}

TEST(Session, TiledEqualsCliRunTiledAndStridedViewEqualsContiguous) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Crop crop;
  const Model model = Model::open(example_model());
  std::vector<ProgressEvent> events;
  SessionOptions options = with_threads(2);
  options.tile = {{'y', 168}, {'x', 168}};
  options.progress = [&](const ProgressEvent& e) { events.push_back(e); };
  Session session(model, options);
  const std::vector<Tensor> tiled = session.predict({crop.view()});
  ASSERT_GE(events.size(), 2u);
  EXPECT_GT(events.back().tiles_total, 1u);
  EXPECT_EQ(events.back().tiles_done, events.back().tiles_total);
  const Tensor reference = cli_result(example_model(), crop, {"--threads", "2", "--tile", "y=168,x=168"});
  EXPECT_LE(testing::max_abs_diff(tiled[0], reference), kSessionVsCliMaxAbs);

  // The same crop as a window of the whole image (row stride 512), and transposed ("xy").
  const std::int64_t width = crop.full.pixels.shape()[1];
  const std::uint16_t* origin = crop.full.pixels.data<std::uint16_t>() + Crop::top * width + Crop::left;
  const TensorView window{.data = origin, .dtype = DType::u16, .shape = {Crop::rows, Crop::cols}, .strides = {width, 1}, .axes = "yx"};
  EXPECT_EQ(testing::max_abs_diff(session.predict({window})[0], tiled[0]), 0.0);
  const TensorView transposed{.data = origin, .dtype = DType::u16, .shape = {Crop::cols, Crop::rows}, .strides = {1, width}, .axes = "xy"};
  const Tensor from_transposed = session.predict({transposed})[0];
  EXPECT_EQ(from_transposed.axes(), "yx");  // outputs keep the model's order of the image's axes
  EXPECT_EQ(testing::max_abs_diff(from_transposed, tiled[0]), 0.0);
}

TEST(Session, CancelStopsWithCancelledError) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Crop crop;
  std::atomic<bool> stop{false};
  int tiles_seen = 0;
  SessionOptions options = with_threads(2);
  options.tile = {{'y', 96}, {'x', 96}};
  options.progress = [&](const ProgressEvent& e) {
    if (e.tiles_done == 1) {
      ++tiles_seen;
      stop = true;
    }
  };
  options.cancel = &stop;
  Session session(Model::open(example_model()), options);
  try {
    session.predict({crop.view()});
    FAIL() << "predict() did not stop";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::cancelled) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  EXPECT_EQ(tiles_seen, 1);
}

TEST(Session, WarningsGoToTheLogCallback) {
  std::vector<std::string> lines;
  SessionOptions options = with_threads(1);
  options.log = [&](std::string_view line) { lines.emplace_back(line); };
  Session session(Model::open(example_model()), options);
  std::vector<float> pixels(96 * 96);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<float>(i % 97);
  pixels[5] = std::numeric_limits<float>::quiet_NaN();
  pixels[6] = std::numeric_limits<float>::quiet_NaN();
  session.predict({{.data = pixels.data(), .dtype = DType::f32, .shape = {96, 96}, .strides = {}, .axes = "yx"}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("input \"raw\""), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("2 NaN"), std::string::npos) << lines[0];
}

std::string error_of(Session& session, const TensorView& view) {
  try {
    session.predict({view});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return {};
}

// A z-stack of three different crops: predict() loops over z as `run` does over a stack file, so the
// result equals the CLI's on the same stack written as a TIFF, and each slice equals predict() on
// that slice alone. The same stack stored z-last ("yxz", strided) gives the same numbers, z first.
TEST(Session, StackIsRunSliceBySliceAsRunDoes) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Crop crop;
  const std::int64_t width = crop.full.pixels.shape()[1], depth = 3, rows = Crop::rows, cols = Crop::cols;
  Tensor stack(DType::u16, {depth, rows, cols}, "zyx");
  for (std::int64_t z = 0; z < depth; ++z)
    for (std::int64_t y = 0; y < rows; ++y)
      for (std::int64_t x = 0; x < cols; ++x)
        stack.data<std::uint16_t>()[(z * rows + y) * cols + x] = crop.full.pixels.data<std::uint16_t>()[(y + 60 * z) * width + x + 90 * z];
  SessionOptions options = with_threads(2);
  options.tile = {{'y', 168}, {'x', 168}};
  std::vector<ProgressEvent> events;
  options.progress = [&](const ProgressEvent& e) { events.push_back(e); };
  Session session(Model::open(example_model()), options);
  const Tensor out = session.predict({{.data = stack.data<std::uint16_t>(), .dtype = DType::u16, .shape = stack.shape(),
                                       .strides = {}, .axes = "zyx"}})[0];
  ASSERT_EQ(out.axes(), "zyx");
  ASSERT_EQ(out.shape(), (Shape{depth, rows, cols}));
  EXPECT_EQ(events.back().slice_count, static_cast<std::size_t>(depth));
  EXPECT_EQ(events.back().tiles_done, events.back().tiles_total);

  testing::TempDir dir;
  io::Image image;
  image.pixels = stack;
  io::write_image(image, dir / "stack.tif");
  const testing::CliResult r = testing::run_cli({"run", example_model().string(), (dir / "stack.tif").string(), "-o",
                                                 (dir / "out.tif").string(), "--quiet", "--threads", "2", "--tile", "y=168,x=168"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LE(testing::max_abs_diff(out, io::read_image(dir / "out.tif").pixels), kSessionVsCliMaxAbs);

  for (std::int64_t z = 0; z < depth; ++z) {
    const TensorView slice{.data = stack.data<std::uint16_t>() + z * rows * cols, .dtype = DType::u16, .shape = {rows, cols},
                           .strides = {}, .axes = "yx"};
    const Tensor alone = session.predict({slice})[0];
    double diff = 0;
    for (std::int64_t i = 0; i < rows * cols; ++i)
      diff = std::max(diff, std::abs(static_cast<double>(alone.data<float>()[i]) - out.data<float>()[z * rows * cols + i]));
    EXPECT_EQ(diff, 0.0) << "slice " << z;
  }

  Tensor z_last(DType::u16, {rows, cols, depth}, "yxz");
  for (std::int64_t z = 0; z < depth; ++z)
    for (std::int64_t i = 0; i < rows * cols; ++i)
      z_last.data<std::uint16_t>()[i * depth + z] = stack.data<std::uint16_t>()[z * rows * cols + i];
  const Tensor from_z_last = session.predict({{.data = z_last.data<std::uint16_t>(), .dtype = DType::u16,
                                               .shape = z_last.shape(), .strides = {}, .axes = "yxz"}})[0];
  EXPECT_EQ(from_z_last.axes(), "zyx");
  EXPECT_EQ(testing::max_abs_diff(from_z_last, out), 0.0);
}

TEST(Session, BadViewsGiveOneLineErrorsNamingTheValue) {
  DEEPIMAGE_REQUIRE_REALDATA();
  Session session(Model::open(nuclei_model()), with_threads(1));
  std::vector<float> pixels(3 * 64 * 64);
  const TensorView good{.data = pixels.data(), .dtype = DType::f32, .shape = {64, 64}, .strides = {}, .axes = "yx"};
  TensorView v = good;
  v.axes = "yq";
  EXPECT_NE(error_of(session, v).find("\"yq\""), std::string::npos);
  v = good;
  v.axes = "yxc";
  EXPECT_NE(error_of(session, v).find("\"yxc\""), std::string::npos);
  v = good;
  v.shape = {64, 0};
  EXPECT_NE(error_of(session, v).find("(64, 0)"), std::string::npos);
  v = good;
  v.shape = {3, 64, 64};
  v.axes = "cyx";  // the model takes one channel
  EXPECT_NE(error_of(session, v).find("3"), std::string::npos);
  v = good;
  v.strides = {64};
  EXPECT_NE(error_of(session, v).find("(64)"), std::string::npos);
  EXPECT_NE(error_of(session, TensorView{}).find("input"), std::string::npos);
}

// The tile boxes of tile_plan, against tile_plan.hpp's equations by hand for the example U-Net (halo
// 40, alignment 8) with 168-pixel tiles: V = 88; y: I = 192, p = 3, S = ceil_8(64) = 64;
// x: I = 256, p = 3, S = ceil_8(86) = 88. The same tiles predict() runs: its progress counts 9.
TEST(Session, TilePlanGivesTheTilesPredictRuns) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Crop crop;
  std::size_t tiles_total = 0;
  SessionOptions options = with_threads(2);
  options.tile = {{'y', 168}, {'x', 168}};
  options.progress = [&](const ProgressEvent& e) { tiles_total = e.tiles_total; };
  Session session(Model::open(example_model()), options);
  const std::vector<TileAxis> plan = session.tile_plan({crop.view()});
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].axis, 'y');
  EXPECT_EQ(plan[0].tile, 168);
  EXPECT_EQ(plan[0].read_begin, (std::vector<std::int64_t>{-40, 24, 88}));
  EXPECT_EQ(plan[0].write_begin, (std::vector<std::int64_t>{0, 64, 128}));
  EXPECT_EQ(plan[0].write_end, (std::vector<std::int64_t>{64, 128, 192}));
  EXPECT_EQ(plan[1].axis, 'x');
  EXPECT_EQ(plan[1].read_begin, (std::vector<std::int64_t>{-40, 48, 136}));
  EXPECT_EQ(plan[1].write_begin, (std::vector<std::int64_t>{0, 88, 176}));
  EXPECT_EQ(plan[1].write_end, (std::vector<std::int64_t>{88, 176, 256}));
  session.predict({crop.view()});
  EXPECT_EQ(tiles_total, 9u);
}

// A model with two inputs runs a stack only when both views loop alike: z of 3 beside z of 2 is one
// line naming both inputs and their loops.
TEST(Session, InputsOfAStackMustLoopAlike) {
  DEEPIMAGE_REQUIRE_REALDATA();
  Session session(Model::open(realdata() / "unet2d_multi_tensor"), with_threads(1));
  std::vector<float> pixels(3 * 32 * 32);
  const TensorView three{.data = pixels.data(), .dtype = DType::f32, .shape = {3, 32, 32}, .strides = {}, .axes = "zyx"};
  TensorView two = three;
  two.shape = {2, 32, 32};
  try {
    session.predict({three, two});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_EQ(std::string(e.what()), "input \"input1\" has samples along \"z\" (2) but input \"input0\" along \"z\" (3); "
                                     "give inputs with the same stack axes and sizes");
  }
}

// DEFCoN-ImageJ's bare SavedModel has no signature (SOURCE.txt: feed input_tensor, fetch
// output_tensor): Model::open takes the names `run --input-name/--output-name` takes, and predict()
// on frame 1 equals `run` on the same frame; unnamed, it is refused in one line.
TEST(Session, ABareNetworkOpensWithItsTensorNamesAsRunTakesThem) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const std::filesystem::path defcon = realdata() / "defcon_imagej_savedmodel/tf_density_count";
  try {
    Model::open(defcon);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no signature and 35 placeholders"), std::string::npos) << e.what();
  }
  const Tensor stack = io::read_image(realdata() / "defcon_imagej_savedmodel/test_data.tif").pixels.converted(DType::f32);
  const std::int64_t h = stack.shape()[1], w = stack.shape()[2];
  Tensor frame(DType::f32, {h, w}, "yx");
  std::copy_n(stack.data<float>(), h * w, frame.data<float>());
  Session session(Model::open(defcon, {.input_name = "input_tensor", .output_name = "output_tensor"}), with_threads(2));
  const std::vector<Tensor> out = session.predict({{.data = frame.data<float>(), .dtype = DType::f32, .shape = {h, w}, .strides = {},
                                                    .axes = "yx"}});
  ASSERT_EQ(out.size(), 1u);

  testing::TempDir dir;
  io::Image image;
  image.pixels = frame;
  io::write_image(image, dir / "frame.tif");
  const testing::CliResult r = testing::run_cli({"run", defcon.string(), (dir / "frame.tif").string(), "-o", (dir / "out.tif").string(),
                                                 "--input-name", "input_tensor", "--output-name", "output_tensor", "--threads", "2", "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Tensor reference = io::read_image(dir / "out.tif").pixels;
  EXPECT_EQ(out[0].element_count(), reference.element_count());
  EXPECT_LE(testing::max_abs_diff(out[0], reference), kSessionVsCliMaxAbs);
  const float* p = out[0].data<float>();
  EXPECT_GT(*std::max_element(p, p + out[0].element_count()), 0.0f);  // a density map, not zeros
}

}  // namespace
}  // namespace deepimage
