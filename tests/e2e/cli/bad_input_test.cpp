// Bad input through the real CLI: a one-line error naming the thing and what was expected, exit code
// 1 (2 for usage errors), and nothing left behind — no output file, no temporary file, no changed
// input.
#include <gtest/gtest.h>

#include <fstream>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path example_model() { return source_dir() / "examples/nuclei_unet2d"; }
fs::path example_image() { return source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif"; }

std::vector<std::string> folder_listing(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Runs `deepimage run <model> <input> -o <dir>/out.tif <extra>` and checks the failure contract.
void expect_run_fails(const TempDir& dir, const fs::path& model, const fs::path& input, const std::vector<std::string>& extra,
                      const std::string& message_part, int exit_code = 1) {
  const auto before = folder_listing(dir.path());
  std::vector<std::string> args = {"run", model.string(), input.string(), "-o", (dir / "out.tif").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_NE(r.err.find(message_part), std::string::npos) << "stderr: " << r.err;
  if (exit_code == 1) {
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "out.tif"));
  EXPECT_EQ(folder_listing(dir.path()), before) << "a file was left behind";
}

TEST(BadInput, MissingModel) {
  TempDir dir;
  expect_run_fails(dir, dir / "no_such_model", example_image(), {}, "no_such_model");
}

TEST(BadInput, MissingInputImage) {
  TempDir dir;
  expect_run_fails(dir, example_model(), dir / "missing.tif", {}, "missing.tif");
}

TEST(BadInput, UnknownImageFormat) {
  TempDir dir;
  std::ofstream(dir / "cells.czi") << "not an image";
  expect_run_fails(dir, example_model(), dir / "cells.czi", {}, "cells.czi");
}

TEST(BadInput, TruncatedTiff) {
  TempDir dir;
  fs::copy_file(example_image(), dir / "cut.tif");
  fs::resize_file(dir / "cut.tif", fs::file_size(dir / "cut.tif") / 2);
  expect_run_fails(dir, example_model(), dir / "cut.tif", {}, "cut.tif");
}

TEST(BadInput, AxesThatDoNotFitTheImage) {
  TempDir dir;
  expect_run_fails(dir, example_model(), example_image(), {"--axes", "zyx"}, "--axes");
}

TEST(BadInput, BatchAxisTheModelCannotTake) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  // unet2d_nuclei_broad takes a batch of exactly 1; an image with b = 2 must not be cut silently.
  io::write_npy(Tensor(DType::f32, {2, 1, 64, 64}), dir / "batch2.npy");
  expect_run_fails(dir, realdata() / "unet2d_nuclei_broad", dir / "batch2.npy", {"--axes", "bcyx"}, "batch of 2");
}

TEST(BadInput, ChannelCountMismatch) {
  TempDir dir;
  Tensor rgb(DType::u8, {3, 40, 48}, "cyx");
  io::write_image({rgb, std::nullopt}, dir / "three_channels.tif");
  expect_run_fails(dir, example_model(), dir / "three_channels.tif", {}, "3 channel");
}

TEST(BadInput, InvalidRdf) {
  TempDir dir;
  fs::create_directories(dir / "model");
  std::ofstream(dir / "model" / "rdf.yaml")
      << "format_version: 0.5.4\ntype: model\nname: broken\ninputs: 7\noutputs: []\nweights: {}\n";
  expect_run_fails(dir, dir / "model", example_image(), {}, "rdf.yaml: inputs: expected a list");
}

TEST(BadInput, Sha256Mismatch) {
  TempDir dir;
  fs::copy(example_model(), dir / "model", fs::copy_options::recursive);
  std::ofstream(dir / "model" / "weights.pt", std::ios::app) << "tampered";
  expect_run_fails(dir, dir / "model", example_image(), {"--weights", "torchscript"}, "sha256");
}

TEST(BadInput, TestTensorSha256MismatchFailsTest) {
  TempDir dir;
  fs::copy(example_model(), dir / "model", fs::copy_options::recursive);
  std::ofstream(dir / "model" / "test_output.npy", std::ios::app) << "x";
  CliResult r = run_cli({"test", (dir / "model").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("test_output.npy: sha256 mismatch"), std::string::npos) << r.err;
}

TEST(BadInput, OnlyUnsupportedWeights) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  expect_run_fails(dir, realdata() / "tiktorch_dummy_tf_savedmodel", example_image(), {}, "tensorflow_saved_model_bundle");
}

TEST(BadInput, ExistingOutputIsKeptWithoutOverwrite) {
  TempDir dir;
  std::ofstream(dir / "out.tif") << "precious";
  CliResult r = run_cli({"run", example_model().string(), example_image().string(), "-o", (dir / "out.tif").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--overwrite"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir / "out.tif"), "precious");
  EXPECT_EQ(folder_listing(dir.path()), std::vector<std::string>{"out.tif"});
}

TEST(BadInput, OutputThatIsTheInputIsRefusedEvenWithOverwrite) {
  TempDir dir;
  fs::copy_file(example_image(), dir / "image.tif");
  const std::string before = slurp(dir / "image.tif");
  CliResult r = run_cli({"run", example_model().string(), (dir / "image.tif").string(), "-o", (dir / "image.tif").string(),
                         "--overwrite"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is the input"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir / "image.tif"), before);
}

TEST(BadInput, TileSizeTheModelDoesNotAcceptNamesNearestValidSizes) {
  TempDir dir;
  expect_run_fails(dir, example_model(), example_image(), {"--tile", "y=101,x=96"}, "nearest valid");
}

TEST(BadInput, TileOnFixedSizeModel) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  expect_run_fails(dir, realdata() / "unet2d_nuclei_broad", example_image(), {"--tile", "y=256,x=256"}, "512");
}

TEST(BadInput, FailedMultiOutputRunLeavesNoFolder) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const auto m = realdata() / "unet2d_multi_tensor";
  CliResult r = run_cli({"run", m.string(), (m / "test_input_0.npy").string(), (dir / "missing.npy").string(), "-o",
                         (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.npy"), std::string::npos) << r.err;
  EXPECT_TRUE(folder_listing(dir.path()).empty());
}

TEST(UsageError, MalformedTileIsExit2) {
  TempDir dir;
  expect_run_fails(dir, example_model(), example_image(), {"--tile", "y=abc"}, "--tile", 2);
}

TEST(UsageError, MissingOutputIsExit2) {
  CliResult r = run_cli({"run", example_model().string(), example_image().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--output"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace deepimage::testing
