// The algorithms of src/objects against naive versions written for clarity (breadth-first flood fill,
// brute-force nearest background, Otsu by direct class sums) and hand-computed cases.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "deepimage/error.hpp"

#include "objects/connected_components.hpp"
#include "objects/distance_transform.hpp"
#include "objects/fill_holes.hpp"
#include "objects/measurements.hpp"
#include "objects/otsu.hpp"
#include "objects/size_filter.hpp"
#include "objects/split_touching.hpp"
#include "objects/sphere_rays.hpp"
#include "objects/star_convex.hpp"

namespace deepimage::objects {
namespace {

std::vector<std::uint8_t> random_mask(const Grid& g, double density, unsigned seed) {
  std::mt19937 rng(seed);
  std::bernoulli_distribution on(density);
  std::vector<std::uint8_t> m(static_cast<std::size_t>(g.size()));
  for (auto& v : m) v = on(rng) ? 1 : 0;
  return m;
}

// Labels by breadth-first flood from each unlabelled foreground pixel in raster order: the numbering
// connected components must reproduce.
std::vector<std::uint32_t> flood_labels(const std::vector<std::uint8_t>& mask, const Grid& g, int connectivity) {
  std::vector<std::uint32_t> out(mask.size(), 0);
  std::uint32_t next = 0;
  for (std::size_t start = 0; start < mask.size(); ++start) {
    if (!mask[start] || out[start]) continue;
    out[start] = ++next;
    std::vector<std::int64_t> queue{static_cast<std::int64_t>(start)};
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const std::int64_t i = queue[head];
      const std::int64_t x = i % g.width, y = (i / g.width) % g.height, z = i / (g.width * g.height);
      for (std::int64_t dz = -1; dz <= 1; ++dz)
        for (std::int64_t dy = -1; dy <= 1; ++dy)
          for (std::int64_t dx = -1; dx <= 1; ++dx) {
            const std::int64_t steps = std::abs(dz) + std::abs(dy) + std::abs(dx);
            if (steps == 0 || steps > connectivity) continue;
            const std::int64_t nz = z + dz, ny = y + dy, nx = x + dx;
            if (nz < 0 || ny < 0 || nx < 0 || nz >= g.depth || ny >= g.height || nx >= g.width) continue;
            const auto n = static_cast<std::size_t>((nz * g.height + ny) * g.width + nx);
            if (mask[n] && !out[n]) out[n] = next, queue.push_back(static_cast<std::int64_t>(n));
          }
    }
  }
  return out;
}

TEST(ConnectedComponents, MatchABreadthFirstFloodFillIn2DAnd3DForEveryConnectivity) {
  const Grid plane{.depth = 1, .height = 47, .width = 61}, volume{.depth = 9, .height = 17, .width = 13};
  for (const Grid& g : {plane, volume})
    for (int connectivity = 1; connectivity <= g.rank(); ++connectivity)
      for (double density : {0.3, 0.5, 0.65}) {
        const auto mask = random_mask(g, density, 7u + static_cast<unsigned>(connectivity * 10 + density * 100));
        const Labels l = label_components(mask, g, connectivity);
        const auto expected = flood_labels(mask, g, connectivity);
        EXPECT_EQ(l.values, expected) << "rank " << g.rank() << " connectivity " << connectivity << " density " << density;
        std::uint32_t most = 0;
        for (auto v : expected) most = std::max(most, v);
        EXPECT_EQ(l.count, most);
      }
}

TEST(DistanceTransform, MatchesTheNearestBackgroundPixelFoundByBruteForceWithAnisotropicSpacing) {
  const Grid plane{.depth = 1, .height = 23, .width = 19}, volume{.depth = 7, .height = 11, .width = 9};
  for (const Grid& g : {plane, volume}) {
    const auto mask = random_mask(g, 0.85, 3);
    const std::array<double, 3> spacing{2.5, 1.0, 0.75};
    const std::vector<float> d = distance_transform(mask, g, spacing);
    for (std::int64_t i = 0; i < g.size(); ++i) {
      double best = mask[static_cast<std::size_t>(i)] ? INFINITY : 0.0;
      const std::int64_t x = i % g.width, y = (i / g.width) % g.height, z = i / (g.width * g.height);
      for (std::int64_t j = 0; j < g.size() && mask[static_cast<std::size_t>(i)]; ++j) {
        if (mask[static_cast<std::size_t>(j)]) continue;
        const double dx = static_cast<double>(j % g.width - x) * spacing[2], dy = static_cast<double>((j / g.width) % g.height - y) * spacing[1];
        const double dz = static_cast<double>(j / (g.width * g.height) - z) * spacing[0];
        best = std::min(best, std::sqrt(dz * dz + dy * dy + dx * dx));
      }
      ASSERT_NEAR(d[static_cast<std::size_t>(i)], best, 1e-5 * std::max(1.0, best)) << "pixel " << i << " of rank " << g.rank();
    }
  }
  // No background at all: infinitely far.
  const Grid g{.depth = 1, .height = 3, .width = 4};
  for (float v : distance_transform(std::vector<std::uint8_t>(12, 1), g)) EXPECT_TRUE(std::isinf(v));
}

TEST(FillHoles, FillsEnclosedBackgroundOnly) {
  // A ring around a 2x3 hole, and a C whose inside opens onto the border: only the ring's hole fills.
  const std::vector<std::string> rows{
      "..........",
      ".#####....",
      ".#...#..##",
      ".#...#..#.",
      ".#####..##",
      "..........",
  };
  const Grid g{.depth = 1, .height = 6, .width = 10};
  std::vector<std::uint8_t> mask;
  for (const auto& r : rows)
    for (char c : r) mask.push_back(c == '#');
  fill_holes(mask, g);
  for (std::int64_t y = 0; y < 6; ++y)
    for (std::int64_t x = 0; x < 10; ++x) {
      const bool hole = y >= 2 && y <= 3 && x >= 2 && x <= 4;
      EXPECT_EQ(mask[static_cast<std::size_t>(y * 10 + x)], rows[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] == '#' || hole)
          << y << "," << x;
    }
}

// Otsu by its definition: every split between bins, the two classes' weights and means summed directly.
double naive_otsu(const std::vector<float>& values, double lo, double hi) {
  const int bins = 256;
  const double width = (hi - lo) / bins;
  std::vector<int> bin(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    bin[i] = std::min(bins - 1, static_cast<int>(std::floor((values[i] - lo) / width)));
  double best = -1, threshold = 0;
  for (int split = 0; split + 1 < bins; ++split) {
    double n0 = 0, n1 = 0, s0 = 0, s1 = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double centre = lo + (bin[i] + 0.5) * width;
      if (bin[i] <= split) n0 += 1, s0 += centre;
      else n1 += 1, s1 += centre;
    }
    if (n0 == 0 || n1 == 0) continue;
    const double v = n0 * n1 * (s0 / n0 - s1 / n1) * (s0 / n0 - s1 / n1);
    if (v > best * (1 + 1e-12)) best = v, threshold = lo + (split + 0.5) * width;
  }
  return threshold;
}

TEST(Otsu, FloatHistogramsGiveTheThresholdOfTheDefinition) {
  std::mt19937 rng(11);
  std::normal_distribution<float> dark(0.2f, 0.05f), bright(0.7f, 0.1f);
  std::vector<float> values;
  for (int i = 0; i < 3000; ++i) values.push_back(i % 3 ? dark(rng) : bright(rng));
  double lo = INFINITY, hi = -INFINITY;
  for (float v : values) lo = std::min(lo, static_cast<double>(v)), hi = std::max(hi, static_cast<double>(v));
  OtsuHistogram h(lo, hi, false);
  h.add(std::span<const float>(values).first(1000));  // in parts: the same histogram
  h.add(std::span<const float>(values).subspan(1000));
  EXPECT_NEAR(h.threshold(), naive_otsu(values, lo, hi), 1e-9);
  EXPECT_GT(h.threshold(), 0.3);
  EXPECT_LT(h.threshold(), 0.6);
}

TEST(Otsu, IntegerHistogramsHaveOneBinPerValue) {
  // Two values: the first split between them wins, at the lower value (scikit-image: image > 3).
  const std::vector<float> values{3, 3, 3, 9, 9};
  OtsuHistogram h(3, 9, true);
  h.add(values);
  EXPECT_EQ(h.threshold(), 3.0);
  OtsuHistogram flat(5, 5, true);
  flat.add(std::vector<float>{5, 5});
  EXPECT_EQ(flat.threshold(), 5.0);
}

TEST(SizeFilter, DropsObjectsOutsideTheBoundsAndRenumbersTheRest) {
  // Objects of 1, 4 and 2 pixels (labels 1, 2, 3 in raster order).
  const Grid g{.depth = 1, .height = 3, .width = 6};
  const std::vector<std::uint8_t> mask{1, 0, 1, 1, 0, 0,  //
                                       0, 0, 1, 1, 0, 1,  //
                                       0, 0, 0, 0, 0, 1};
  Labels l = label_components(mask, g, 1);
  ASSERT_EQ(l.count, 3u);
  filter_by_size(l, 2, 3);
  EXPECT_EQ(l.count, 1u);
  EXPECT_EQ(l.values, (std::vector<std::uint32_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}));
}

