// StatisticsAccumulator — the mean, standard deviation and exact percentiles of each group of a tensor
// seen in regions, gathered in passes (start / scan / stop, as libvips' statistic class works).
//
//   StatisticsAccumulator acc(groups.count, {.mean_std = true, .percents = {1.0, 99.8}});
//   for (int pass = 0; pass < acc.pass_count(); ++pass) {
//     acc.start_pass();
//     for (each region, any order) acc.scan(region, groups_reducing(region, "yx"));   // float32
//     acc.stop_pass();
//   }
//   std::vector<GroupStatistics> s = acc.result();   // s[group].mean, .std, .percentiles[k]
//
// Statistics are those of the finite values (NaN and +-Inf left out, as numpy's nanmean, nanstd and
// nanpercentile with Inf replaced by NaN); a group without finite values gets NaN statistics.
//   mean, std    in double, two passes: the sum, then the squared deviations from the mean (which
//                keeps its precision when the mean is large); population std (ddof 0).
//   percentiles  exact: numpy's default 'linear' method between the order statistics at ranks
//                floor(h) and floor(h) + 1, h = (n - 1) * percent / 100, interpolating from the
//                nearer of the two as numpy does. Each order statistic is found without sorting,
//                in the same two passes: pass 1 counts the high 16 bits of each value's
//                order-preserving 32-bit key, which names the bin holding the rank; pass 2 counts
//                the low 16 bits of the values in that bin, which names the value itself. The
//                result is the float32 value at that rank: the error bound is zero.
// Groups are many small ones when a statistic keeps an axis such as y separate; above
// kMaxHistogramGroups each group keeps its finite values instead of histograms (same numbers,
// less memory than 512 KiB per group).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::ops {

struct Groups;  // ops/reduction.hpp

// What to compute for every group.
struct WantedStatistics {
  bool mean_std = false;
  std::vector<double> percents{};  // 0..100
  bool any() const { return mean_std || !percents.empty(); }
};

// The statistics of one group; NaN when the group has no finite value (or when not wanted).
struct GroupStatistics {
  double mean = 0;
  double std = 0;                    // population standard deviation
  std::vector<double> percentiles;   // one per WantedStatistics::percents, in that order
};

// Above this many groups, groups keep their values rather than two 65536-bin histograms each.
constexpr std::int64_t kMaxHistogramGroups = 64;

class StatisticsAccumulator {
 public:
  StatisticsAccumulator(std::int64_t group_count, WantedStatistics wanted);
  ~StatisticsAccumulator();
  StatisticsAccumulator(StatisticsAccumulator&&) noexcept;
  StatisticsAccumulator& operator=(StatisticsAccumulator&&) noexcept;

  // 2 when anything is wanted (1 for percentiles alone of kept values), else 0.
  int pass_count() const;
  static int pass_count(std::int64_t group_count, const WantedStatistics& wanted);
  void start_pass();
  // `region` float32; `groups` its group index per element (groups_reducing on the region, whose
  // kept axes have the whole tensor's sizes).
  void scan(const Tensor& region, const Groups& groups);
  void stop_pass();
  // After the last stop_pass().
  const std::vector<GroupStatistics>& result() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The statistics of a whole float32 tensor (one region): the accumulator's passes run on it.
std::vector<GroupStatistics> statistics_of(const Tensor& tensor, const Groups& groups, const WantedStatistics& wanted);

// numpy.percentile(values, percent) with the default 'linear' method; reorders `values`.
double percentile_linear(std::vector<float>& values, double percent);

}  // namespace deepimage::ops
