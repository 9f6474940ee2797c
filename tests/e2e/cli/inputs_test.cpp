// What a new user meets first: PNG/JPEG and OME-TIFF inputs, the default output name, batches that
// never drop a file silently (even with --quiet), `deepimage help`.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path example_model() { return source_dir() / "examples/nuclei_unet2d"; }
fs::path example_image() { return source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif"; }
fs::path io_fixture(const std::string& name) { return source_dir() / "tests/data/io" / name; }
// The example model's name, "deepimage nuclei U-Net 2D", as it appears in default output names.
const std::string kModelInName = "_deepimage_nuclei_U-Net_2D";

// The bioimage.io example model on its own sample PNG (an 8-bit rendering of its test input): the
// result agrees with the bundle's expected output for the test tensor wherever that is clear.
TEST(Inputs, RealModelRunsOnItsSamplePng) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path model = realdata() / "unet2d_nuclei_broad";
  CliResult r = run_cli({"run", model.string(), (model / "test_input.png").string(), "-o", (dir / "p.tif").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["input_axes"][0], "yx");
  const Tensor got = io::read_image(dir / "p.tif").pixels;
  const Tensor expected = io::read_npy(model / "test_output.npy");
  ASSERT_EQ(got.element_count(), expected.element_count());
  // The rendering loses the 12-bit input's low bits: compare decisions, not values.
  std::int64_t differ = 0, n = got.element_count();
  for (std::int64_t i = 0; i < n; ++i) differ += (got.data<float>()[i] > 0.5f) != (expected.data<float>()[i] > 0.5f);
  EXPECT_LT(static_cast<double>(differ) / static_cast<double>(n), 0.01) << differ << " of " << n << " pixels";
}

TEST(Inputs, RgbPngWithTheWrongChannelCountSaysHowToFixIt) {
  TempDir dir;
  CliResult r = run_cli({"run", example_model().string(), io_fixture("yxc_u8_png_rgb_13x17x3.png").string(), "-o",
                         (dir / "p.tif").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("has 3 channels but model input \"raw\" expects 1 channel; choose 1 of them with --channels (e.g. "
                       "--channels 0)"), std::string::npos) << r.err;
}

// Channels of an OME ZCYX stack are channels (not slices): picking one runs the 2D model per slice.
TEST(Inputs, OmeTiffChannelsAreChannels) {
  TempDir dir;
  const fs::path ome = io_fixture("zcyx_u16_ome_2x3x16x20.tif");
  CliResult bad = run_cli({"run", example_model().string(), ome.string(), "-o", (dir / "p.tif").string()});
  EXPECT_EQ(bad.exit_code, 1);
  // Each z-slice is checked as it is read: its axes are the slice's.
  EXPECT_NE(bad.err.find("(axes \"cyx\", shape (3, 16, 20)) has 3 channels"), std::string::npos) << bad.err;
  CliResult good = run_cli({"run", example_model().string(), ome.string(), "-o", (dir / "p.tif").string(), "--channels", "1",
                            "--json"});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  const auto report = nlohmann::json::parse(good.out);
  EXPECT_EQ(report["slices"]["axes"], "z");
  EXPECT_EQ(report["slices"]["count"], 2);
  EXPECT_EQ(io::read_image(dir / "p.tif").pixels.shape(), (Shape{2, 16, 20}));
}

TEST(Inputs, WithoutOutputTheResultGoesBesideTheInputAndIsNeverReplaced) {
  TempDir dir;
  fs::copy_file(example_image(), dir / "cells.tif");
  CliResult r = run_cli({"run", example_model().string(), (dir / "cells.tif").string(), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  const fs::path result = dir / ("cells" + kModelInName + ".tif");
  ASSERT_TRUE(fs::exists(result));
  const std::string before = slurp(result);
  CliResult again = run_cli({"run", example_model().string(), (dir / "cells.tif").string(), "--quiet"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("output \"" + result.string() + "\" already exists (use --overwrite to replace it, or -o to name another)"),
            std::string::npos) << again.err;
  EXPECT_EQ(slurp(result), before);
}

// A batch with --quiet prints nothing on success but always names what failed and what was not run;
// without -o each result goes beside its image, and a second run does not take them for inputs.
TEST(Inputs, QuietBatchStillReportsFailuresAndSkippedFiles) {
  TempDir dir;
  fs::create_directories(dir / "in");
  fs::copy_file(example_image(), dir / "in" / "a.tif");
  fs::copy_file(io_fixture("yx_u8_png_grey_13x17.png"), dir / "in" / "b.png");  // too small for the model
  fs::copy_file(io_fixture("yx_u8_jpeg_grey_16x24.jpg"), dir / "in" / "c.JPG");
  std::ofstream(dir / "in" / "notes.txt") << "not an image";
  std::ofstream(dir / "in" / "d.png") << "not a png";
  CliResult r = run_cli({"run", example_model().string(), (dir / "in").string(), "--quiet"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("notes.txt (not an image format deepimage reads)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: 1 of 4 images failed:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("d.png\" cannot be decoded"), std::string::npos) << r.err;
  for (const char* stem : {"a", "b", "c"}) EXPECT_TRUE(fs::exists(dir / "in" / (stem + kModelInName + ".tif"))) << stem;

  CliResult again = run_cli({"run", example_model().string(), (dir / "in").string(), "--json"});
  EXPECT_EQ(again.exit_code, 1);
  const auto report = nlohmann::json::parse(again.out);
  EXPECT_EQ(report["images"].size(), 4u);  // a, b, c (their results exist: errors), d
  EXPECT_EQ(report["skipped"].size(), 4u);  // notes.txt and the three results
  EXPECT_NE(again.err.find("a" + kModelInName + ".tif (a result of this model)"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
}

TEST(Inputs, AnExplicitFileOfUnknownFormatFailsInTheBatchSummary) {
  TempDir dir;
  fs::copy_file(example_image(), dir / "a.tif");
  std::ofstream(dir / "b.czi") << "x";
  CliResult r = run_cli({"run", example_model().string(), (dir / "a.tif").string(), (dir / "b.czi").string(), "-o",
                         (dir / "out").string(), "--quiet"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("b.czi\" is not a known image format"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir / "out" / "a.tif"));
}

TEST(Inputs, HelpCommandPrintsTheCommandsHelp) {
  for (const char* command : {"run", "info", "models", "example", "build", "test", "ops", "engines", "bench", "validate", "pull", "convert", "stats", "pyramid"}) {
    const CliResult help = run_cli({"help", command}), flag = run_cli({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_EQ(help.out, flag.out) << command;
    EXPECT_NE(help.out.find(command), std::string::npos);
  }
  const CliResult overview = run_cli({"help"}), flag = run_cli({"--help"});
  EXPECT_EQ(overview.exit_code, 0);
  EXPECT_EQ(overview.out, flag.out);
  const CliResult unknown = run_cli({"help", "segment"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command \"segment\" (commands: run, info, models, example, build, test, ops, engines, bench, validate, pull, convert, stats, pyramid, objects, serve)"), std::string::npos)
      << unknown.err;
}

}  // namespace
}  // namespace deepimage::testing