TEST(SplitTouching, TwoOverlappingDiscsBecomeTwoObjectsCutAtTheNeck) {
  const Grid g{.depth = 1, .height = 40, .width = 60};
  std::vector<std::uint8_t> mask(static_cast<std::size_t>(g.size()));
  const auto inside = [](double x, double y, double cx, double cy) { return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= 12.0 * 12.0; };
  for (std::int64_t y = 0; y < 40; ++y)
    for (std::int64_t x = 0; x < 60; ++x)
      mask[static_cast<std::size_t>(y * 60 + x)] = inside(x, y, 19, 20) || inside(x, y, 39, 20);
  EXPECT_EQ(label_components(mask, g, 2).count, 1u);
  const Labels l = split_touching(mask, g, 0.5, 2);
  ASSERT_EQ(l.count, 2u);
  EXPECT_EQ(l.values[20 * 60 + 19], 1u);
  EXPECT_EQ(l.values[20 * 60 + 39], 2u);
  for (std::size_t i = 0; i < mask.size(); ++i) {
    EXPECT_EQ(l.values[i] != 0, mask[i] != 0) << "every foreground pixel gets an object";
    const auto x = static_cast<std::int64_t>(i % 60);
    if (l.values[i]) EXPECT_EQ(l.values[i], x < 29 ? 1u : x > 29 ? 2u : l.values[i]) << "the cut is at the neck, x = 29";
  }
  // One disc: one seed, one object.
  std::vector<std::uint8_t> one(mask.size());
  for (std::size_t i = 0; i < one.size(); ++i) one[i] = inside(static_cast<double>(i % 60), static_cast<double>(i / 60), 29, 20);
  EXPECT_EQ(split_touching(one, g, 0.5, 2).count, 1u);
}

