#include "objects/distance_transform.hpp"

#include <cmath>
#include <limits>

namespace deepimage::objects {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Squared distances along one line of n samples `step` apart in memory, `unit` apart in space:
// d[i] = min_j (f[j] + ((i - j) * unit)^2), through the lower envelope of the parabolas rooted at j.
void envelope_1d(double* f, std::int64_t n, std::int64_t step, double unit, std::vector<double>& line,
                 std::vector<std::int64_t>& roots, std::vector<double>& bounds) {
  line.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) line[static_cast<std::size_t>(i)] = f[i * step];
  roots.assign(static_cast<std::size_t>(n), 0);
  bounds.assign(static_cast<std::size_t>(n) + 1, 0.0);
  const double u2 = unit * unit;
  std::int64_t k = -1;  // the last parabola of the envelope
  for (std::int64_t q = 0; q < n; ++q) {
    const double fq = line[static_cast<std::size_t>(q)];
    if (fq == kInfinity) continue;
    double s = -kInfinity;
    while (k >= 0) {
      const std::int64_t r = roots[static_cast<std::size_t>(k)];
      const double fr = line[static_cast<std::size_t>(r)];
      // Where the parabola of q overtakes that of r, in sample positions.
      s = ((fq + u2 * static_cast<double>(q * q)) - (fr + u2 * static_cast<double>(r * r))) / (2.0 * u2 * static_cast<double>(q - r));
      if (s > bounds[static_cast<std::size_t>(k)]) break;
      --k;
    }
    ++k;
    roots[static_cast<std::size_t>(k)] = q;
    bounds[static_cast<std::size_t>(k)] = k == 0 ? -kInfinity : s;
    bounds[static_cast<std::size_t>(k) + 1] = kInfinity;
  }
  if (k < 0) return;  // no finite value on the line: it stays infinite
  std::int64_t j = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    while (bounds[static_cast<std::size_t>(j) + 1] < static_cast<double>(i)) ++j;
    const std::int64_t r = roots[static_cast<std::size_t>(j)];
    const double d = static_cast<double>(i - r) * unit;
    f[i * step] = line[static_cast<std::size_t>(r)] + d * d;
  }
}

}  // namespace

std::vector<float> distance_transform(std::span<const std::uint8_t> mask, const Grid& g, std::array<double, 3> spacing) {
  std::vector<double> d(mask.size());
  for (std::size_t i = 0; i < mask.size(); ++i) d[i] = mask[i] ? kInfinity : 0.0;
  std::vector<double> line, bounds;
  std::vector<std::int64_t> roots;
  const std::int64_t plane = g.height * g.width;
  for (std::int64_t z = 0; z < g.depth; ++z)
    for (std::int64_t y = 0; y < g.height; ++y)
      envelope_1d(d.data() + z * plane + y * g.width, g.width, 1, spacing[2], line, roots, bounds);
  for (std::int64_t z = 0; z < g.depth; ++z)
    for (std::int64_t x = 0; x < g.width; ++x)
      envelope_1d(d.data() + z * plane + x, g.height, g.width, spacing[1], line, roots, bounds);
  if (g.depth > 1)
    for (std::int64_t i = 0; i < plane; ++i) envelope_1d(d.data() + i, g.depth, plane, spacing[0], line, roots, bounds);
  std::vector<float> out(d.size());
  for (std::size_t i = 0; i < d.size(); ++i) out[i] = static_cast<float>(std::sqrt(d[i]));
  return out;
}

}  // namespace deepimage::objects
