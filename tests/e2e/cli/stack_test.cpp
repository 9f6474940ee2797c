// A 2D model on stacks: every slice of a z-stack or a time-lapse is processed, each exactly as if it
// were run alone (its own normalisation statistics, its own tiles), and the result keeps the axes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "support/cli.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

// Three different 96x120 crops of the example image, brightness scaled differently per slice so that
// per-slice normalisation matters.
Tensor stack_of_crops(const std::string& axes) {
  const Tensor full = io::read_image(source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif").pixels.converted(DType::f32);
  const std::int64_t h = 96, w = 120, width = full.shape()[1];
  Tensor stack(DType::f32, {3, h, w}, axes);
  for (std::int64_t k = 0; k < 3; ++k)
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x)
        stack.data<float>()[(k * h + y) * w + x] = full.data<float>()[(y + 40 * k) * width + x + 30 * k] * float(1 + 2 * k);
  return stack;
}

Tensor run_on(const std::filesystem::path& image, const std::filesystem::path& out, std::int64_t* slices = nullptr) {
  CliResult r = run_cli({"run", (source_dir() / "examples/nuclei_unet2d").string(), image.string(), "-o", out.string(),
                         "--json", "--threads", "2", "--tile", "y=104,x=120"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return {};
  if (slices) *slices = nlohmann::json::parse(r.out)["slices"]["count"].get<std::int64_t>();
  return io::read_image(out).pixels;
}

class StackOfSlices : public ::testing::TestWithParam<std::string> {};

TEST_P(StackOfSlices, EachSliceEqualsRunningItAlone) {
  const std::string axes = GetParam();
  TempDir dir;
  const Tensor stack = stack_of_crops(axes);
  io::write_image({stack, std::nullopt}, dir / "stack.tif");
  std::int64_t slices = 0;
  const Tensor result = run_on(dir / "stack.tif", dir / "result.tif", &slices);
  ASSERT_FALSE(result.empty());
  EXPECT_EQ(slices, 3);
  EXPECT_EQ(result.axes(), axes);
  ASSERT_EQ(result.shape(), stack.shape());
  const std::int64_t plane = 96 * 120;
  for (std::int64_t k = 0; k < 3; ++k) {
    Tensor one(DType::f32, {96, 120}, "yx");
    std::copy_n(stack.data<float>() + k * plane, plane, one.data<float>());
    const auto in = dir / ("slice" + std::to_string(k) + ".tif"), out = dir / ("out" + std::to_string(k) + ".tif");
    io::write_image({one, std::nullopt}, in);
    const Tensor alone = run_on(in, out);
    ASSERT_EQ(alone.element_count(), plane);
    double worst = 0;
    for (std::int64_t i = 0; i < plane; ++i)
      worst = std::max(worst, double(std::abs(alone.data<float>()[i] - result.data<float>()[k * plane + i])));
    EXPECT_LE(worst, kTiledVsWholeMaxAbs) << "slice " << k;
  }
}

TEST(Stack, CalibrationAndAxesSurviveTheRun) {
  TempDir dir;
  io::Calibration cal;
  cal.x = cal.y = 0.325;
  cal.z = 2.0;
  cal.unit = "micron";
  io::write_image({stack_of_crops("zyx"), cal}, dir / "stack.tif");
  ASSERT_FALSE(run_on(dir / "stack.tif", dir / "result.tif").empty());
  const io::Image out = io::read_image(dir / "result.tif");
  EXPECT_EQ(out.pixels.axes(), "zyx");
  ASSERT_TRUE(out.calibration.has_value());
  EXPECT_NEAR(out.calibration->x, 0.325, 1e-6);
  EXPECT_NEAR(out.calibration->z, 2.0, 1e-6);
  EXPECT_EQ(out.calibration->unit, "micron");
}

TEST(Stack, AStreamedFloatStackIsAnImageJHyperstackWithItsDisplayRange) {
  if (std::system("/usr/bin/python3 -c 'import tifffile' 2>/dev/null") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with tifffile is not installed";
  TempDir dir;
  io::write_image({stack_of_crops("zyx"), std::nullopt}, dir / "stack.tif");
  CliResult r = run_cli({"run", (source_dir() / "examples/nuclei_unet2d").string(), (dir / "stack.tif").string(), "-o",
                         (dir / "result.tif").string(), "--json", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(r.out)["slices"]["streamed"].get<bool>());
  // min/max are written into the description after the last slice: tifffile must see them equal to
  // the data's range, and the file as a 3-slice ImageJ stack.
  const std::string check = "import tifffile,sys; t=tifffile.TiffFile(sys.argv[1]); m=t.imagej_metadata; a=t.asarray(); "
                            "assert t.is_imagej and m['slices']==3 and a.shape==(3,96,120), (m, a.shape); "
                            "assert abs(m['min']-float(a.min()))<1e-6 and abs(m['max']-float(a.max()))<1e-6, (m, a.min(), a.max())";
  const std::string cmd = "/usr/bin/python3 -c " + shell_quote(check) + " " + shell_quote((dir / "result.tif").string());
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

INSTANTIATE_TEST_SUITE_P(ZStackAndTimeLapse, StackOfSlices, ::testing::Values("zyx", "tyx"));

}  // namespace
}  // namespace deepimage::testing