// Two discs of radius 8 as a perfect star-convex network sees them: every pixel within 3 of a centre
// proposes the disc (its rays reach the circle), the rest propose nothing. NMS keeps one per disc.
TEST(StarConvex, ProposalsOfTwoDiscsBecomeTwoDiscs) {
  const Grid g{.depth = 1, .height = 40, .width = 60};
  const int rays = 16;
  const auto n = static_cast<std::size_t>(g.size());
  std::vector<float> prob(n, 0.0f), distances(n * rays, 0.0f);
  const double centres[2][2] = {{20, 15}, {20, 42}};
  for (std::int64_t i = 0; i < g.size(); ++i) {
    const double y = static_cast<double>(i / g.width), x = static_cast<double>(i % g.width);
    for (const auto& c : centres) {
      const double oy = y - c[0], ox = x - c[1];
      if (oy * oy + ox * ox > 9.0) continue;
      prob[static_cast<std::size_t>(i)] = static_cast<float>(1.0 - std::hypot(oy, ox) / 8.0);
      for (int k = 0; k < rays; ++k) {
        // Distance from (oy, ox) along (sin, cos) of angle k to the circle of radius 8.
        const double a = 2.0 * M_PI * k / rays, dy = std::sin(a), dx = std::cos(a);
        const double b = oy * dy + ox * dx, cc = oy * oy + ox * ox - 64.0;
        distances[static_cast<std::size_t>(k) * n + static_cast<std::size_t>(i)] = static_cast<float>(-b + std::sqrt(b * b - cc));
      }
    }
  }
  const Labels l = star_convex_objects(prob, distances, g, rays, 0.5, 0.4);
  ASSERT_EQ(l.count, 2u);
  const std::uint32_t left = l.values[20 * 60 + 15], right = l.values[20 * 60 + 42];
  EXPECT_NE(left, 0u);
  EXPECT_NE(right, 0u);
  EXPECT_NE(left, right);
  std::size_t area = 0;
  for (auto v : l.values) area += v == left;
  // A 16-gon inscribed in a circle of radius 8 covers 0.97 of its 201 pixels.
  EXPECT_NEAR(static_cast<double>(area), 0.97 * M_PI * 64.0, 12.0);
  // Without suppression every proposal would survive.
  EXPECT_EQ(star_convex_objects(prob, distances, g, rays, 0.5, 1.0).count, 2u) << "painted over each other, still two objects";
}

