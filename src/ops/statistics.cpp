#include "ops/statistics.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "deepimage/error.hpp"
#include "ops/reduction.hpp"

namespace deepimage::ops {
namespace {

constexpr std::size_t kBins = 65536;  // 16 bits of the key per histogram
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A 32-bit key whose unsigned order is the order of the finite float32 values: negative values have
// all bits flipped (larger magnitude, smaller key), the others gain the top bit. -0 counts as +0.
std::uint32_t order_key(float v) {
  if (v == 0.0f) v = 0.0f;
  const auto u = std::bit_cast<std::uint32_t>(v);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

float value_of_key(std::uint32_t key) {
  return std::bit_cast<float>((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

// numpy's _lerp: from the nearer neighbour, so that t near 1 gives b exactly.
double interpolate(double a, double b, double t) { return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1.0 - t); }

// The ranks floor(h) and floor(h) + 1 around percent `q` of n values, and the weight of the second.
struct RankPair {
  std::uint64_t lo;
  bool has_next;
  double t;
};
RankPair ranks_of(std::uint64_t n, double q) {
  const double h = static_cast<double>(n - 1) * (q / 100.0);
  const auto lo = std::min(static_cast<std::uint64_t>(std::floor(h)), n - 1);
  return {lo, lo + 1 < n, h - static_cast<double>(lo)};
}

// One order statistic being looked for: the high bin holding it (after pass 1) and its rank inside.
struct RankSearch {
  std::uint64_t rank = 0;
  std::uint32_t high = 0;
  std::uint64_t rank_in_bin = 0;
  float value = 0;
};

// The low-16-bit histogram of the values of one wanted high bin.
struct LowHistogram {
  std::uint32_t high = 0;
  std::vector<std::uint64_t> counts;
};

struct GroupState {
  std::uint64_t finite = 0;
  double sum = 0;
  double squares = 0;
  std::vector<std::uint64_t> high;  // pass 1 histogram (histogram method)
  std::vector<RankSearch> ranks;    // two per percent, fewer for n < 2
  std::vector<LowHistogram> lows;   // pass 2 histograms, one per distinct high bin of `ranks`
  std::vector<float> values;        // kept-values method
};

}  // namespace

struct StatisticsAccumulator::State {
  WantedStatistics wanted;
  bool keep_values = false;
  int passes = 0;
  int pass = 0;          // the pass running (1 or 2), or the last one stopped
  bool running = false;
  std::vector<GroupState> groups;
  std::vector<GroupStatistics> result;

  void scan_first(const float* p, const Groups& g);
  void scan_second(const float* p, const Groups& g);
  void stop_first();
  void stop_second();
};

StatisticsAccumulator::StatisticsAccumulator(std::int64_t group_count, WantedStatistics wanted)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.wanted = std::move(wanted);
  const bool percentiles = !s.wanted.percents.empty();
  s.keep_values = percentiles && group_count > kMaxHistogramGroups;
  s.passes = pass_count(group_count, s.wanted);
  s.groups.resize(static_cast<std::size_t>(group_count));
  if (percentiles && !s.keep_values)
    for (auto& g : s.groups) g.high.assign(kBins, 0);
  s.result.resize(static_cast<std::size_t>(group_count));
}

StatisticsAccumulator::~StatisticsAccumulator() = default;
StatisticsAccumulator::StatisticsAccumulator(StatisticsAccumulator&&) noexcept = default;
StatisticsAccumulator& StatisticsAccumulator::operator=(StatisticsAccumulator&&) noexcept = default;

int StatisticsAccumulator::pass_count() const { return state_->passes; }

int StatisticsAccumulator::pass_count(std::int64_t group_count, const WantedStatistics& wanted) {
  if (!wanted.any()) return 0;
  // Kept values give their percentiles at the end of pass 1; only the std then needs a second pass.
  const bool keep_values = group_count > kMaxHistogramGroups;
  return keep_values && !wanted.mean_std ? 1 : 2;
}

void StatisticsAccumulator::start_pass() {
  State& s = *state_;
  if (s.running || s.pass >= s.passes)
    throw Error(ErrorCode::internal, "statistics: start_pass() after pass " + std::to_string(s.pass) + " of " +
                                         std::to_string(s.passes) + (s.running ? " (still running)" : ""));
  ++s.pass;
  s.running = true;
}

void StatisticsAccumulator::scan(const Tensor& region, const Groups& groups) {
  State& s = *state_;
  if (!s.running) throw Error(ErrorCode::internal, "statistics: scan() outside a pass");
  if (groups.count != static_cast<std::int64_t>(s.groups.size()))
    throw Error(ErrorCode::internal, "statistics: a region with " + std::to_string(groups.count) + " groups, expected " +
                                         std::to_string(s.groups.size()));
  const float* p = region.data<float>();
  if (s.pass == 1) s.scan_first(p, groups);
  else s.scan_second(p, groups);
}

void StatisticsAccumulator::stop_pass() {
  State& s = *state_;
  if (!s.running) throw Error(ErrorCode::internal, "statistics: stop_pass() outside a pass");
  s.running = false;
  if (s.pass == 1) s.stop_first();
  if (s.pass == 2) s.stop_second();
}

const std::vector<GroupStatistics>& StatisticsAccumulator::result() const {
  if (state_->running || state_->pass != state_->passes)
    throw Error(ErrorCode::internal, "statistics: result() before the last pass");
  return state_->result;
}

void StatisticsAccumulator::State::scan_first(const float* p, const Groups& g) {
  const bool sums = wanted.mean_std;
  const bool histogram = !wanted.percents.empty() && !keep_values;
  for_each_element(g, [&](std::int64_t e, std::int64_t k) {
    const float v = p[e];
    if (!std::isfinite(v)) return;
    GroupState& group = groups[static_cast<std::size_t>(k)];
    ++group.finite;
    if (sums) group.sum += v;
    if (histogram) ++group.high[order_key(v) >> 16];
    if (keep_values) group.values.push_back(v);
  });
}

void StatisticsAccumulator::State::stop_first() {
  for (std::size_t k = 0; k < groups.size(); ++k) {
    GroupState& group = groups[k];
    GroupStatistics& out = result[k];
    const auto n = group.finite;
    out.mean = wanted.mean_std ? group.sum / static_cast<double>(n) : kNaN;  // 0/0: NaN
    out.std = kNaN;
    if (wanted.percents.empty()) continue;
    out.percentiles.assign(wanted.percents.size(), kNaN);
    if (keep_values) {
      if (n > 0)
        for (std::size_t i = 0; i < wanted.percents.size(); ++i)
          out.percentiles[i] = percentile_linear(group.values, wanted.percents[i]);
      std::vector<float>().swap(group.values);
      continue;
    }
    if (n > 0) {
      for (double q : wanted.percents) {
        const RankPair r = ranks_of(n, q);
        group.ranks.push_back({.rank = r.lo});
        if (r.has_next) group.ranks.push_back({.rank = r.lo + 1});
      }
      // Walk the high bins once, in rank order, to find each rank's bin.
      std::vector<RankSearch*> by_rank;
      for (auto& r : group.ranks) by_rank.push_back(&r);
      std::sort(by_rank.begin(), by_rank.end(), [](auto* a, auto* b) { return a->rank < b->rank; });
      std::uint64_t before = 0;  // values in the bins below `bin`
      std::size_t next = 0;
      for (std::uint32_t bin = 0; bin < kBins && next < by_rank.size(); ++bin) {
        const std::uint64_t here = group.high[bin];
        while (next < by_rank.size() && by_rank[next]->rank < before + here) {
          by_rank[next]->high = bin;
          by_rank[next]->rank_in_bin = by_rank[next]->rank - before;
          ++next;
        }
        before += here;
      }
      for (const auto& r : group.ranks)
        if (std::none_of(group.lows.begin(), group.lows.end(), [&](const LowHistogram& l) { return l.high == r.high; }))
          group.lows.push_back({r.high, std::vector<std::uint64_t>(kBins, 0)});
    }
    std::vector<std::uint64_t>().swap(group.high);
  }
}

void StatisticsAccumulator::State::scan_second(const float* p, const Groups& g) {
  const bool squares = wanted.mean_std;
  for_each_element(g, [&](std::int64_t e, std::int64_t k) {
    const float v = p[e];
    if (!std::isfinite(v)) return;
    GroupState& group = groups[static_cast<std::size_t>(k)];
    if (squares) {
      const double d = v - result[static_cast<std::size_t>(k)].mean;
      group.squares += d * d;
    }
    if (group.lows.empty()) return;
    const std::uint32_t key = order_key(v);
    for (auto& low : group.lows)
      if (low.high == key >> 16) {
        ++low.counts[key & 0xffffu];
        break;
      }
  });
}

void StatisticsAccumulator::State::stop_second() {
  for (std::size_t k = 0; k < groups.size(); ++k) {
    GroupState& group = groups[k];
    GroupStatistics& out = result[k];
    if (wanted.mean_std) out.std = std::sqrt(group.squares / static_cast<double>(group.finite));
    if (keep_values || group.ranks.empty()) continue;
    for (auto& r : group.ranks) {
      const auto& low = *std::find_if(group.lows.begin(), group.lows.end(),
                                      [&](const LowHistogram& l) { return l.high == r.high; });
      std::uint64_t before = 0;
      std::uint32_t bin = 0;
      while (before + low.counts[bin] <= r.rank_in_bin) before += low.counts[bin++];
      r.value = value_of_key((r.high << 16) | bin);
    }
    std::size_t next = 0;  // ranks were pushed per percent: lo, then lo + 1 when it exists
    for (std::size_t i = 0; i < wanted.percents.size(); ++i) {
      const RankPair pair = ranks_of(group.finite, wanted.percents[i]);
      const double a = group.ranks[next++].value;
      const double b = pair.has_next ? group.ranks[next++].value : a;
      out.percentiles[i] = pair.has_next ? interpolate(a, b, pair.t) : a;
    }
    group.ranks.clear();
    group.lows.clear();
  }
}

std::vector<GroupStatistics> statistics_of(const Tensor& tensor, const Groups& groups, const WantedStatistics& wanted) {
  StatisticsAccumulator acc(groups.count, wanted);
  for (int pass = 0; pass < acc.pass_count(); ++pass) {
    acc.start_pass();
    acc.scan(tensor, groups);
    acc.stop_pass();
  }
  return acc.result();
}

double percentile_linear(std::vector<float>& values, double percent) {
  if (values.empty()) return kNaN;
  const RankPair r = ranks_of(values.size(), percent);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(r.lo), values.end());
  const double a = values[r.lo];
  if (!r.has_next) return a;
  const double b = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(r.lo + 1), values.end());
  return interpolate(a, b, r.t);
}

}  // namespace deepimage::ops
