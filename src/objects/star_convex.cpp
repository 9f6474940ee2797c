#include "objects/star_convex.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>

#include "deepimage/error.hpp"

namespace deepimage::objects {
namespace {

// A candidate's polygon or polyhedron, rasterised: the pixels whose centres lie inside it, within its
// box (z, y, x; end exclusive; a polygon's z box is 0..1).
struct Shape {
  std::array<std::int64_t, 3> begin{}, end{};
  std::vector<std::uint8_t> inside;  // box volume, z-major
  std::int64_t area = 0;
  std::int64_t width() const { return end[2] - begin[2]; }
  std::int64_t height() const { return end[1] - begin[1]; }
  std::size_t at(std::int64_t z, std::int64_t y, std::int64_t x) const {
    return static_cast<std::size_t>(((z - begin[0]) * height() + (y - begin[1])) * width() + (x - begin[2]));
  }
};

// The box of pixel centres that may lie within [lo, hi] along each axis, clipped to the grid.
Shape empty_shape(const std::array<double, 3>& lo, const std::array<double, 3>& hi, const Grid& g) {
  Shape s;
  const std::array<std::int64_t, 3> size{g.depth, g.height, g.width};
  for (std::size_t a = 0; a < 3; ++a) {
    s.begin[a] = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::ceil(lo[a])), 0, size[a]);
    s.end[a] = std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(hi[a])) + 1, s.begin[a], size[a]);
  }
  s.inside.assign(static_cast<std::size_t>((s.end[0] - s.begin[0]) * s.height() * s.width()), 0);
  return s;
}

void mark(Shape& s, std::int64_t z, std::int64_t y, std::int64_t x) {
  auto& cell = s.inside[s.at(z, y, x)];
  s.area += cell == 0;
  cell = 1;
}

Shape rasterise_polygon(const std::vector<double>& ys, const std::vector<double>& xs, const Grid& g) {
  const auto [ymin, ymax] = std::minmax_element(ys.begin(), ys.end());
  const auto [xmin, xmax] = std::minmax_element(xs.begin(), xs.end());
  Shape p = empty_shape({0.0, *ymin, *xmin}, {0.0, *ymax, *xmax}, g);
  const std::size_t n = ys.size();
  std::vector<double> crossings;
  for (std::int64_t y = p.begin[1]; y < p.end[1]; ++y) {
    // Even-odd rule along the row through the pixel centres: where the edges cross it.
    crossings.clear();
    const auto yc = static_cast<double>(y);
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
      if ((ys[i] > yc) != (ys[j] > yc)) crossings.push_back(xs[i] + (yc - ys[i]) * (xs[j] - xs[i]) / (ys[j] - ys[i]));
    }
    std::sort(crossings.begin(), crossings.end());
    for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
      const std::int64_t from = std::max(p.begin[2], static_cast<std::int64_t>(std::ceil(crossings[k])));
      const std::int64_t to = std::min(p.end[2] - 1, static_cast<std::int64_t>(std::floor(crossings[k + 1])));
      for (std::int64_t x = from; x <= to; ++x) mark(p, 0, y, x);
    }
  }
  return p;
}

