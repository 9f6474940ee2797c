// Bad input through the real CLI: a one-line error naming the thing and what was expected, exit code
// 1 (2 for usage errors), and nothing left behind — no output file, no temporary file, no changed
// input.
#include <gtest/gtest.h>

#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/zip_files.hpp"
#include "unit/io/hand_tiff.hpp"

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

TEST(BadInput, BatchCannotBeWrittenToTiff) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  // A batch of 2 runs as two samples (tests/e2e/cli/geometry_test.cpp); a TIFF has no batch axis, so
  // writing it there is a one-line error that leaves nothing.
  io::write_npy(Tensor(DType::f32, {2, 1, 64, 64}), dir / "batch2.npy");
  expect_run_fails(dir, realdata() / "unet2d_nuclei_broad", dir / "batch2.npy", {"--axes", "bcyx"}, "cannot write axes \"bcyx\"");
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
  // tiktorch's dummy bundle with its (runnable) SavedModel entry renamed pytorch_state_dict, which
  // needs Python and never runs.
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir bundle, dir;
  fs::copy(realdata() / "tiktorch_dummy_tf_savedmodel", bundle.path(), fs::copy_options::recursive);
  std::string rdf = slurp(bundle / "rdf.yaml");
  const std::string entry = "  tensorflow_saved_model_bundle: {";
  ASSERT_NE(rdf.find(entry), std::string::npos);
  rdf.replace(rdf.find(entry), entry.size(),
              "  pytorch_state_dict: {architecture: 'model.py:Net', architecture_sha256: " + std::string(64, '0') + ", ");
  std::ofstream(bundle / "rdf.yaml") << rdf;
  expect_run_fails(dir, bundle / "rdf.yaml", example_image(), {}, "pytorch_state_dict");
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

// A copy of the example model whose rdf.yaml has `from` replaced by `to`.
fs::path example_model_with(const TempDir& dir, const std::string& from, const std::string& to) {
  fs::copy(example_model(), dir / "model", fs::copy_options::recursive);
  std::string yaml = slurp(dir / "model" / "rdf.yaml");
  const auto at = yaml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) yaml.replace(at, from.size(), to);
  std::ofstream(dir / "model" / "rdf.yaml", std::ios::trunc) << yaml;
  return dir / "model";
}

// Issue 8, "crashes and runaways": each of these crashed, hung or allocated gigabytes.

TEST(BadInput, NpyShapeWhoseSizeWrapsAround) {
  TempDir dir;
  // (2^52 + 1) x 64 x 64 float32 is 16 KB modulo 2^64: the data that follows "fits".
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4503599627370497, 64, 64), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');  // data starts at a multiple of 64
  header += '\n';
  std::ofstream f(dir / "wrap.npy", std::ios::binary);
  f << std::string("\x93NUMPY\x01\x00", 8) << static_cast<char>(header.size() & 0xff) << static_cast<char>(header.size() >> 8)
    << header << std::string(16384, '\0');
  f.close();
  expect_run_fails(dir, example_model(), dir / "wrap.npy", {"--axes", "zyx"}, "wrap.npy\" is not a valid .npy file: the header's shape (4503599627370497, 64, 64) of float32 needs more than 2^63 bytes");
}

TEST(BadInput, TiffWhoseImageJCountsOverflowToThePageCount) {
  TempDir dir;
  io::testing::HandTiffPage page{.width = 96, .height = 96, .pixels = std::vector<std::uint8_t>(96 * 96, 9)};
  std::vector<io::testing::HandTiffPage> pages(3, page);
  pages[0].description = "ImageJ=1.53t\nimages=3\nchannels=4611686018427387905\nslices=4611686018427387907\n";
  io::testing::write_hand_tiff(dir / "overflow.tif", pages);
  expect_run_fails(dir, example_model(), dir / "overflow.tif", {}, "overflow.tif\" has 3 pages but its ImageJ metadata says");
}

TEST(BadInput, TiffWithATileFarLargerThanItsPage) {
  TempDir dir;
  io::testing::write_hand_tiff(dir / "long_tile.tif", {{.width = 96, .height = 96, .pixels = std::vector<std::uint8_t>(4096),
                                                        .tile = {{16, 167772176}}}});
  expect_run_fails(dir, example_model(), dir / "long_tile.tif", {}, "declares tiles of 16x167772176 pixels");
}

TEST(BadInput, ZipWhoseRdfDeclaresAGigabyte) {
  TempDir dir;
  make_zip(dir / "model.zip", {{"rdf.yaml", slurp(example_model() / "rdf.yaml")}});
  declare_size(dir / "model.zip", "rdf.yaml", 1u << 30);
  expect_run_fails(dir, dir / "model.zip", example_image(), {}, "\"rdf.yaml\" in \"" + (dir / "model.zip").string() +
                                                                     "\" is 1073741824 bytes, more than the 16777216 allowed for a model description");
}

