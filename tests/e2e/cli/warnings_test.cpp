// `deepimage run` warnings: one `warning: ...` line on stderr each (none under --quiet), and the
// same lines in the --json report. The rules are in src/run/run_warnings.hpp.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "support/cli.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> warning_lines(const std::string& err) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < err.size()) {
    const std::size_t end = std::min(err.find('\n', start), err.size());
    const std::string line = err.substr(start, end - start);
    if (line.rfind("warning: ", 0) == 0) lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

// The example nuclei image as float32 with 4 NaN pixels (a 2x2 block near the top-left corner) and
// one +Inf pixel near the bottom-right corner.
TEST(Warnings, NaNImageWarnsOnceAndNaNStaysLocal) {
  TempDir dir;
  const auto model = (source_dir() / "examples/nuclei_unet2d").string();
  const auto clean = source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif";
  Tensor image = io::read_image(clean).pixels.converted(DType::f32);
  const std::int64_t w = image.size('x'), h = image.size('y');
  float* p = image.data<float>();
  for (std::int64_t y : {10, 11})
    for (std::int64_t x : {12, 13}) p[y * w + x] = NAN;
  p[(h - 8) * w + (w - 9)] = INFINITY;
  io::write_image({image, std::nullopt}, dir / "nan.tif");

  CliResult r = run_cli({"run", model, (dir / "nan.tif").string(), "-o", (dir / "p.tif").string(), "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = warning_lines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_NE(lines[0].find("nan.tif\" holds 4 NaN and 1 infinite values (of " + std::to_string(w * h) + ")"), std::string::npos)
      << lines[0];

  // NaN where the input was NaN; the rest of the image is still a segmentation like the clean image's.
  const Tensor out = io::read_image(dir / "p.tif").pixels;
  ASSERT_EQ(run_cli({"run", model, clean.string(), "-o", (dir / "clean.tif").string(), "--quiet"}).exit_code, 0);
  const Tensor reference = io::read_image(dir / "clean.tif").pixels;
  const float* o = out.data<float>();
  const float* c = reference.data<float>();
  for (std::int64_t y : {10, 11})
    for (std::int64_t x : {12, 13}) EXPECT_TRUE(std::isnan(o[y * w + x])) << y << "," << x;
  std::int64_t finite = 0, agree = 0;
  for (std::int64_t i = 0; i < out.element_count(); ++i) {
    if (std::isnan(o[i])) continue;
    ++finite;
    agree += (o[i] > 0.5f) == (c[i] > 0.5f);
  }
  EXPECT_GT(finite, out.element_count() / 2) << "NaN should stay near the NaN pixels";
  EXPECT_GE(static_cast<double>(agree) / static_cast<double>(finite), kNaNImageForegroundAgreement);

  CliResult quiet = run_cli({"run", model, (dir / "nan.tif").string(), "-o", (dir / "q.tif").string(), "--quiet"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_TRUE(warning_lines(quiet.err).empty()) << quiet.err;
  CliResult json = run_cli({"run", model, (dir / "nan.tif").string(), "-o", (dir / "j.tif").string(), "--json", "--quiet"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto warnings = nlohmann::json::parse(json.out)["warnings"];
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ("warning: " + warnings[0].get<std::string>(), lines[0]);
}

TEST(Warnings, CleanImageHasNone) {
  TempDir dir;
  const auto model = source_dir() / "examples/nuclei_unet2d";
  CliResult r = run_cli({"run", model.string(), (model / "sample_input.tif").string(), "-o", (dir / "p.tif").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(warning_lines(r.err).empty()) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(r.out)["warnings"].empty());
}

// The real 2021 export's weights end in a sigmoid and its rdf applies another one; the current
// export of the same network (weights without the sigmoid) must not warn.
TEST(Warnings, SigmoidAppliedToASigmoidIsNamed) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const auto image = (realdata() / "images/stardist_testdata/img2d.tif").string();
  CliResult twice = run_cli({"run", (realdata() / "unet2d_nuclei_broad_2021export").string(), image, "-o",
                             (dir / "twice.tif").string(), "--threads", "2", "--json"});
  ASSERT_EQ(twice.exit_code, 0) << twice.err;
  const auto lines = warning_lines(twice.err);
  ASSERT_EQ(lines.size(), 1u) << twice.err;
  EXPECT_NE(lines[0].find("output \"probability\": every value lies in 0.5..0.731"), std::string::npos) << lines[0];
  EXPECT_EQ(nlohmann::json::parse(twice.out)["warnings"].size(), 1u);

  CliResult once = run_cli({"run", (realdata() / "unet2d_nuclei_broad").string(), image, "-o", (dir / "once.tif").string(),
                            "--threads", "2"});
  ASSERT_EQ(once.exit_code, 0) << once.err;
  EXPECT_TRUE(warning_lines(once.err).empty()) << once.err;
}

// The 3x3 Laplacian fixture declared at 0.5 micrometer per pixel, on images calibrated at 0.65 um
// (30 % off: warns) and 0.52 um (4 % off: quiet).
TEST(Warnings, PixelSizeUnlikeTheModelsIsNamed) {
  TempDir dir;
  const fs::path fixture = source_dir() / "tests/data/models/laplace2d_tiny";
  fs::create_directories(dir / "model");
  for (const char* f : {"weights.pt", "test_input.npy", "test_output.npy", "README.md"}) fs::copy_file(fixture / f, dir / "model" / f);
  std::string rdf = slurp(fixture / "rdf.yaml");
  // On the output's axes too: 0.5 sizes an output axis by the ratio of the two scales.
  int inserted = 0;
  for (const std::string axis : {"        id: y\n", "        id: x\n"})
    for (std::size_t at = rdf.find(axis); at != std::string::npos; at = rdf.find(axis, at + 1), ++inserted)
      rdf.insert(at + axis.size(), "        scale: 0.5\n        unit: micrometer\n");
  ASSERT_EQ(inserted, 4);
  std::ofstream(dir / "model/rdf.yaml") << rdf;

  Tensor pixels(DType::u8, {16, 20}, "yx");
  for (double size : {0.65, 0.52}) {
    const std::string name = size > 0.6 ? "coarse" : "close";
    io::write_image({pixels, io::Calibration{.x = size, .y = size, .z = 1.0, .unit = "micron", .frame_interval = 0}},
                    dir / (name + ".tif"));
    CliResult r = run_cli({"run", (dir / "model").string(), (dir / (name + ".tif")).string(), "-o",
                           (dir / (name + "_out.tif")).string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = warning_lines(r.err);
    if (name == "close") {
      EXPECT_TRUE(lines.empty()) << r.err;
      continue;
    }
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_NE(lines[0].find("coarse.tif\" has a pixel size of y 0.65 micron (model: 0.5 micrometer), x 0.65 micron"),
              std::string::npos) << lines[0];
    // --plan says it too: it is known before anything runs.
    CliResult plan = run_cli({"run", (dir / "model").string(), (dir / (name + ".tif")).string(), "--plan"});
    ASSERT_EQ(plan.exit_code, 0) << plan.err;
    ASSERT_EQ(warning_lines(plan.err).size(), 1u) << plan.err;
    EXPECT_EQ(warning_lines(plan.err)[0], lines[0]);
  }
}

}  // namespace
}  // namespace deepimage::testing