// StarDist's overlap is the intersection over the smaller polygon: a disc of radius 5 wholly inside one
// of radius 12 overlaps it completely (1.0), though their intersection over union is only 0.17. The more
// probable small disc suppresses the large one at nms 0.4; at an nms of 1 both stay, the small one
// painted over the large.
TEST(StarConvex, APolygonInsideAMoreProbableOneIsSuppressed) {
  const Grid g{.depth = 1, .height = 40, .width = 40};
  const int rays = 32;
  const auto n = static_cast<std::size_t>(g.size());
  std::vector<float> prob(n, 0.0f), distances(n * rays, 0.0f);
  const auto propose = [&](std::size_t y, std::size_t x, float p, float radius) {
    prob[y * 40 + x] = p;
    for (std::size_t k = 0; k < rays; ++k) distances[k * n + y * 40 + x] = radius;
  };
  propose(20, 20, 0.8f, 12.0f);
  propose(20, 25, 0.9f, 5.0f);
  const Labels one = star_convex_objects(prob, distances, g, rays, 0.5, 0.4);
  ASSERT_EQ(one.count, 1u);
  EXPECT_EQ(one.values[20 * 40 + 14], 0u) << "the large disc is gone";
  EXPECT_NE(one.values[20 * 40 + 25], 0u);
  const Labels both = star_convex_objects(prob, distances, g, rays, 0.5, 1.0);
  ASSERT_EQ(both.count, 2u);
  EXPECT_NE(both.values[20 * 40 + 14], 0u);
  EXPECT_NE(both.values[20 * 40 + 25], both.values[20 * 40 + 14]);
}

