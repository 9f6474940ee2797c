#include "ops/pointwise.hpp"

#include <algorithm>
#include <cmath>

#include "deepimage/error.hpp"
#include "ops/kwargs.hpp"
#include "ops/op.hpp"
#include "ops/reduction.hpp"

namespace deepimage::ops {
namespace {

// Per channel: value -> gain * value + offset, what the ops so far did to the raw values.
struct Affine {
  std::vector<double> gain, offset;
};

// A tensor with the input's axes, one pixel per channel: ops evaluated on it show their per-channel
// parameters, and kwargs naming axes are checked against it.
Tensor probe_tensor(const std::string& axes, std::int64_t channels, float value) {
  Shape shape;
  for (char a : axes) shape.push_back(a == 'c' ? channels : 1);
  Tensor t(DType::f32, shape, axes);
  std::fill(t.data<float>(), t.data<float>() + t.element_count(), value);
  return t;
}

// An affine op's gain and offset per channel, read off its output at 0 and at 1.
std::optional<Affine> affine_of(const OpSpec& op, const std::string& axes, std::int64_t channels) {
  try {
    const Tensor at0 = apply_ops(probe_tensor(axes, channels, 0.f), {op}, {});
    const Tensor at1 = apply_ops(probe_tensor(axes, channels, 1.f), {op}, {});
    Affine a;
    for (std::int64_t c = 0; c < channels; ++c) {
      a.offset.push_back(at0.data<float>()[c]);
      a.gain.push_back(static_cast<double>(at1.data<float>()[c]) - at0.data<float>()[c]);
    }
    return a;
  } catch (const Error&) {
    return std::nullopt;  // e.g. a list running along y or x: not one value per channel
  }
}

bool is_affine(const OpSpec& op) {
  if (op.id == "scale_linear" || op.id == "fixed_zero_mean_unit_variance") return true;
  if (op.id == "zero_mean_unit_variance" && op.kwargs.value("mode", "") == "fixed") return true;
  if (op.id == "ensure_dtype") {
    const std::string to = op.kwargs.value("dtype", "");
    return to == "float32" || to == "float64";
  }
  return false;
}

bool needs_statistics(const OpSpec& op) { return find_op(op.id).needs_statistics && !is_affine(op); }

// Which channels each statistics group merges: one group per channel, or all channels together.
std::optional<std::vector<std::vector<std::int64_t>>> statistic_groups(const OpSpec& op, const std::string& axes,
                                                                       std::int64_t channels) {
  const Kwargs kwargs(op.id, op.kwargs);
  if (kwargs.has("reference_tensor")) return std::nullopt;
  const std::string reduced = reduced_axes(kwargs, probe_tensor(axes, channels, 0.f));
  for (char a : axes)
    if ((a == 'y' || a == 'x' || a == 'z') && reduced.find(a) == std::string::npos) return std::nullopt;
  std::vector<std::vector<std::int64_t>> groups;
  const bool joint = axes.find('c') == std::string::npos || reduced.find('c') != std::string::npos;
  if (joint) {
    groups.emplace_back();
    for (std::int64_t c = 0; c < channels; ++c) groups.back().push_back(c);
  } else {
    for (std::int64_t c = 0; c < channels; ++c) groups.push_back({c});
  }
  return groups;
}

nlohmann::json per_channel(const std::vector<double>& v) {
  return v.size() == 1 ? nlohmann::json(v[0]) : nlohmann::json(v);
}

}  // namespace

ChannelHistograms::ChannelHistograms(DType dtype, std::int64_t channels) : dtype_(dtype) {
  if (!supports(dtype))
    throw Error(ErrorCode::internal, "histograms of " + std::string(to_string(dtype)) + " values are not supported");
  const std::size_t bins = dtype_size(dtype) == 1 ? 256 : 65536;
  lowest_ = dtype == DType::i8 ? -128 : dtype == DType::i16 ? -32768 : 0;
  counts_.assign(static_cast<std::size_t>(channels), std::vector<std::uint64_t>(bins, 0));
}

bool ChannelHistograms::supports(DType dtype) {
  return dtype == DType::u8 || dtype == DType::i8 || dtype == DType::u16 || dtype == DType::i16;
}

void ChannelHistograms::add(const Tensor& values) {
  if (values.dtype() != dtype_) throw Error(ErrorCode::internal, "histogram of the wrong type");
  const Groups groups = groups_keeping(values, values.axis_index('c') >= 0 ? "c" : "");
  const auto count = [&](auto* p) {
    for_each_element(groups, [&](std::int64_t e, std::int64_t g) {
      ++counts_[static_cast<std::size_t>(g)][static_cast<std::size_t>(static_cast<std::int64_t>(p[e]) - lowest_)];
    });
  };
  switch (dtype_) {
    case DType::u8: count(values.data<std::uint8_t>()); break;
    case DType::i8: count(values.data<std::int8_t>()); break;
    case DType::u16: count(values.data<std::uint16_t>()); break;
    case DType::i16: count(values.data<std::int16_t>()); break;
    default: break;
  }
}

ChannelHistograms::Summary ChannelHistograms::summarize(const std::vector<std::int64_t>& channels,
                                                       const std::vector<double>& percents) const {
  std::vector<std::uint64_t> merged(counts_.at(0).size(), 0);
  for (std::int64_t c : channels)
    for (std::size_t b = 0; b < merged.size(); ++b) merged[b] += counts_.at(static_cast<std::size_t>(c))[b];
  std::uint64_t n = 0;
  double sum = 0;
  for (std::size_t b = 0; b < merged.size(); ++b) {
    n += merged[b];
    sum += static_cast<double>(merged[b]) * static_cast<double>(static_cast<std::int64_t>(b) + lowest_);
  }
  Summary s;
  if (n == 0) return s;
  s.mean = sum / static_cast<double>(n);
  double squares = 0;
  for (std::size_t b = 0; b < merged.size(); ++b) {
    const double d = static_cast<double>(static_cast<std::int64_t>(b) + lowest_) - s.mean;
    squares += static_cast<double>(merged[b]) * d * d;
  }
  s.std = std::sqrt(squares / static_cast<double>(n));
  // The value at a rank of the sorted values.
  const auto value_at = [&](std::uint64_t rank) {
    std::uint64_t seen = 0;
    for (std::size_t b = 0; b < merged.size(); ++b) {
      seen += merged[b];
      if (seen > rank) return static_cast<double>(static_cast<std::int64_t>(b) + lowest_);
    }
    return static_cast<double>(static_cast<std::int64_t>(merged.size()) - 1 + lowest_);
  };
  for (double q : percents) {
    // numpy 'linear', interpolating from the nearer neighbour as percentile_linear does.
    const double h = static_cast<double>(n - 1) * (q / 100.0);
    const auto lo = std::min(static_cast<std::uint64_t>(std::floor(h)), n - 1);
    const double a = value_at(lo), b = lo + 1 < n ? value_at(lo + 1) : a;
    const double t = h - static_cast<double>(lo);
    s.percentiles.push_back(t < 0.5 ? a + (b - a) * t : b - (b - a) * (1.0 - t));
  }
  return s;
}

std::optional<std::vector<OpSpec>> pointwise_preprocessing(const std::vector<OpSpec>& ops, const std::string& axes,
                                                           std::int64_t channels, const ChannelHistograms* stats) {
  // Ops up to the last one needing statistics fold into one affine map per channel; the rest follow.
  std::size_t last_statistic = 0;
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (needs_statistics(ops[i])) last_statistic = i + 1;
  Affine affine{std::vector<double>(static_cast<std::size_t>(channels), 1.0), std::vector<double>(static_cast<std::size_t>(channels), 0.0)};
  for (std::size_t i = 0; i < last_statistic; ++i) {
    const OpSpec& op = ops[i];
    Affine step;
    if (is_affine(op)) {
      const auto a = affine_of(op, axes, channels);
      if (!a) return std::nullopt;
      step = *a;
    } else if (op.id == "zero_mean_unit_variance" || op.id == "scale_range") {
      const auto groups = statistic_groups(op, axes, channels);
      if (!groups) return std::nullopt;
      const Kwargs kwargs(op.id, op.kwargs);
      const double eps = kwargs.number_or("eps", 1e-6);
      step.gain.resize(static_cast<std::size_t>(channels));
      step.offset.resize(static_cast<std::size_t>(channels));
      for (const auto& group : *groups) {
        // Statistics of the values this op sees: the raw values through `affine`, which must be one
        // increasing map for the whole group.
        const double g = affine.gain[static_cast<std::size_t>(group[0])], o = affine.offset[static_cast<std::size_t>(group[0])];
        for (std::int64_t c : group)
          if (affine.gain[static_cast<std::size_t>(c)] != g || affine.offset[static_cast<std::size_t>(c)] != o) return std::nullopt;
        if (!(g > 0)) return std::nullopt;
        double gain = 1, offset = 0;
        if (stats) {
          if (op.id == "zero_mean_unit_variance") {
            const auto s = stats->summarize(group, {});
            const double mean = g * s.mean + o, std = g * s.std;
            gain = 1.0 / (std + eps), offset = -mean / (std + eps);
          } else {
            const double lo_q = kwargs.number_or("min_percentile", 0.0), hi_q = kwargs.number_or("max_percentile", 100.0);
            const auto s = stats->summarize(group, {lo_q, hi_q});
            const double lo = g * s.percentiles[0] + o, hi = g * s.percentiles[1] + o;
            gain = 1.0 / (hi - lo + eps), offset = -lo / (hi - lo + eps);
          }
        }
        for (std::int64_t c : group) step.gain[static_cast<std::size_t>(c)] = gain, step.offset[static_cast<std::size_t>(c)] = offset;
      }
    } else {
      return std::nullopt;  // a non-affine op before a statistic: the statistic is not of raw values
    }
    for (std::size_t c = 0; c < affine.gain.size(); ++c) {
      affine.offset[c] = step.gain[c] * affine.offset[c] + step.offset[c];
      affine.gain[c] = step.gain[c] * affine.gain[c];
    }
  }
  std::vector<OpSpec> out;
  if (last_statistic > 0) {
    nlohmann::json kwargs = {{"gain", per_channel(affine.gain)}, {"offset", per_channel(affine.offset)}};
    if (affine.gain.size() > 1) kwargs["axis"] = "c";
    out.push_back({"scale_linear", kwargs});
  }
  for (std::size_t i = last_statistic; i < ops.size(); ++i) {
    if (needs_statistics(ops[i]) || ops[i].kwargs.contains("reference_tensor")) return std::nullopt;
    out.push_back(ops[i]);
  }
  return out;
}

bool all_pointwise(const std::vector<OpSpec>& ops) {
  return std::none_of(ops.begin(), ops.end(),
                      [](const OpSpec& op) { return needs_statistics(op) || op.kwargs.contains("reference_tensor"); });
}

}  // namespace deepimage::ops
