// rdf 0.4 `mode: per_dataset`: statistics measured over several samples (in any regions) are those of
// all their values together, computed naively; ops given them apply them to each sample; the JSON
// layout reads back to the same numbers.
#include "ops/dataset_statistics.hpp"

#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "model/spec_json.hpp"
#include "naive_reference.hpp"
#include "ops/op.hpp"
#include "tiling/padding.hpp"

namespace deepimage::ops {
namespace {

using test::kFloat32Tolerance;
using test::max_relative_error;
using test::naive_percentile;
using test::random_tensor;

const std::vector<OpSpec> kOps = {
    make_op("scale_range", {{"mode", "per_dataset"}, {"axes", "yx"}, {"min_percentile", 1}, {"max_percentile", 99}})};

// Values of channel `c` of every tensor, together.
std::vector<double> channel_values(const std::vector<const Tensor*>& tensors, std::int64_t c) {
  std::vector<double> v;
  for (const Tensor* t : tensors) {
    const std::int64_t plane = t->size('y') * t->size('x');
    for (std::int64_t i = 0; i < plane; ++i) v.push_back(t->data<float>()[c * plane + i]);
  }
  return v;
}

DatasetStatistics measure(const std::vector<const Tensor*>& samples) {
  DatasetMeasurement m(kOps, "raw", "bcyx", samples[0]->shape());
  while (m.start_pass())
    for (const Tensor* s : samples) {  // each sample in two bands of rows
      const std::int64_t h = s->size('y');
      m.scan(tiling::read_padded(*s, "y", Box{{0}, {h / 2}}, tiling::PadMode::zeros));
      m.scan(tiling::read_padded(*s, "y", Box{{h / 2}, {h}}, tiling::PadMode::zeros));
    }
  DatasetStatistics stats;
  m.add_to(stats);
  return stats;
}

TEST(DatasetStatistics, PercentilesOfAllSamplesTogetherNormaliseEachSample) {
  const Tensor a = random_tensor({1, 2, 6, 7}, "bcyx", 1), b = random_tensor({1, 2, 9, 4}, "bcyx", 2, 120);
  const DatasetStatistics stats = measure({&a, &b});
  OpContext context;
  context.tensor_id = "raw";
  context.dataset = &stats;
  const Tensor y = apply_ops(b, kOps, context);
  std::vector<double> expected;
  for (std::int64_t c = 0; c < 2; ++c) {
    const std::vector<double> all = channel_values({&a, &b}, c);
    const double lo = naive_percentile(all, 1), hi = naive_percentile(all, 99);
    for (double v : channel_values({&b}, c)) expected.push_back((v - lo) / (hi - lo + 1e-6));
  }
  EXPECT_LT(max_relative_error(y, expected), kFloat32Tolerance);
}

TEST(DatasetStatistics, TheJsonLayoutReadsBackTheSameNumbers) {
  const Tensor a = random_tensor({1, 2, 6, 7}, "bcyx", 3), b = random_tensor({1, 2, 5, 5}, "bcyx", 4);
  const DatasetStatistics stats = measure({&a, &b});
  const DatasetStatistics back = DatasetStatistics::from_json(stats.to_json(), "stats.json");
  const WantedStatistics wanted{.mean_std = false, .percents = {99, 1}};  // any order
  const auto original = stats.find("raw", "yx", wanted, 2), read = back.find("raw", "yx", wanted, 2);
  ASSERT_TRUE(original && read);
  for (std::size_t g = 0; g < 2; ++g) EXPECT_EQ((*read)[g].percentiles, (*original)[g].percentiles);
  EXPECT_LT((*read)[0].percentiles[1], (*read)[0].percentiles[0]);
  EXPECT_FALSE(back.find("raw", "yx", {.mean_std = true, .percents = {}}, 2)) << "mean and std were not measured";
  EXPECT_FALSE(back.find("other", "yx", wanted, 2));
}

TEST(DatasetStatistics, SamplesWithDifferentChannelCountsAreRefused) {
  const Tensor a = random_tensor({1, 2, 6, 7}, "bcyx", 5), b = random_tensor({1, 3, 6, 7}, "bcyx", 6);
  DatasetMeasurement m(kOps, "raw", "bcyx", a.shape());
  ASSERT_TRUE(m.start_pass());
  m.scan(a);
  try {
    m.scan(b);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("per_dataset statistics need them equal"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace deepimage::ops