// The faces of the golden spiral's hull tile the sphere: a closed triangulated surface of n points in
// convex position has 2n - 4 faces (Euler), every edge is shared by two faces in opposite directions,
// every face turns outward, and every direction lies in exactly one face's cone from the centre.
TEST(SphereRays, GoldenSpiralFacesTileTheSphere) {
  for (const auto& [n, anisotropy] : {std::pair{96, std::array<double, 3>{1, 1, 1}}, std::pair{64, std::array<double, 3>{2, 1, 1}},
                                      std::pair{6, std::array<double, 3>{1, 1, 1}}}) {
    const SphereRays r = golden_spiral_rays(n, anisotropy);
    ASSERT_EQ(r.directions.size(), static_cast<std::size_t>(n));
    EXPECT_EQ(r.faces.size(), static_cast<std::size_t>(2 * n - 4)) << n << " rays";
    std::map<std::pair<int, int>, int> edges;
    for (const auto& f : r.faces)
      for (int k = 0; k < 3; ++k) ++edges[{f[static_cast<std::size_t>(k)], f[static_cast<std::size_t>((k + 1) % 3)]}];
    for (const auto& [e, count] : edges) {
      EXPECT_EQ(count, 1);
      EXPECT_EQ(edges.count({e.second, e.first}), 1u) << "edge " << e.first << "-" << e.second << " has one face only";
    }
    const auto det = [&](const std::array<int, 3>& f, const std::array<double, 3>& q) {
      const auto& a = r.directions[static_cast<std::size_t>(f[0])];
      const auto& b = r.directions[static_cast<std::size_t>(f[1])];
      const auto& c = r.directions[static_cast<std::size_t>(f[2])];
      // q . (a x b) etc.: q is in the cone of (a, b, c) when all three have the orientation's sign.
      const auto triple = [](const std::array<double, 3>& u, const std::array<double, 3>& v, const std::array<double, 3>& w) {
        return u[0] * (v[1] * w[2] - v[2] * w[1]) - u[1] * (v[0] * w[2] - v[2] * w[0]) + u[2] * (v[0] * w[1] - v[1] * w[0]);
      };
      return std::array<double, 4>{triple(a, b, c), triple(q, b, c), triple(a, q, c), triple(a, b, q)};
    };
    for (const auto& f : r.faces) EXPECT_GT(det(f, {0, 0, 0})[0], 0.0) << "face turned inward";
    for (const std::array<double, 3> q : {std::array<double, 3>{0.3, -0.5, 0.81}, {-0.9, 0.1, 0.2}, {0.05, 0.99, -0.1}}) {
      int cones = 0;
      for (const auto& f : r.faces) {
        const auto d = det(f, q);
        cones += d[1] > 0 && d[2] > 0 && d[3] > 0;
      }
      EXPECT_EQ(cones, 1) << n << " rays";
    }
  }
  EXPECT_THROW(golden_spiral_rays(3, {1, 1, 1}), Error);
  EXPECT_THROW(golden_spiral_rays(32, {0, 1, 1}), Error);
}

// Two balls of radius 6 as a perfect 3D star-convex network sees them (voxels within 1.5 of a centre
// propose the ball, exact distances along each ray): two polyhedra inscribed in the balls.
TEST(StarConvex, ProposalsOfTwoBallsBecomeTwoPolyhedra) {
  const Grid g{.depth = 20, .height = 20, .width = 40};
  const SphereRays rays = golden_spiral_rays(64, {1, 1, 1});
  const std::size_t n = rays.directions.size(), voxels = static_cast<std::size_t>(g.size());
  std::vector<float> prob(voxels, 0.0f), distances(voxels * n, 0.0f);
  const double centres[2][3] = {{10, 10, 10}, {10, 10, 28}};
  for (std::int64_t i = 0; i < g.size(); ++i) {
    const double p[3] = {static_cast<double>(i / (g.height * g.width)), static_cast<double>(i / g.width % g.height),
                         static_cast<double>(i % g.width)};
    for (const auto& c : centres) {
      const double o[3] = {p[0] - c[0], p[1] - c[1], p[2] - c[2]};
      const double r2 = o[0] * o[0] + o[1] * o[1] + o[2] * o[2];
      if (r2 > 2.25) continue;
      prob[static_cast<std::size_t>(i)] = static_cast<float>(1.0 - std::sqrt(r2) / 6.0);
      for (std::size_t k = 0; k < n; ++k) {
        const auto& u = rays.directions[k];
        const double b = o[0] * u[0] + o[1] * u[1] + o[2] * u[2];
        distances[k * voxels + static_cast<std::size_t>(i)] = static_cast<float>(-b + std::sqrt(b * b - (r2 - 36.0)));
      }
    }
  }
  const Labels l = star_convex_polyhedra(prob, distances, g, rays, 0.5, 0.4);
  ASSERT_EQ(l.count, 2u);
  const std::uint32_t left = l.values[(10 * 20 + 10) * 40 + 10], right = l.values[(10 * 20 + 10) * 40 + 28];
  EXPECT_NE(left, 0u);
  EXPECT_NE(right, 0u);
  EXPECT_NE(left, right);
  std::size_t volume = 0;
  for (auto v : l.values) volume += v == left;
  // The ball holds 905 voxel centres (4/3 pi 6^3); the inscribed 64-vertex polyhedron a little less.
  EXPECT_GT(static_cast<double>(volume), 0.85 * 4.0 / 3.0 * M_PI * 216.0);
  EXPECT_LE(static_cast<double>(volume), 4.0 / 3.0 * M_PI * 216.0 + 30.0);
  EXPECT_EQ(l.values[(10 * 20 + 10) * 40 + 19], 0u) << "between the balls";
}

