#include "objects/sphere_rays.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "deepimage/error.hpp"

namespace deepimage::objects {
namespace {

using Vec = std::array<double, 3>;

Vec sub(const Vec& a, const Vec& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec cross(const Vec& a, const Vec& b) { return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]}; }
double dot(const Vec& a, const Vec& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

struct Face {
  std::array<int, 3> v;
  Vec normal;  // outward, not normalised
  double offset = 0;  // dot(normal, point on the face)
  bool alive = true;
};

Face make_face(const std::vector<Vec>& p, int a, int b, int c, const Vec& inside) {
  Face f{{a, b, c}, cross(sub(p[b], p[a]), sub(p[c], p[a]))};
  f.offset = dot(f.normal, p[a]);
  if (dot(f.normal, inside) > f.offset) {  // the inside point is in front: turn the face around
    std::swap(f.v[1], f.v[2]);
    f.normal = {-f.normal[0], -f.normal[1], -f.normal[2]};
    f.offset = -f.offset;
  }
  return f;
}

}  // namespace

std::vector<std::array<int, 3>> convex_hull_faces(const std::vector<Vec>& p) {
  const int n = static_cast<int>(p.size());
  if (n < 4) throw Error(ErrorCode::invalid_argument, "a convex hull needs at least 4 points, got " + std::to_string(n));
  double scale = 0;
  for (const Vec& q : p) scale = std::max({scale, std::abs(q[0]), std::abs(q[1]), std::abs(q[2])});
  const double eps = 1e-9 * scale * scale * scale;
  // A first tetrahedron: points 0 and 1, the point farthest from their line, the farthest from that plane.
  int c = -1, d = -1;
  double best = 0;
  for (int i = 2; i < n; ++i)
    if (const Vec x = cross(sub(p[1], p[0]), sub(p[i], p[0])); dot(x, x) > best) best = dot(x, x), c = i;
  best = 0;
  if (c >= 0) {
    const Vec normal = cross(sub(p[1], p[0]), sub(p[c], p[0]));
    for (int i = 2; i < n; ++i)
      if (const double h = std::abs(dot(normal, sub(p[i], p[0]))); h > best) best = h, d = i;
  }
  if (c < 0 || d < 0 || best <= eps) throw Error(ErrorCode::invalid_argument, "the ray directions lie in one plane: no convex hull");
  const Vec inside{(p[0][0] + p[1][0] + p[c][0] + p[d][0]) / 4, (p[0][1] + p[1][1] + p[c][1] + p[d][1]) / 4,
                   (p[0][2] + p[1][2] + p[c][2] + p[d][2]) / 4};
  std::vector<Face> faces{make_face(p, 0, 1, c, inside), make_face(p, 0, 1, d, inside), make_face(p, 0, c, d, inside),
                          make_face(p, 1, c, d, inside)};
  // Each further point replaces the faces it sees by a fan of faces from it to the horizon: the edges
  // between a face it sees and one it does not.
  for (int i = 2; i < n; ++i) {
    if (i == c || i == d) continue;
    std::set<std::pair<int, int>> edges;  // directed edges of the faces seen
    for (Face& f : faces) {
      if (!f.alive || dot(f.normal, p[static_cast<std::size_t>(i)]) - f.offset <= eps) continue;
      f.alive = false;
      for (int k = 0; k < 3; ++k) edges.insert({f.v[static_cast<std::size_t>(k)], f.v[static_cast<std::size_t>((k + 1) % 3)]});
    }
    for (const auto& [a, b] : edges)
      if (!edges.count({b, a})) faces.push_back(make_face(p, a, b, i, inside));
  }
  std::vector<std::array<int, 3>> out;
  for (const Face& f : faces)
    if (f.alive) out.push_back(f.v);
  return out;
}

SphereRays golden_spiral_rays(int n, std::array<double, 3> anisotropy) {
  if (n < 4) throw Error(ErrorCode::invalid_argument, "3D star-convex objects need at least 4 rays, got " + std::to_string(n));
  for (double a : anisotropy)
    if (!(a > 0) || !std::isfinite(a)) {
      std::ostringstream text;
      text << "anisotropy " << anisotropy[0] << "," << anisotropy[1] << "," << anisotropy[2] << " (z,y,x) has a value that is not a positive number";
      throw Error(ErrorCode::invalid_argument, text.str());
    }
  const double golden_angle = (3.0 - std::sqrt(5.0)) * std::numbers::pi;
  std::vector<Vec> points(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    const double h = -1.0 + 2.0 * k / (n - 1), rho = std::sqrt(std::max(0.0, 1.0 - h * h)), phi = golden_angle * k;
    points[static_cast<std::size_t>(k)] = {h / anisotropy[0], rho * std::sin(phi) / anisotropy[1], rho * std::cos(phi) / anisotropy[2]};
  }
  SphereRays rays;
  rays.faces = convex_hull_faces(points);
  for (const Vec& q : points) {
    const double length = std::sqrt(dot(q, q));
    rays.directions.push_back({q[0] / length, q[1] / length, q[2] / length});
  }
  return rays;
}

}  // namespace deepimage::objects
