#include "objects/split_touching.hpp"

#include <algorithm>
#include <cstdlib>
#include <queue>

#include "objects/distance_transform.hpp"

namespace deepimage::objects {
namespace {

std::int64_t index_of(const Grid& g, std::int64_t z, std::int64_t y, std::int64_t x) { return (z * g.height + y) * g.width + x; }

}  // namespace

std::vector<std::uint8_t> h_maxima(std::span<const float> image, const Grid& g, double h) {
  const std::vector<Offset> all = neighbour_offsets(g, g.rank());
  const std::vector<Offset> before = preceding_offsets(g, g.rank());
  const std::vector<Offset> after(all.begin() + static_cast<std::ptrdiff_t>(before.size()), all.end());
  std::vector<double> rec(image.size());
  for (std::size_t i = 0; i < image.size(); ++i) rec[i] = static_cast<double>(image[i]) - h;
  const auto limit = [&](std::int64_t i) { return static_cast<double>(image[static_cast<std::size_t>(i)]); };
  // Reconstruction by dilation (Vincent, IEEE TIP 2(2), 1993: the hybrid algorithm): a raster and an
  // anti-raster sweep, then a queue for what the sweeps could not reach.
  for (std::int64_t z = 0; z < g.depth; ++z)
    for (std::int64_t y = 0; y < g.height; ++y)
      for (std::int64_t x = 0; x < g.width; ++x) {
        const std::int64_t i = index_of(g, z, y, x);
        double v = rec[static_cast<std::size_t>(i)];
        for_each_neighbour(g, before, z, y, x, [&](std::int64_t n) { v = std::max(v, rec[static_cast<std::size_t>(n)]); });
        rec[static_cast<std::size_t>(i)] = std::min(v, limit(i));
      }
  std::queue<std::int64_t> queue;
  for (std::int64_t z = g.depth - 1; z >= 0; --z)
    for (std::int64_t y = g.height - 1; y >= 0; --y)
      for (std::int64_t x = g.width - 1; x >= 0; --x) {
        const std::int64_t i = index_of(g, z, y, x);
        double v = rec[static_cast<std::size_t>(i)];
        for_each_neighbour(g, after, z, y, x, [&](std::int64_t n) { v = std::max(v, rec[static_cast<std::size_t>(n)]); });
        v = std::min(v, limit(i));
        rec[static_cast<std::size_t>(i)] = v;
        bool grows_a_neighbour = false;
        for_each_neighbour(g, after, z, y, x, [&](std::int64_t n) {
          const double r = rec[static_cast<std::size_t>(n)];
          grows_a_neighbour = grows_a_neighbour || (r < v && r < limit(n));
        });
        if (grows_a_neighbour) queue.push(i);
      }
  while (!queue.empty()) {
    const std::int64_t i = queue.front();
    queue.pop();
    const double v = rec[static_cast<std::size_t>(i)];
    const std::int64_t x = i % g.width, y = (i / g.width) % g.height, z = i / (g.width * g.height);
    for_each_neighbour(g, all, z, y, x, [&](std::int64_t n) {
      double& r = rec[static_cast<std::size_t>(n)];
      if (r < v && r != limit(n)) {
        r = std::min(v, limit(n));
        queue.push(n);
      }
    });
  }
  // A peak keeps exactly h above its reconstruction; the tolerance absorbs the rounding of f - h.
  std::vector<std::uint8_t> peaks(image.size());
  for (std::size_t i = 0; i < image.size(); ++i) {
    const double f = image[i];
    peaks[i] = f - rec[i] >= h - 1e-9 * std::max(1.0, std::abs(f)) ? 1 : 0;
  }
  return peaks;
}

Labels watershed_from_seeds(std::span<const float> height, std::span<const std::uint8_t> mask, const Grid& g, Labels seeds,
                            int connectivity) {
  struct Entry {
    float value;  // -height: the deepest first
    std::uint64_t age;
    std::int64_t index;
    bool operator>(const Entry& o) const { return value != o.value ? value > o.value : age > o.age; }
  };
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  std::uint64_t age = 0;
  std::vector<std::uint32_t>& label = seeds.values;
  for (std::size_t i = 0; i < label.size(); ++i) {
    if (!mask[i]) label[i] = 0;
    else if (label[i]) heap.push({-height[i], age++, static_cast<std::int64_t>(i)});
  }
  // Nearest neighbours first (faces, then edges, then corners), as scikit-image visits them: which
  // flood claims a pixel that two reach at the same height depends on it.
  std::vector<Offset> neighbours = neighbour_offsets(g, connectivity);
  std::stable_sort(neighbours.begin(), neighbours.end(), [](const Offset& a, const Offset& b) {
    return std::abs(a.dz) + std::abs(a.dy) + std::abs(a.dx) < std::abs(b.dz) + std::abs(b.dy) + std::abs(b.dx);
  });
  while (!heap.empty()) {
    const Entry e = heap.top();
    heap.pop();
    const std::int64_t x = e.index % g.width, y = (e.index / g.width) % g.height, z = e.index / (g.width * g.height);
    for_each_neighbour(g, neighbours, z, y, x, [&](std::int64_t n) {
      const auto k = static_cast<std::size_t>(n);
      if (!mask[k] || label[k]) return;
      label[k] = label[static_cast<std::size_t>(e.index)];
      heap.push({-height[k], age++, n});
    });
  }
  relabel_in_raster_order(seeds);
  return seeds;
}

Labels split_touching(std::span<const std::uint8_t> mask, const Grid& g, double h, int connectivity, std::array<double, 3> spacing) {
  std::vector<float> distance = distance_transform(mask, g, spacing);
  // A grid without background is infinitely far from it: one flat object, which needs finite heights.
  const double beyond = static_cast<double>(g.depth + g.height + g.width) * std::max({spacing[0], spacing[1], spacing[2]}) + h;
  for (auto& d : distance) d = std::min(d, static_cast<float>(beyond));
  std::vector<std::uint8_t> peaks = h_maxima(distance, g, h);
  // Background can be a "peak" too (a flat 0 far from any object); masked out, it cannot join two seeds.
  for (std::size_t i = 0; i < peaks.size(); ++i) peaks[i] &= mask[i] ? 1 : 0;
  return watershed_from_seeds(distance, mask, g, label_components(peaks, g, g.rank()), connectivity);
}

}  // namespace deepimage::objects
