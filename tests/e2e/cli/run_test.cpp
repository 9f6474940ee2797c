// `deepimage run` end to end: real models on real images, checked against ground-truth masks and
// against the bundles' own test outputs.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

// Foreground IoU of (probability > 0.5) against (labels > 0).
double foreground_iou(const Tensor& probability, const Tensor& labels) {
  const Tensor p = probability.converted(DType::f32), l = labels.converted(DType::f32);
  EXPECT_EQ(p.element_count(), l.element_count());
  std::int64_t both = 0, any = 0;
  for (std::int64_t i = 0; i < p.element_count(); ++i) {
    const bool a = p.data<float>()[i] > 0.5f, b = l.data<float>()[i] > 0.f;
    both += a && b;
    any += a || b;
  }
  return any ? static_cast<double>(both) / static_cast<double>(any) : 0.0;
}

TEST(Run, NucleiBroadOnStardistImageInFourTiles) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const auto image = realdata() / "images/stardist_testdata/img2d.tif";
  CliResult r = run_cli({"run", (realdata() / "unet2d_nuclei_broad").string(), image.string(), "-o",
                         (dir / "prob.tif").string(), "--json", "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  // Fixed 512 input with halo 32 leaves 448 valid pixels: a 512 image needs 2 x 2 tiles.
  EXPECT_EQ(report["tiling"]["tile_count"], 4);
  EXPECT_EQ(report["tiling"]["tile_shape"], nlohmann::json({512, 512}));
  // The report names exactly what ran: the weights the rdf lists for onnx (the native engine comes first).
  EXPECT_EQ(report["weights"]["format"], "onnx");
  EXPECT_EQ(report["weights"]["sha256"], "85f5ac80fa977fea3562ef97c8c5950288be2c4f4cdb5d994807df97008ce088");
  EXPECT_GT(report["peak_rss_bytes"].get<std::uint64_t>(), 0u);
  io::Image out = io::read_image(dir / "prob.tif");
  EXPECT_EQ(out.pixels.shape(), (Shape{512, 512}));
  io::Image mask = io::read_image(realdata() / "images/stardist_testdata/mask2d.tif");
  const double iou = foreground_iou(out.pixels, mask.pixels);
  RecordProperty("foreground_iou", std::to_string(iou));
  EXPECT_GE(iou, kNucleiBroadMinIoU);
}

// The report's times nest: the engine's share of inference, the first tile after loading.
TEST(Run, ReportTimesNest) {
  TempDir dir;
  const auto model = source_dir() / "examples/nuclei_unet2d";
  CliResult r = run_cli({"run", model.string(), (model / "sample_input.tif").string(), "-o", (dir / "p.tif").string(),
                         "--tile", "y=128,x=128", "--threads", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = nlohmann::json::parse(r.out)["seconds"];
  EXPECT_GT(s["engine"].get<double>(), 0.0);
  EXPECT_LE(s["engine"].get<double>(), s["inference"].get<double>());
  EXPECT_GT(s["first_tile"].get<double>(), s["load"].get<double>());
  EXPECT_LE(s["first_tile"].get<double>(), s["total"].get<double>());
}

TEST(Run, ExampleModelOnHeldOutStardistImage) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  CliResult r = run_cli({"run", (source_dir() / "examples/nuclei_unet2d").string(),
                         (realdata() / "images/stardist_testdata/img2d.tif").string(), "-o", (dir / "p.tif").string(),
                         "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  io::Image out = io::read_image(dir / "p.tif");
  io::Image mask = io::read_image(realdata() / "images/stardist_testdata/mask2d.tif");
  const double iou = foreground_iou(out.pixels, mask.pixels);
  std::cout << "example model foreground IoU on stardist img2d.tif: " << iou << "\n";
  RecordProperty("foreground_iou", std::to_string(iou));
  EXPECT_GE(iou, kExampleModelMinIoU);
}

TEST(Run, MultiTensorModelWritesOneFilePerOutputMatchingTestOutputs) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const auto m = realdata() / "unet2d_multi_tensor";
  CliResult r = run_cli({"run", m.string(), (m / "test_input_0.npy").string(), (m / "test_input_1.npy").string(), "-o",
                         (dir / "out").string(), "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int k = 0; k < 2; ++k) {
    const auto written = dir / "out" / ("test_input_0_output" + std::to_string(k) + ".tif");
    ASSERT_TRUE(fs::exists(written)) << written;
    const Tensor got = io::read_image(written).pixels;
    const Tensor expected = io::read_npy(m / ("test_output_" + std::to_string(k) + ".npy"));
    EXPECT_EQ(got.element_count(), expected.element_count());
    EXPECT_LE(max_abs_diff(got, expected), kMultiTensorMaxAbs);
  }
}

TEST(Run, EmbeddedExampleWritesTiffAndNpyWithTheSamePixels) {
  TempDir dir;
  const auto model = source_dir() / "examples/nuclei_unet2d";
  const auto image = source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif";
  ASSERT_EQ(run_cli({"run", model.string(), image.string(), "-o", (dir / "p.tif").string(), "--quiet"}).exit_code, 0);
  ASSERT_EQ(run_cli({"run", model.string(), image.string(), "-o", (dir / "p.npy").string(), "--quiet"}).exit_code, 0);
  const Tensor tif = io::read_image(dir / "p.tif").pixels;
  const Tensor npy = io::read_npy(dir / "p.npy");
  const Tensor in = io::read_image(image).pixels;
  EXPECT_EQ(tif.shape(), in.shape());  // the result keeps the input's geometry
  EXPECT_EQ(npy.shape(), in.shape());
  EXPECT_EQ(max_abs_diff(tif, npy), 0.0);
}

TEST(Run, ChosenChannelOfAMultiChannelImageEqualsThatChannelAlone) {
  TempDir dir;
  const Tensor nuclei = io::read_image(source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif").pixels;
  Tensor two(DType::u8, {2, nuclei.shape()[0], nuclei.shape()[1]}, "cyx");
  const auto plane = static_cast<std::size_t>(nuclei.element_count());
  for (std::size_t i = 0; i < plane; ++i) {
    two.data<std::uint8_t>()[i] = static_cast<std::uint8_t>((i * 37) % 200);  // some other stain
    two.data<std::uint8_t>()[plane + i] = nuclei.data<std::uint8_t>()[i];
  }
  io::write_image({two, std::nullopt}, dir / "two.tif");
  const auto model = (source_dir() / "examples/nuclei_unet2d").string();
  ASSERT_EQ(run_cli({"run", model, (dir / "two.tif").string(), "-o", (dir / "picked.tif").string(), "--channels", "1"}).exit_code, 0);
  ASSERT_EQ(run_cli({"run", model, (source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif").string(), "-o",
                     (dir / "alone.tif").string()}).exit_code, 0);
  const Tensor picked = io::read_image(dir / "picked.tif").pixels, alone = io::read_image(dir / "alone.tif").pixels;
  EXPECT_EQ(picked.shape(), alone.shape());
  EXPECT_LE(max_abs_diff(picked, alone), kTiledVsWholeMaxAbs);
  CliResult bad = run_cli({"run", model, (dir / "two.tif").string(), "-o", (dir / "x.tif").string(), "--channels", "2"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("channel 2 does not exist"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir / "x.tif"));
}

TEST(Run, PlanPrintsTheTilesOfTheRealRunAndWritesNothing) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const auto model = (realdata() / "unet2d_nuclei_broad").string();
  const auto image = (realdata() / "images/stardist_testdata/img2d.tif").string();
  CliResult plan = run_cli({"run", model, image, "--plan", "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  CliResult real = run_cli({"run", model, image, "-o", (dir / "p.tif").string(), "--json"});
  ASSERT_EQ(real.exit_code, 0) << real.err;
  const auto p = nlohmann::json::parse(plan.out), r = nlohmann::json::parse(real.out);
  EXPECT_EQ(p["tiling"], r["tiling"]);
  EXPECT_TRUE(p["planned_only"].get<bool>());
  EXPECT_TRUE(p["outputs"].empty());
  CliResult text = run_cli({"run", model, image, "--plan", "-o", (dir / "q.tif").string()});
  EXPECT_NE(text.out.find("4 tiles of 512x512"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("predicted peak memory"), std::string::npos) << text.out;
  // Planning measures the same model the same way: its prediction is the run's, give or take what
  // the allocator happens to keep.
  const double planned = p["memory"]["predicted_peak_bytes"].get<double>(), ran = r["memory"]["predicted_peak_bytes"].get<double>();
  EXPECT_NEAR(planned / ran, 1.0, 0.25) << planned << " vs " << ran;
  EXPECT_FALSE(fs::exists(dir / "q.tif"));
}

TEST(Run, OutputIsAnImageJHyperstackForTifffile) {
  if (!fs::exists("/usr/bin/python3") || std::system("/usr/bin/python3 -c 'import tifffile' 2>/dev/null") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with tifffile is not installed";
  TempDir dir;
  const auto image = source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif";
  ASSERT_EQ(run_cli({"run", (source_dir() / "examples/nuclei_unet2d").string(), image.string(), "-o",
                     (dir / "p.tif").string(), "--quiet"}).exit_code, 0);
  const std::string check = "import tifffile,sys; t=tifffile.TiffFile(sys.argv[1]); "
                            "assert t.is_imagej, 'not imagej'; a=t.asarray(); "
                            "assert a.dtype.name=='float32' and a.shape==(256,256), (a.dtype, a.shape); "
                            "assert 0<=a.min() and a.max()<=1; "
                            "assert t.imagej_metadata['Labels']=='foreground', t.imagej_metadata";  // the rdf's channel name (one: a string)
  const std::string cmd = "/usr/bin/python3 -c " + shell_quote(check) + " " + shell_quote((dir / "p.tif").string());
  EXPECT_EQ(std::system(cmd.c_str()), 0);
}

}  // namespace
}  // namespace deepimage::testing
