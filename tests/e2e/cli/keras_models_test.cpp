// The command line on Keras HDF5 models (keras_hdf5 weights, native engine): the real pancreatic-cell
// U-Net bundle (rdf 0.3.2, axes byxc) run as one tile agrees 100 % with its DeepImageJ result after
// binarisation, and `test` reproduces its test output; DEFCoN's Keras h5 runs when a bundle declares its
// Lambda layer, and without the declaration the run stops with one line naming the layer.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path pancreatic() { return realdata() / "unet2d_pancreatic_keras_dij"; }

// SOURCE.txt: the whole 576x720 image in one pass, min-max normalised (the rdf's scale_range 0..100 %),
// then > 0.5 (the rdf's binarize): 100 % pixel agreement with DeepImageJ's resultImage.
TEST(KerasModels, PancreaticUnetAsOneTileAgreesWithItsResultImage) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path out = dir / "mask.npy";
  const CliResult r =
      run_cli({"run", (pancreatic() / "rdf.yaml").string(), (pancreatic() / "exampleImage.tif").string(), "-o",
               out.string(), "--tile", "y=576,x=720", "--halo", "y=0,x=0", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("keras_hdf5"), std::string::npos) << r.out;
  const Tensor mask = io::read_npy(out).converted(DType::f32);
  const Tensor expected = io::read_npy(pancreatic() / "resultImage.npy").converted(DType::f32);
  ASSERT_EQ(mask.element_count(), expected.element_count());
  std::int64_t agree = 0;
  for (std::int64_t i = 0; i < mask.element_count(); ++i)
    agree += (mask.data<float>()[i] > 0.5f) == (expected.data<float>()[i] > 0.5f);
  EXPECT_EQ(agree, mask.element_count());
}

// Tiles of 320 with a 96-pixel halo (30 tiles, read boxes on the U-Net's 8-pixel grid) give the
// whole-image mask everywhere except within the rdf's 47-pixel halo of the image border, where the
// runner's reflect padding replaces the zeros Keras' SAME padding sees (SOURCE.txt: the same with
// DeepImageJ's mirror padding).
TEST(KerasModels, PancreaticUnetTiledEqualsWholeImageAwayFromTheBorder) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const auto run = [&](const std::string& name, const std::vector<std::string>& tiling) {
    std::vector<std::string> args{"run",
                                  (pancreatic() / "rdf.yaml").string(),
                                  (pancreatic() / "exampleImage.tif").string(),
                                  "-o",
                                  (dir / name).string(),
                                  "--threads",
                                  "2"};
    args.insert(args.end(), tiling.begin(), tiling.end());
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return io::read_npy(dir / name).converted(DType::f32);
  };
  const Tensor whole = run("whole.npy", {"--tile", "y=576,x=720", "--halo", "y=0,x=0"});
  const Tensor tiled = run("tiled.npy", {"--tile", "y=320,x=320", "--halo", "y=96,x=96"});
  ASSERT_EQ(whole.shape(), (Shape{576, 720}));
  ASSERT_EQ(tiled.shape(), whole.shape());
  std::int64_t differ = 0;
  for (std::int64_t y = 47; y < 576 - 47; ++y)
    for (std::int64_t x = 47; x < 720 - 47; ++x)
      differ += whole.data<float>()[y * 720 + x] != tiled.data<float>()[y * 720 + x];
  EXPECT_EQ(differ, 0);
}

// `info --architecture` describes the imported graph: the parameters are every weight in the h5
// (481,745, summed over model_weights with h5py) and the first convolution's FLOPs are
// 2 x 576 x 720 x 16 x (1 x 3 x 3) for the example input.
TEST(KerasModels, PancreaticUnetArchitectureFromTheGraph) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const CliResult r =
      run_cli({"info", (pancreatic() / "rdf.yaml").string(), "--architecture", "--weights", "keras_hdf5", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["total_params"].get<std::int64_t>(), 481745);
  bool found = false;
  for (const auto& layer : j["layers"])
    if (layer["name"] == "conv2d_16/Conv") {
      found = true;
      EXPECT_EQ(layer["flops"].get<std::int64_t>(), 2LL * 576 * 720 * 16 * 9);
      EXPECT_EQ(layer["output_shapes"][0], nlohmann::json::parse("[1, 16, 576, 720]"));
    }
  EXPECT_TRUE(found) << r.out;
}

// A bundle around a copy of DEFCoN's Keras h5 (a bundle may not link outside itself), with or without
// the declaration of its "hist_norm" Lambda.
fs::path defcon_bundle(const TempDir& dir, bool declare_lambda) {
  fs::copy_file(realdata() / "defcon_bsd" / "defcon_tf13.h5", dir / "defcon_tf13.h5");
  std::ofstream(dir / "README.md") << "# DEFCoN\n";
  std::ofstream rdf(dir / "rdf.yaml");
  rdf << "format_version: 0.4.10\ntype: model\nname: DEFCoN Keras h5\ndescription: DEFCoN density network\n"
         "authors: [{name: test}]\ncite: [{text: DEFCoN, url: 'https://github.com/LEB-EPFL/DEFCoN'}]\n"
         "license: BSD-3-Clause\ndocumentation: README.md\ntags: [test]\ntest_inputs: [frame.npy]\ntest_outputs: "
         "[frame.npy]\n"
         "inputs:\n  - name: input\n    axes: byxc\n    data_type: float32\n    data_range: [-.inf, .inf]\n"
         "    shape: {min: [1, 4, 4, 1], step: [0, 4, 4, 0]}\n"
         "outputs:\n  - name: density\n    axes: byxc\n    data_type: float32\n    data_range: [-.inf, .inf]\n"
         "    shape: {reference_tensor: input, scale: [1, 1, 1, 1], offset: [0, 0, 0, 0]}\n"
         "weights:\n  keras_hdf5:\n    source: defcon_tf13.h5\n";
  if (declare_lambda) rdf << "config:\n  deepimage:\n    keras_lambda: {hist_norm: min_max_normalization}\n";
  return dir / "rdf.yaml";
}

TEST(KerasModels, DefconRunsWithItsLambdaDeclared) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path rdf = defcon_bundle(dir, true);
  // The DeepImageJ test stack (uint16, unscaled), its 10 frames as a batch; the TensorFlow.js densities.
  const Tensor stack = io::read_npy(realdata() / "defcon_imagej_savedmodel" / "reference_density_tfjs_nodropout.npy");
  const CliResult frames =
      run_cli({"run", rdf.string(), (realdata() / "defcon_imagej_savedmodel" / "test_data.tif").string(), "--axes",
               "byx", "-o", (dir / "density.npy").string(), "--threads", "2"});
  ASSERT_EQ(frames.exit_code, 0) << frames.err;
  const Tensor density = io::read_npy(dir / "density.npy");
  ASSERT_EQ(density.element_count(), stack.element_count()) << shape_to_string(density.shape());
  EXPECT_LE(max_abs_diff(density, stack), 1e-4);
}

TEST(KerasModels, DefconWithoutTheDeclarationStopsNamingTheLambda) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const CliResult r = run_cli({"run", defcon_bundle(dir, false).string(),
                               (realdata() / "defcon_imagej_savedmodel" / "test_data.tif").string(), "--axes", "byx",
                               "-o", (dir / "density.npy").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("error: defcon_tf13.h5: layer \"hist_norm\" (Lambda) runs Python code"), std::string::npos)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir / "density.npy"));
}

}  // namespace
}  // namespace deepimage::testing
