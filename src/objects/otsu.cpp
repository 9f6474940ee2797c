#include "objects/otsu.hpp"

#include <algorithm>
#include <cmath>

#include "deepimage/error.hpp"

namespace deepimage::objects {
namespace {

constexpr std::size_t kFloatBins = 256;
// One bin per integer value: 2^24 bins (128 MiB of counts) at most, far beyond any label or 16-bit image.
constexpr double kMostIntegerBins = 16777216.0;

}  // namespace

OtsuHistogram::OtsuHistogram(double min, double max, bool integer) : min_(min), max_(max), integer_(integer) {
  if (!(min <= max)) throw Error(ErrorCode::internal, "Otsu histogram over an empty range");
  if (integer_ && max - min + 1 > kMostIntegerBins)
    integer_ = false;  // too wide for one bin per value: bin it as floats are binned
  if (integer_) {
    counts_.assign(static_cast<std::size_t>(max - min) + 1, 0);
    return;
  }
  counts_.assign(kFloatBins, 0);
  // numpy.linspace: start + i * step, the last edge exactly max.
  const double step = (max - min) / static_cast<double>(kFloatBins);
  for (std::size_t i = 0; i <= kFloatBins; ++i) edges_.push_back(min + static_cast<double>(i) * step);
  edges_.back() = max;
}

std::size_t OtsuHistogram::bin_of(double v) const {
  if (integer_) return static_cast<std::size_t>(v - min_);
  if (max_ == min_) return 0;
  // numpy.histogram's bin search: a scaled first guess, then the edges decide.
  const double norm = static_cast<double>(kFloatBins) / (max_ - min_);
  auto i = static_cast<std::int64_t>((v - min_) * norm);
  const auto last = static_cast<std::int64_t>(kFloatBins) - 1;
  i = std::clamp<std::int64_t>(i, 0, last);
  if (v < edges_[static_cast<std::size_t>(i)] && i > 0) --i;
  else if (i < last && v >= edges_[static_cast<std::size_t>(i) + 1]) ++i;
  return static_cast<std::size_t>(i);
}

void OtsuHistogram::add(std::span<const float> values) {
  for (float f : values) {
    const double v = f;
    if (std::isnan(v) || v < min_ || v > max_) continue;
    ++counts_[bin_of(v)];
  }
}

double OtsuHistogram::threshold() const {
  if (min_ == max_) return min_;  // one value: nothing to separate (scikit-image returns it too)
  const std::size_t n = counts_.size();
  std::vector<double> centre(n);
  for (std::size_t i = 0; i < n; ++i)
    centre[i] = integer_ ? min_ + static_cast<double>(i) : (edges_[i] + edges_[i + 1]) / 2.0;
  // Class weights and means for every split "bins <= i | bins > i", from the left and from the right.
  std::vector<double> weight_left(n), mean_left(n), weight_right(n), mean_right(n);
  double w = 0, m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    w += static_cast<double>(counts_[i]), m += static_cast<double>(counts_[i]) * centre[i];
    weight_left[i] = w, mean_left[i] = m / w;
  }
  w = 0, m = 0;
  for (std::size_t i = n; i-- > 0;) {
    w += static_cast<double>(counts_[i]), m += static_cast<double>(counts_[i]) * centre[i];
    weight_right[i] = w, mean_right[i] = m / w;
  }
  // The first split with the largest variance (numpy's argmax). Neither class is ever empty: min and
  // max are values of the image, in the first and the last bin.
  std::size_t best = 0;
  double best_variance = -1;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double d = mean_left[i] - mean_right[i + 1];
    const double variance = weight_left[i] * weight_right[i + 1] * d * d;
    if (variance > best_variance) best_variance = variance, best = i;
  }
  return centre[best];
}

}  // namespace deepimage::objects
