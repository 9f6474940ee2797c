#include "objects/measurements.hpp"

#include <algorithm>
#include <limits>

#include "deepimage/error.hpp"

namespace deepimage::objects {

std::vector<ObjectMeasurement> measure_objects(const Labels& labels, const Grid& g, std::span<const float> intensity,
                                               std::size_t channels) {
  const auto pixels = static_cast<std::size_t>(g.size());
  if (intensity.size() != channels * pixels)
    throw Error(ErrorCode::internal, "measure_objects: " + std::to_string(intensity.size()) + " intensity values for " +
                                         std::to_string(channels) + " channels of " + std::to_string(pixels) + " pixels");
  std::vector<ObjectMeasurement> objects(labels.count);
  std::vector<std::array<double, 3>> sums(labels.count, {0.0, 0.0, 0.0});
  std::vector<std::vector<double>> channel_sums(labels.count, std::vector<double>(channels, 0.0));
  for (std::uint32_t k = 0; k < labels.count; ++k) {
    auto& o = objects[k];
    o.label = k + 1;
    o.begin = {std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max()};
    o.end = {0, 0, 0};
    o.min.assign(channels, std::numeric_limits<double>::infinity());
    o.max.assign(channels, -std::numeric_limits<double>::infinity());
  }
  for (std::int64_t z = 0, i = 0; z < g.depth; ++z)
    for (std::int64_t y = 0; y < g.height; ++y)
      for (std::int64_t x = 0; x < g.width; ++x, ++i) {
        const std::uint32_t l = labels.values[static_cast<std::size_t>(i)];
        if (!l) continue;
        auto& o = objects[l - 1];
        ++o.size;
        const std::array<std::int64_t, 3> at{z, y, x};
        for (std::size_t d = 0; d < 3; ++d) {
          sums[l - 1][d] += static_cast<double>(at[d]);
          o.begin[d] = std::min(o.begin[d], at[d]);
          o.end[d] = std::max(o.end[d], at[d] + 1);
        }
        for (std::size_t c = 0; c < channels; ++c) {
          const double v = intensity[c * pixels + static_cast<std::size_t>(i)];
          channel_sums[l - 1][c] += v;
          o.min[c] = std::min(o.min[c], v);
          o.max[c] = std::max(o.max[c], v);
        }
      }
  for (std::uint32_t k = 0; k < labels.count; ++k) {
    auto& o = objects[k];
    if (!o.size) continue;  // a label no pixel carries (labels are sequential, so not after relabelling)
    const auto n = static_cast<double>(o.size);
    for (std::size_t d = 0; d < 3; ++d) o.centroid[d] = sums[k][d] / n;
    o.mean.resize(channels);
    for (std::size_t c = 0; c < channels; ++c) o.mean[c] = channel_sums[k][c] / n;
  }
  return objects;
}

}  // namespace deepimage::objects