// The polyhedron is star-shaped around its centre: the union of the tetrahedra from the centre to each
// face. A pixel centre is inside when it is inside one of them (on the inner side of its four planes).
Shape rasterise_polyhedron(const std::array<double, 3>& centre, const std::vector<std::array<double, 3>>& vertices,
                           const std::vector<std::array<int, 3>>& faces, const Grid& g) {
  std::array<double, 3> lo = centre, hi = centre;
  for (const auto& v : vertices)
    for (std::size_t a = 0; a < 3; ++a) lo[a] = std::min(lo[a], v[a]), hi[a] = std::max(hi[a], v[a]);
  Shape s = empty_shape(lo, hi, g);
  using V = std::array<double, 3>;
  const auto sub = [](const V& a, const V& b) { return V{a[0] - b[0], a[1] - b[1], a[2] - b[2]}; };
  const auto cross = [](const V& a, const V& b) { return V{a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]}; };
  const auto dot = [](const V& a, const V& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; };
  for (const auto& f : faces) {
    const V corners[4] = {centre, vertices[static_cast<std::size_t>(f[0])], vertices[static_cast<std::size_t>(f[1])],
                          vertices[static_cast<std::size_t>(f[2])]};
    // Each plane through three corners, its normal pointing away from the fourth; inside: dot <= offset.
    V normal[4];
    double offset[4];
    bool flat = false;
    for (int k = 0; k < 4; ++k) {
      const V& a = corners[(k + 1) % 4];
      const V& b = corners[(k + 2) % 4];
      const V& c = corners[(k + 3) % 4];
      normal[k] = cross(sub(b, a), sub(c, a));
      offset[k] = dot(normal[k], a);
      const double other = dot(normal[k], corners[k]) - offset[k];
      if (other > 0) normal[k] = {-normal[k][0], -normal[k][1], -normal[k][2]}, offset[k] = -offset[k];
      flat |= other == 0;
    }
    if (flat) continue;  // a ray of length 0: the tetrahedron has no volume
    V tlo = corners[0], thi = corners[0];
    for (const V& c : corners)
      for (std::size_t a = 0; a < 3; ++a) tlo[a] = std::min(tlo[a], c[a]), thi[a] = std::max(thi[a], c[a]);
    const Shape box = empty_shape(tlo, thi, g);
    // Pixel centres on a shared face belong to both tetrahedra: a small tolerance keeps them in.
    const double eps = 1e-9;
    for (std::int64_t z = box.begin[0]; z < box.end[0]; ++z)
      for (std::int64_t y = box.begin[1]; y < box.end[1]; ++y)
        for (std::int64_t x = box.begin[2]; x < box.end[2]; ++x) {
          const V q{static_cast<double>(z), static_cast<double>(y), static_cast<double>(x)};
          bool in = true;
          for (int k = 0; k < 4 && in; ++k) in = dot(normal[k], q) - offset[k] <= eps * (1.0 + std::abs(offset[k]));
          if (in) mark(s, z, y, x);
        }
  }
  return s;
}

// The part of the smaller shape that the other covers: StarDist's measure of overlap in its
// non-maximum suppression (not the intersection over the union), the one its models' `nms` thresholds
// were tuned with. A small shape mostly inside a large one is suppressed, whatever their sizes.
double overlap(const Shape& a, const Shape& b) {
  std::array<std::int64_t, 3> lo{}, hi{};
  for (std::size_t d = 0; d < 3; ++d) {
    lo[d] = std::max(a.begin[d], b.begin[d]), hi[d] = std::min(a.end[d], b.end[d]);
    if (lo[d] >= hi[d]) return 0.0;
  }
  if (a.area == 0 || b.area == 0) return 0.0;
  std::int64_t both = 0;
  for (std::int64_t z = lo[0]; z < hi[0]; ++z)
    for (std::int64_t y = lo[1]; y < hi[1]; ++y)
      for (std::int64_t x = lo[2]; x < hi[2]; ++x) both += a.inside[a.at(z, y, x)] & b.inside[b.at(z, y, x)];
  return static_cast<double>(both) / static_cast<double>(std::min(a.area, b.area));
}

