#include "objects/star_convex.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "deepimage/error.hpp"

namespace deepimage::objects {
namespace {

// A candidate's polygon, rasterised: the pixels whose centres lie inside it, row by row within its box.
struct Polygon {
  std::int64_t y0 = 0, x0 = 0, y1 = 0, x1 = 0;  // box of pixel centres that may be inside; end exclusive
  std::vector<std::uint8_t> inside;              // (y1 - y0) x (x1 - x0)
  std::int64_t area = 0;
};

Polygon rasterise(const std::vector<double>& ys, const std::vector<double>& xs, const Grid& g) {
  Polygon p;
  const auto [ymin, ymax] = std::minmax_element(ys.begin(), ys.end());
  const auto [xmin, xmax] = std::minmax_element(xs.begin(), xs.end());
  p.y0 = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(*ymin)), 0, g.height);
  p.y1 = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(*ymax)) + 1, p.y0, g.height);
  p.x0 = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(*xmin)), 0, g.width);
  p.x1 = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(*xmax)) + 1, p.x0, g.width);
  const std::int64_t w = p.x1 - p.x0;
  p.inside.assign(static_cast<std::size_t>((p.y1 - p.y0) * w), 0);
  const std::size_t n = ys.size();
  std::vector<double> crossings;
  for (std::int64_t y = p.y0; y < p.y1; ++y) {
    // Even-odd rule along the row through the pixel centres: where the edges cross it.
    crossings.clear();
    const auto yc = static_cast<double>(y);
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
      if ((ys[i] > yc) != (ys[j] > yc)) crossings.push_back(xs[i] + (yc - ys[i]) * (xs[j] - xs[i]) / (ys[j] - ys[i]));
    }
    std::sort(crossings.begin(), crossings.end());
    for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
      const std::int64_t from = std::max(p.x0, static_cast<std::int64_t>(std::ceil(crossings[k])));
      const std::int64_t to = std::min(p.x1 - 1, static_cast<std::int64_t>(std::floor(crossings[k + 1])));
      for (std::int64_t x = from; x <= to; ++x) {
        auto& cell = p.inside[static_cast<std::size_t>((y - p.y0) * w + (x - p.x0))];
        p.area += cell == 0;
        cell = 1;
      }
    }
  }
  return p;
}

double overlap(const Polygon& a, const Polygon& b) {
  const std::int64_t y0 = std::max(a.y0, b.y0), y1 = std::min(a.y1, b.y1), x0 = std::max(a.x0, b.x0), x1 = std::min(a.x1, b.x1);
  if (y0 >= y1 || x0 >= x1 || a.area == 0 || b.area == 0) return 0.0;
  std::int64_t both = 0;
  for (std::int64_t y = y0; y < y1; ++y)
    for (std::int64_t x = x0; x < x1; ++x)
      both += a.inside[static_cast<std::size_t>((y - a.y0) * (a.x1 - a.x0) + (x - a.x0))] &
              b.inside[static_cast<std::size_t>((y - b.y0) * (b.x1 - b.x0) + (x - b.x0))];
  return static_cast<double>(both) / static_cast<double>(a.area + b.area - both);
}

}  // namespace

Labels star_convex_objects(std::span<const float> prob, std::span<const float> distances, const Grid& g, int rays, double threshold,
                           double nms) {
  if (g.depth != 1) throw Error(ErrorCode::unsupported, "star-convex objects are 2D here (polyhedra of 3D StarDist models are not yet read)");
  if (rays < 3) throw Error(ErrorCode::invalid_argument, "star-convex objects need at least 3 rays, got " + std::to_string(rays));
  const auto pixels = static_cast<std::size_t>(g.size());
  if (prob.size() != pixels || distances.size() != pixels * static_cast<std::size_t>(rays))
    throw Error(ErrorCode::internal, "star_convex_objects: value counts do not fit the grid");
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < pixels; ++i)
    if (static_cast<double>(prob[i]) > threshold) candidates.push_back(i);
  // Most probable first; equal ones in raster order, so the result does not depend on the sort.
  std::stable_sort(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) { return prob[a] > prob[b]; });

  std::vector<double> sin_k(static_cast<std::size_t>(rays)), cos_k(static_cast<std::size_t>(rays));
  for (int k = 0; k < rays; ++k) {
    const double angle = 2.0 * std::numbers::pi * k / rays;
    sin_k[static_cast<std::size_t>(k)] = std::sin(angle), cos_k[static_cast<std::size_t>(k)] = std::cos(angle);
  }
  const auto polygon_of = [&](std::size_t i) {
    std::vector<double> ys(static_cast<std::size_t>(rays)), xs(static_cast<std::size_t>(rays));
    const auto y = static_cast<double>(static_cast<std::int64_t>(i) / g.width), x = static_cast<double>(static_cast<std::int64_t>(i) % g.width);
    for (std::size_t k = 0; k < static_cast<std::size_t>(rays); ++k) {
      const double d = std::max(0.0, static_cast<double>(distances[k * pixels + i]));
      ys[k] = y + d * sin_k[k], xs[k] = x + d * cos_k[k];
    }
    return rasterise(ys, xs, g);
  };

  // Greedy non-maximum suppression. A candidate lying inside a kept polygon overlaps it in practice;
  // the others are compared with the kept polygons whose boxes meet theirs.
  std::vector<Polygon> kept;
  std::vector<std::size_t> kept_at;
  for (std::size_t i : candidates) {
    Polygon p = polygon_of(i);
    if (p.area == 0) continue;
    bool suppressed = false;
    for (const Polygon& k : kept)
      if (overlap(p, k) > nms) {
        suppressed = true;
        break;
      }
    if (!suppressed) kept.push_back(std::move(p)), kept_at.push_back(i);
  }
  // Painted from the least probable, so where kept polygons overlap the more probable one shows.
  Labels out;
  out.values.assign(pixels, 0);
  for (std::size_t n = kept.size(); n-- > 0;) {
    const Polygon& p = kept[n];
    for (std::int64_t y = p.y0; y < p.y1; ++y)
      for (std::int64_t x = p.x0; x < p.x1; ++x)
        if (p.inside[static_cast<std::size_t>((y - p.y0) * (p.x1 - p.x0) + (x - p.x0))])
          out.values[static_cast<std::size_t>(y * g.width + x)] = static_cast<std::uint32_t>(n + 1);
  }
  relabel_in_raster_order(out);
  return out;
}

}  // namespace deepimage::objects
