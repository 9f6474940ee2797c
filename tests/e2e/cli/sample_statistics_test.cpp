// `deepimage stats` and `run --stats FILE` with per-sample statistics: measured once over the whole
// image, they replace the run's own measurement with the same result bit for bit (the nuclei U-Net's
// zero_mean_unit_variance, the pancreatic U-Net's scale_range 0..100 %); the file's numbers are the
// image's (numpy's mean and std, min and max); a file for another model, image or kept shape is a
// one-line error naming the file and the field; and a changed file changes the result (it is used).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path nuclei() { return realdata() / "unet2d_nuclei_broad"; }
fs::path img2d() { return realdata() / "images/stardist_testdata/img2d.tif"; }

nlohmann::json read_json(const fs::path& p) { return nlohmann::json::parse(slurp(p)); }
void write_json(const fs::path& p, const nlohmann::json& j) { std::ofstream(p) << j.dump(2); }

bool same_pixels(const fs::path& a, const fs::path& b) {
  const Tensor x = io::read_image(a).pixels, y = io::read_image(b).pixels;
  return x.shape() == y.shape() && x.dtype() == y.dtype() &&
         std::equal(x.bytes(), x.bytes() + x.byte_count(), y.bytes());
}

CliResult run_model(const fs::path& model, const fs::path& in, const fs::path& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"run", model.string(), in.string(), "-o", out.string(), "--quiet", "--threads", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

TEST(SampleStatistics, NucleiUnetWithTheFileEqualsItsOwnMeasurementBitForBit) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path stats = dir / "stats.json";
  CliResult r = run_cli({"stats", nuclei().string(), img2d().string(), "-o", stats.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("zero_mean_unit_variance"), std::string::npos) << r.out;
  // The numbers are the image's own: numpy's float64 mean and population std of the pixels.
  const nlohmann::json file = read_json(stats);
  ASSERT_EQ(file["sample_statistics"].size(), 1u) << file.dump();
  const nlohmann::json& m = file["sample_statistics"][0];
  EXPECT_EQ(m["op_id"], "zero_mean_unit_variance");
  EXPECT_EQ(m["tensor_id"], "raw");
  const Tensor image = io::read_image(img2d()).pixels.converted(DType::f32);
  double sum = 0, squares = 0;
  const std::int64_t n = image.element_count();
  for (std::int64_t i = 0; i < n; ++i) sum += image.data<float>()[i];
  const double mean = sum / static_cast<double>(n);
  for (std::int64_t i = 0; i < n; ++i) squares += (image.data<float>()[i] - mean) * (image.data<float>()[i] - mean);
  EXPECT_NEAR(m["mean"][0].get<double>(), mean, 1e-9 * std::abs(mean));
  EXPECT_NEAR(m["std"][0].get<double>(), std::sqrt(squares / static_cast<double>(n)), 1e-9 * mean);

  ASSERT_EQ(run_model(nuclei(), img2d(), dir / "own.tif").exit_code, 0);
  r = run_model(nuclei(), img2d(), dir / "given.tif", {"--stats", stats.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(same_pixels(dir / "own.tif", dir / "given.tif"));

  // A file with another mean changes the result: the run took the file's numbers.
  nlohmann::json other = file;
  other["sample_statistics"][0]["mean"][0] = mean + 3 * m["std"][0].get<double>();
  write_json(dir / "other.json", other);
  ASSERT_EQ(run_model(nuclei(), img2d(), dir / "other.tif", {"--stats", (dir / "other.json").string()}).exit_code, 0);
  EXPECT_FALSE(same_pixels(dir / "own.tif", dir / "other.tif"));
}

TEST(SampleStatistics, AFileForAnotherModelImageOrShapeIsOneLineNamingTheField) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path stats = dir / "stats.json";
  ASSERT_EQ(run_cli({"stats", nuclei().string(), img2d().string(), "-o", stats.string()}).exit_code, 0);
  const nlohmann::json file = read_json(stats);
  const auto refused = [&](const nlohmann::json& j, const fs::path& image, const std::string& field) {
    write_json(dir / "bad.json", j);
    const CliResult r = run_model(nuclei(), image, dir / "out.tif", {"--stats", (dir / "bad.json").string()});
    EXPECT_EQ(r.exit_code, 1) << field;
    EXPECT_EQ(line_count(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("bad.json\": " + field), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out.tif"));
  };
  nlohmann::json other_model = file;
  other_model["model"] = "another model";
  refused(other_model, img2d(), "model");
  nlohmann::json other_shape = file;
  other_shape["sample_statistics"][0]["kept_axes"] = {"b", "c"};
  other_shape["sample_statistics"][0]["kept_shape"] = {1, 2};
  other_shape["sample_statistics"][0]["mean"] = {1.0, 2.0};
  other_shape["sample_statistics"][0]["std"] = {1.0, 2.0};
  refused(other_shape, img2d(), "sample_statistics[0].kept_shape");
  nlohmann::json other_op = file;
  other_op["sample_statistics"][0]["op_id"] = "scale_range";
  refused(other_op, img2d(), "sample_statistics[0].op_id");
  refused(file, realdata() / "images/stardist_testdata/tests_img2d.tif", "sample_shapes.raw");  // another image's size
  // An existing statistics file is not replaced without --overwrite.
  const CliResult again = run_cli({"stats", nuclei().string(), img2d().string(), "-o", stats.string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
}

// The pancreatic U-Net's scale_range with percentiles 0 and 100 (min and max of each sample).
TEST(SampleStatistics, PercentileScaleRangeWithTheFileEqualsItsOwnMeasurementBitForBit) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  const fs::path model = realdata() / "unet2d_pancreatic_keras_dij" / "rdf.yaml";
  const fs::path image = realdata() / "unet2d_pancreatic_keras_dij" / "exampleImage.tif";
  const fs::path stats = dir / "stats.json";
  const CliResult r = run_cli({"stats", model.string(), image.string(), "-o", stats.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json m = read_json(stats)["sample_statistics"].at(0);
  EXPECT_EQ(m["op_id"], "scale_range");
  const Tensor pixels = io::read_image(image).pixels.converted(DType::f32);
  const auto [lo, hi] = std::minmax_element(pixels.data<float>(), pixels.data<float>() + pixels.element_count());
  EXPECT_EQ(m["percentiles"]["0"][0].get<double>(), *lo);
  EXPECT_EQ(m["percentiles"]["100"][0].get<double>(), *hi);
  const std::vector<std::string> tiles = {"--tile", "y=320,x=320", "--halo", "y=96,x=96"};
  ASSERT_EQ(run_model(model, image, dir / "own.tif", tiles).exit_code, 0);
  std::vector<std::string> with_stats = tiles;
  with_stats.insert(with_stats.end(), {"--stats", stats.string()});
  ASSERT_EQ(run_model(model, image, dir / "given.tif", with_stats).exit_code, 0);
  EXPECT_TRUE(same_pixels(dir / "own.tif", dir / "given.tif"));
}

}  // namespace
}  // namespace deepimage::testing