// A network's output is not to be trusted: infinite rays reach the grid's edge, NaN and negative ones
// have length 0 (a proposal without area proposes nothing).
TEST(StarConvex, InfiniteAndNanRaysStayInsideTheGrid) {
  const Grid g{.depth = 1, .height = 10, .width = 12};
  const int rays = 8;
  const auto n = static_cast<std::size_t>(g.size());
  std::vector<float> prob(n, 0.0f), distances(n * rays, std::numeric_limits<float>::quiet_NaN());
  prob[5 * 12 + 6] = 0.9f;
  EXPECT_EQ(star_convex_objects(prob, distances, g, rays, 0.5, 0.4).count, 0u);
  for (std::size_t k = 0; k < rays; ++k) distances[k * n + 5 * 12 + 6] = std::numeric_limits<float>::infinity();
  const Labels all = star_convex_objects(prob, distances, g, rays, 0.5, 0.4);
  ASSERT_EQ(all.count, 1u);
  EXPECT_EQ(all.values[5 * 12 + 6], 1u);
  const Grid v{.depth = 6, .height = 6, .width = 6};
  const SphereRays sphere = golden_spiral_rays(16, {1, 1, 1});
  std::vector<float> p3(static_cast<std::size_t>(v.size()), 0.0f), d3(p3.size() * 16, std::numeric_limits<float>::infinity());
  p3[(3 * 6 + 3) * 6 + 3] = 0.9f;
  const Labels volume = star_convex_polyhedra(p3, d3, v, sphere, 0.5, 0.4);
  ASSERT_EQ(volume.count, 1u);
  EXPECT_EQ(volume.values[(3 * 6 + 3) * 6 + 3], 1u);
}

TEST(Measurements, SizeCentroidBoxAndIntensityOfAHandMadeObject) {
  // Object 1: a 2x3 block at rows 1-2, columns 2-4; intensity = 10 * row + column; object 2 one pixel.
  const Grid g{.depth = 1, .height = 4, .width = 6};
  std::vector<std::uint8_t> mask(24, 0);
  for (int y = 1; y <= 2; ++y)
    for (int x = 2; x <= 4; ++x) mask[static_cast<std::size_t>(y * 6 + x)] = 1;
  mask[3 * 6 + 0] = 1;
  const Labels l = label_components(mask, g, 2);
  std::vector<float> intensity(48);
  for (int i = 0; i < 24; ++i) intensity[static_cast<std::size_t>(i)] = static_cast<float>(10 * (i / 6) + i % 6), intensity[24 + static_cast<std::size_t>(i)] = -1;
  const auto m = measure_objects(l, g, intensity, 2);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].size, 6u);
  EXPECT_DOUBLE_EQ(m[0].centroid[1], 1.5);
  EXPECT_DOUBLE_EQ(m[0].centroid[2], 3.0);
  EXPECT_EQ(m[0].begin, (std::array<std::int64_t, 3>{0, 1, 2}));
  EXPECT_EQ(m[0].end, (std::array<std::int64_t, 3>{1, 3, 5}));
  EXPECT_DOUBLE_EQ(m[0].mean[0], 18.0);  // rows 1, 2 (10, 20) and columns 2..4: mean 15 + 3
  EXPECT_DOUBLE_EQ(m[0].min[0], 12.0);
  EXPECT_DOUBLE_EQ(m[0].max[0], 24.0);
  EXPECT_DOUBLE_EQ(m[0].mean[1], -1.0);
  EXPECT_EQ(m[1].size, 1u);
  EXPECT_DOUBLE_EQ(m[1].mean[0], 30.0);
}

}  // namespace
}  // namespace deepimage::objects