TEST(BadInput, YamlAliasBombInConfig) {
  TempDir dir;
  std::string bomb = "config:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level < 9; ++level) {
    const std::string prev = "*l" + std::to_string(level - 1);
    bomb += "  l" + std::to_string(level) + ": &l" + std::to_string(level) + " [" + prev;
    for (int k = 1; k < 10; ++k) bomb += ", " + prev;
    bomb += "]\n";
  }
  const auto model = example_model_with(dir, "config:\n", bomb + "  more:\n");
  expect_run_fails(dir, model, example_image(), {}, "rdf.yaml: config: expands to more than 100000 values");
}

TEST(BadInput, FolderWeightsLinkingOutsideTheBundle) {
  TempDir dir;
  fs::copy(example_model(), dir / "model", fs::copy_options::recursive);
  fs::rename(dir / "model" / "weights.pt", dir / "elsewhere.pt");
  fs::create_symlink(dir / "elsewhere.pt", dir / "model" / "weights.pt");
  expect_run_fails(dir, dir / "model", example_image(), {"--weights", "torchscript"}, "weights.pt\" is a link to \"");
}

TEST(BadInput, RdfValuesThatUsedToCrashNameTheirField) {
  struct Case { std::string from, to, message; };
  for (const Case& c : std::vector<Case>{
           {"size: {min: 88, step: 8}", "size: {min: 4e18, step: 8}", "inputs[0].axes[2].size.min: expected a positive integer of at most 1048576, got \"4e18\""},
           {"halo: 40", "halo: 1000000", "outputs[0].axes[2].halo: expected a non-negative integer of at most 4096, got \"1000000\""},
           {"halo: 40\n", "halo: 40\n        scale: 0\n", "outputs[0].axes[2].scale: expected a positive number, got \"0\""},
           {"data:\n      type: float32\n    test_tensor:\n      source: test_input.npy", "data: []\n    test_tensor:\n      source: test_input.npy",
            "inputs[0].data: expected a list of at least 1 entry, got an empty list"}}) {
    TempDir dir;
    expect_run_fails(dir, example_model_with(dir, c.from, c.to), example_image(), {}, c.message);
  }
}

// A TorchScript error inside the module comes with a 50-line traceback of the serialized code.
TEST(BadInput, WeightsOfAnotherModelGiveOneLineNamingTheWeights) {
  TempDir dir;
  const auto model = example_model_with(dir, "    sha256: d35db7758f3e352b541c01155bd82e70ca264d774370fb03cf92bf571daf8c0b\n", "");
  fs::copy_file(source_dir() / "tests/data/models/unet3d_tiny/weights.pt", model / "weights.pt",
                fs::copy_options::overwrite_existing);
  expect_run_fails(dir, model, example_image(), {"--weights", "torchscript"},
                   "weights.pt: torchscript forward failed: RuntimeError: ");
}

// A run killed mid-write (SIGKILL) leaves its temporary file; the next run for that output removes
// it, but not one of a live process, which may still be writing.
TEST(BadInput, LeftoverTemporaryFileOfAKilledRunIsRemoved) {
  TempDir dir;
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);  // now no process has this pid
  const auto dead = dir / (".out.tif.deepimage-" + std::to_string(child) + ".tmp");
  const auto live = dir / (".out.tif.deepimage-" + std::to_string(getppid()) + ".tmp");
  std::ofstream(dead) << "partial";
  std::ofstream(live) << "partial";
  CliResult r = run_cli({"run", example_model().string(), example_image().string(), "-o", (dir / "out.tif").string(), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(dir / "out.tif"));
}

TEST(UsageError, TileOrHaloBeyondTheirBoundsIsExit2) {
  TempDir dir;
  expect_run_fails(dir, example_model(), example_image(), {"--tile", "y=99999999999,x=96"},
                   "--tile: \"y=99999999999\" is more than 1048576 pixels", 2);
  expect_run_fails(dir, example_model(), example_image(), {"--tile", "y=9223372036854775807"}, "is more than 1048576 pixels", 2);
  expect_run_fails(dir, example_model(), example_image(), {"--halo", "y=9223372036854775807"},
                   "--halo: \"y=9223372036854775807\" is more than 4096 pixels", 2);
}

TEST(UsageError, MalformedTileIsExit2) {
  TempDir dir;
  expect_run_fails(dir, example_model(), example_image(), {"--tile", "y=abc"}, "--tile", 2);
}

}  // namespace
}  // namespace deepimage::testing