// Candidates (pixels above the threshold), most probable first, each proposing shape_of(pixel); greedy
// non-maximum suppression keeps a candidate unless it overlaps a kept shape by more than `nms`; the kept
// shapes are painted from the least probable up, so where they overlap the more probable one shows.
Labels suppress_and_paint(std::span<const float> prob, const Grid& g, double threshold, double nms,
                          const std::function<Shape(std::size_t)>& shape_of) {
  const auto pixels = static_cast<std::size_t>(g.size());
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < pixels; ++i)
    if (static_cast<double>(prob[i]) > threshold) candidates.push_back(i);
  // Equal probabilities in raster order, so the result does not depend on the sort.
  std::stable_sort(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) { return prob[a] > prob[b]; });
  std::vector<Shape> kept;
  for (std::size_t i : candidates) {
    Shape s = shape_of(i);
    if (s.area == 0) continue;
    const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const Shape& k) { return overlap(s, k) > nms; });
    if (!suppressed) kept.push_back(std::move(s));
  }
  Labels out;
  out.values.assign(pixels, 0);
  for (std::size_t n = kept.size(); n-- > 0;) {
    const Shape& s = kept[n];
    for (std::int64_t z = s.begin[0]; z < s.end[0]; ++z)
      for (std::int64_t y = s.begin[1]; y < s.end[1]; ++y)
        for (std::int64_t x = s.begin[2]; x < s.end[2]; ++x)
          if (s.inside[s.at(z, y, x)]) out.values[static_cast<std::size_t>((z * g.height + y) * g.width + x)] = static_cast<std::uint32_t>(n + 1);
  }
  relabel_in_raster_order(out);
  return out;
}

// A ray's length as a shape may use it: negative or NaN is 0, and anything past the grid's extent in
// all axes together (infinity included) reaches beyond the grid anyway, so it stops there.
double ray_length(float value, const Grid& g) {
  const auto d = static_cast<double>(value);
  return d > 0 ? std::min(d, static_cast<double>(g.depth + g.height + g.width)) : 0.0;
}

void check_counts(std::span<const float> prob, std::span<const float> distances, const Grid& g, std::size_t rays) {
  const auto pixels = static_cast<std::size_t>(g.size());
  if (prob.size() != pixels || distances.size() != pixels * rays)
    throw Error(ErrorCode::internal, "star_convex_objects: value counts do not fit the grid");
}

}  // namespace

Labels star_convex_objects(std::span<const float> prob, std::span<const float> distances, const Grid& g, int rays, double threshold,
                           double nms) {
  if (g.depth != 1) throw Error(ErrorCode::internal, "star_convex_objects: polygons need a 2D grid");
  if (rays < 3) throw Error(ErrorCode::invalid_argument, "star-convex objects need at least 3 rays, got " + std::to_string(rays));
  const auto n = static_cast<std::size_t>(rays);
  check_counts(prob, distances, g, n);
  const auto pixels = static_cast<std::size_t>(g.size());
  std::vector<double> sin_k(n), cos_k(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double angle = 2.0 * std::numbers::pi * static_cast<double>(k) / rays;
    sin_k[k] = std::sin(angle), cos_k[k] = std::cos(angle);
  }
  std::vector<double> ys(n), xs(n);
  return suppress_and_paint(prob, g, threshold, nms, [&](std::size_t i) {
    const auto y = static_cast<double>(static_cast<std::int64_t>(i) / g.width), x = static_cast<double>(static_cast<std::int64_t>(i) % g.width);
    for (std::size_t k = 0; k < n; ++k) {
      const double d = ray_length(distances[k * pixels + i], g);
      ys[k] = y + d * sin_k[k], xs[k] = x + d * cos_k[k];
    }
    return rasterise_polygon(ys, xs, g);
  });
}

Labels star_convex_polyhedra(std::span<const float> prob, std::span<const float> distances, const Grid& g, const SphereRays& rays,
                             double threshold, double nms) {
  const std::size_t n = rays.directions.size();
  check_counts(prob, distances, g, n);
  const auto pixels = static_cast<std::size_t>(g.size());
  std::vector<std::array<double, 3>> vertices(n);
  return suppress_and_paint(prob, g, threshold, nms, [&](std::size_t i) {
    const auto index = static_cast<std::int64_t>(i);
    const std::array<double, 3> centre{static_cast<double>(index / (g.height * g.width)), static_cast<double>(index / g.width % g.height),
                                       static_cast<double>(index % g.width)};
    for (std::size_t k = 0; k < n; ++k) {
      const double d = ray_length(distances[k * pixels + i], g);
      for (std::size_t a = 0; a < 3; ++a) vertices[k][a] = centre[a] + d * rays.directions[k][a];
    }
    return rasterise_polyhedron(centre, vertices, rays.faces, g);
  });
}

}  // namespace deepimage::objects
