// tensorflow_saved_model_bundle weights end to end through the CLI on the native engine: tiktorch's dummy
// bundle (a zipped SavedModel named by a 0.4 rdf whose uint8 input feeds a float32 placeholder) passes
// `test` and `run` writes -input; a bundle made here around DEFCoN's SavedModel folder (no signature: the
// rdf's tensor names are its node names) runs to the tfjs reference density map.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/cli/defcon_test_bundle.hpp"
#include "io/npy.hpp"
#include "io/tiff.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

TEST(TfSavedModel, TiktorchDummyBundlePassesTestAndRunWritesMinusInput) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto bundle = realdata() / "tiktorch_dummy_tf_savedmodel";
  CliResult t = run_cli({"test", (bundle / "rdf.yaml").string(), "--json", "--threads", "2"});
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  const auto j = nlohmann::json::parse(t.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << t.out;
  EXPECT_TRUE(j["passed"].get<bool>());
  EXPECT_EQ(j["weights_format"], "tensorflow_saved_model_bundle");

  TempDir dir;
  CliResult r = run_cli({"run", (bundle / "rdf.yaml").string(), (bundle / "test_input.npy").string(), "-o",
                         (dir / "out.npy").string(), "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Tensor in = io::read_npy(bundle / "test_input.npy").converted(DType::f32);
  const Tensor out = io::read_npy(dir / "out.npy").converted(DType::f32);
  ASSERT_EQ(out.element_count(), in.element_count());
  for (std::int64_t i = 0; i < in.element_count(); ++i) ASSERT_EQ(out.data<float>()[i], -in.data<float>()[i]) << i;
}

TEST(TfSavedModel, DefconBundleRunsToTheReferenceDensity) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto data = realdata() / "defcon_imagej_savedmodel";
  const Tensor frames = io::read_tiff(data / "test_data.tif").pixels.converted(DType::f32);
  const Tensor reference = io::read_npy(data / "reference_density_tfjs_nodropout.npy");
  Tensor frame(DType::f32, {1, 32, 32, 1}), density(DType::f32, {1, 32, 32, 1});
  std::copy(frames.data<float>(), frames.data<float>() + 1024, frame.data<float>());
  std::copy(reference.data<float>(), reference.data<float>() + 1024, density.data<float>());
  TempDir dir;
  make_defcon_bundle(dir.path(), frame, density);

  // `test`: the engine reproduces the reference on the whole frame. Its tiled half fails, rightly: DEFCoN
  // normalises each input by its own min and max inside the graph, so a tile sees other values than
  // the whole frame (exit 3, "not when the input is tiled").
  CliResult t = run_cli({"test", (dir / "rdf.yaml").string(), "--json", "--threads", "2"});
  EXPECT_EQ(t.exit_code, 3) << t.out << t.err;
  const auto j = nlohmann::json::parse(t.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << t.out;
  EXPECT_EQ(j["weights_format"], "tensorflow_saved_model_bundle");
  EXPECT_TRUE(j["outputs"][0]["passed"].get<bool>());
  EXPECT_LT(j["outputs"][0]["max_abs_diff"].get<double>(), 1e-4);
  EXPECT_FALSE(j["tiled"]["outputs"][0]["passed"].get<bool>());

  CliResult r = run_cli({"run", (dir / "rdf.yaml").string(), (dir / "test_input.npy").string(), "-o",
                         (dir / "density.npy").string(), "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Tensor out = io::read_npy(dir / "density.npy");
  ASSERT_EQ(out.element_count(), 1024);
  for (int i = 0; i < 1024; ++i) EXPECT_NEAR(out.data<float>()[i], density.data<float>()[i], 1e-4) << i;
}

// info --architecture lists the imported graph: DEFCoN's 12 Conv2D and 4 Conv2DBackpropInput, the
// decoder back at the input's size, FLOPs of the convolutions only.
TEST(TfSavedModel, DefconArchitectureListsItsConvolutions) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto data = realdata() / "defcon_imagej_savedmodel";
  const Tensor frames = io::read_tiff(data / "test_data.tif").pixels.converted(DType::f32);
  Tensor frame(DType::f32, {1, 32, 32, 1});
  std::copy(frames.data<float>(), frames.data<float>() + 1024, frame.data<float>());
  TempDir dir;
  make_defcon_bundle(dir.path(), frame, frame);
  CliResult r = run_cli({"info", (dir / "rdf.yaml").string(), "--architecture", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["weights_format"], "tensorflow_saved_model_bundle");
  int convs = 0, transposed = 0;
  std::int64_t flops = 0;
  for (const auto& layer : j["layers"]) {
    convs += layer["kind"] == "Conv";
    transposed += layer["kind"] == "ConvTranspose";
    if (layer["kind"] == "ConvTranspose" && layer["name"] == "model_5/decon_seg_2/conv2d_transpose") {
      const auto& shape = layer["output_shapes"][0];  // channels-first inside, back at 32x32 after two stride-2 convs
      EXPECT_EQ(shape[0], 1);
      EXPECT_EQ(shape[2], 32);
      EXPECT_EQ(shape[3], 32);
    }
    flops += layer["flops"].get<std::int64_t>();
  }
  EXPECT_EQ(convs, 12);
  EXPECT_EQ(transposed, 4);
  EXPECT_EQ(flops, j["total_flops"].get<std::int64_t>());
  EXPECT_GT(j["total_params"].get<std::int64_t>(), 0);
}

}  // namespace
}  // namespace deepimage::testing
