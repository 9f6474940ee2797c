// Engine A vs engine B: for every bundle with both ONNX and TorchScript weights, the native engine and
// LibTorch give the same outputs, on the bundle's test input and on a real image run end to end
// (read, normalise, tile, stitch, write) with the same tile plan.
#include <gtest/gtest.h>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

Tensor run_with(const std::string& weights, const std::filesystem::path& model, const std::filesystem::path& input,
                const TempDir& dir, const std::vector<std::string>& extra = {}) {
  const auto out = dir / (weights + "_" + input.stem().string() + (input.extension() == ".npy" ? ".npy" : ".tif"));
  std::vector<std::string> args = {"run", model.string(), input.string(), "-o", out.string(), "--weights", weights,
                                   "--threads", "2", "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out.extension() == ".npy" ? io::read_npy(out) : io::read_image(out).pixels;
}

void expect_engines_agree(const std::filesystem::path& model, const std::filesystem::path& input,
                          const std::vector<std::string>& extra = {}) {
  TempDir dir;
  const Tensor onnx = run_with("onnx", model, input, dir, extra);
  const Tensor torch = run_with("torchscript", model, input, dir, extra);
  ASSERT_EQ(onnx.shape(), torch.shape());
  EXPECT_LT(max_abs_diff(onnx, torch), kEngineAgreementMaxAbs) << model << " on " << input;
}

TEST(EngineAgreement, ExampleModelTestInput) {
  const auto m = source_dir() / "examples" / "nuclei_unet2d";
  expect_engines_agree(m, m / "test_input.npy");
}

TEST(EngineAgreement, ExampleModelRealImageTiled) {
  // 256x256 image, tiles of 168 with a 40-pixel halo: 3x3 tiles.
  const auto m = source_dir() / "examples" / "nuclei_unet2d";
  expect_engines_agree(m, source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif", {"--tile", "y=168,x=168"});
}

TEST(EngineAgreement, NucleiBroadTestInput) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto m = realdata() / "unet2d_nuclei_broad";
  expect_engines_agree(m, m / "test_input.npy");
}

TEST(EngineAgreement, NucleiBroadRealImageTiled) {
  // A fixed 512x512 model on a 512x512 image with a 32-pixel halo: 4 tiles.
  DEEPIMAGE_REQUIRE_REALDATA();
  expect_engines_agree(realdata() / "unet2d_nuclei_broad", realdata() / "images/stardist_testdata/img2d.tif");
}

TEST(EngineAgreement, NucleiBroad2021ExportTestInput) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto m = realdata() / "unet2d_nuclei_broad_2021export";
  expect_engines_agree(m, m / "test_input.npy");
}

}  // namespace
}  // namespace deepimage::testing
