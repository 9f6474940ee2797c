// rdf 0.4 `mode: per_dataset`: the statistics of every image of the run at once, or of --stats FILE.
// The bundle is geometry/channels_first_fixed_1 (a 3x3 box mean, 0.4, tiles of 24 x 24) given a
// per_dataset zero_mean_unit_variance; the reference normalises with the mean and std of all images
// together, computed naively, then takes the box mean with mirrored borders.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path per_dataset_bundle(const fs::path& dir) {
  const fs::path fixture = source_dir() / "tests/data/models/geometry/channels_first_fixed_1";
  fs::create_directories(dir / "model");
  for (const char* f : {"weights.pt", "test_input.npy", "test_output.npy", "README.md"}) fs::copy_file(fixture / f, dir / "model" / f);
  std::string rdf = slurp(fixture / "rdf.yaml");
  const std::string at = "    data_type: float32\n    shape: [1, 1, 24, 24]\n";
  EXPECT_NE(rdf.find(at), std::string::npos);
  rdf.insert(rdf.find(at) + at.size(),
             "    preprocessing:\n      - name: zero_mean_unit_variance\n        kwargs: {mode: per_dataset, axes: yx, eps: 1.0e-6}\n");
  std::ofstream(dir / "model/rdf.yaml") << rdf;
  return dir / "model";
}

Tensor random_image(std::int64_t h, std::int64_t w, unsigned seed, float offset) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(0.f, 100.f);
  Tensor t(DType::f32, {h, w}, "yx");
  for (std::int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = value(rng) + offset;
  return t;
}

std::int64_t reflect(std::int64_t i, std::int64_t n) { return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i; }

// Largest |out - box mean of ((image - mean) / (std + eps))| over the image.
double error_against_naive(const Tensor& out, const Tensor& image, double mean, double std) {
  const std::int64_t h = image.shape()[0], w = image.shape()[1];
  double worst = 0;
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x) {
      double sum = 0;
      for (std::int64_t dy = -1; dy <= 1; ++dy)
        for (std::int64_t dx = -1; dx <= 1; ++dx) sum += image.data<float>()[reflect(y + dy, h) * w + reflect(x + dx, w)];
      const double expected = (sum / 9 - mean) / (std + 1e-6);
      worst = std::max(worst, std::abs(out.converted(DType::f64).data<double>()[y * w + x] - expected));
    }
  return worst;
}

TEST(DatasetStatistics, ABatchIsNormalisedWithTheStatisticsOfAllItsImages) {
  TempDir dir;
  const fs::path model = per_dataset_bundle(dir.path());
  // Two images of different sizes and levels: per-sample statistics would differ from the dataset's.
  const Tensor a = random_image(30, 40, 1, 0.f), b = random_image(50, 26, 2, 300.f);
  fs::create_directories(dir / "in");
  io::write_npy(a, dir / "in/a.npy");
  io::write_npy(b, dir / "in/b.npy");
  double sum = 0, squares = 0;
  const auto n = static_cast<double>(a.element_count() + b.element_count());
  for (const Tensor* t : {&a, &b})
    for (std::int64_t i = 0; i < t->element_count(); ++i) sum += t->data<float>()[i];
  const double mean = sum / n;
  for (const Tensor* t : {&a, &b})
    for (std::int64_t i = 0; i < t->element_count(); ++i) squares += std::pow(t->data<float>()[i] - mean, 2);
  const double std = std::sqrt(squares / n);

  const CliResult r = run_cli({"run", model.string(), (dir / "in").string(), "-o", (dir / "out").string(), "--stats",
                               (dir / "stats.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The box mean of a normalised image is the normalised box mean: compare in the normalised scale.
  EXPECT_LE(error_against_naive(io::read_image(dir / "out/a.tif").pixels, a, mean, std), 1e-4);
  EXPECT_LE(error_against_naive(io::read_image(dir / "out/b.tif").pixels, b, mean, std), 1e-4);

  // The file holds them, in deepimage's dataset statistics layout.
  const auto stats = nlohmann::json::parse(slurp(dir / "stats.json"));
  const auto& entry = stats["dataset_statistics"].at(0);
  EXPECT_EQ(entry["tensor_id"], "raw");
  EXPECT_NEAR(entry["mean"].at(0).get<double>(), mean, 1e-9 * std::abs(mean));
  EXPECT_NEAR(entry["std"].at(0).get<double>(), std, 1e-9 * std);

  // Given back with --stats, one image alone is normalised the same way.
  const CliResult again = run_cli({"run", model.string(), (dir / "in/b.npy").string(), "-o", (dir / "b_again.tif").string(),
                                   "--stats", (dir / "stats.json").string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(max_abs_diff(io::read_image(dir / "b_again.tif").pixels, io::read_image(dir / "out/b.tif").pixels), 0.0);
}

TEST(DatasetStatistics, AStatsFileOfAnotherLayoutIsAClearError) {
  TempDir dir;
  const fs::path model = per_dataset_bundle(dir.path());
  io::write_npy(random_image(30, 30, 3, 0.f), dir / "a.npy");
  std::ofstream(dir / "stats.json") << R"({"format": "deepimage dataset statistics 1", "dataset_statistics": [{"tensor_id": "raw", "axes": ["y", "x"], "kept_axes": ["b", "c"], "kept_shape": [1, 1], "mean": [1, 2], "std": [1]}]})";
  const CliResult r = run_cli({"run", model.string(), (dir / "a.npy").string(), "-o", (dir / "a.tif").string(), "--stats",
                               (dir / "stats.json").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stats.json\": dataset_statistics[0].mean: expected 1 numbers (one per group)"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "a.tif"));
}

}  // namespace
}  // namespace deepimage::testing
