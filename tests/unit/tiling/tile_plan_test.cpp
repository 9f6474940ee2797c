#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "deepimage/error.hpp"
#include "tiling/tile_plan.hpp"

namespace deepimage::tiling {
namespace {

std::int64_t naive_smallest_at_least(const SizeRule& rule, std::int64_t size) {
  std::int64_t s = rule.min;
  while (s < size) s += rule.step;
  return s;
}

std::int64_t floor_multiple(std::int64_t v, std::int64_t a) { return v / a * a; }
std::int64_t ceil_div(std::int64_t n, std::int64_t d) { return (n + d - 1) / d; }
std::int64_t mod(std::int64_t v, std::int64_t m) { return ((v % m) + m) % m; }

// Checks every geometric promise of a one-axis plan; returns the first one broken, or "".
std::string violation(const AxisTiling& a, const TilePlan& plan) {
  const std::int64_t I = a.image_size, P = a.halo, align = a.alignment > 1 ? a.alignment : 1;
  const std::int64_t T = a.tile ? *a.tile : (a.rule.step > 0 ? naive_smallest_at_least(a.rule, I + 2 * P) : a.rule.min);
  if (plan.axes != std::string(1, a.id)) return "axes " + plan.axes;
  if (plan.tile_shape != std::vector<std::int64_t>{T}) return "tile size is not " + std::to_string(T);
  if (!a.rule.accepts(plan.tile_shape[0])) return "tile size not accepted by the rule";
  const bool one_tile = T >= I + 2 * P;
  const std::int64_t expected_count = one_tile ? 1 : ceil_div(I, floor_multiple(T - 2 * P, align));  // eq. 3
  if (plan.grid != std::vector<std::int64_t>{expected_count}) return "grid is not " + std::to_string(expected_count);
  if (static_cast<std::int64_t>(plan.tiles.size()) != expected_count) return "tile count";
  std::int64_t covered = 0;  // write boxes must tile [0, I) in order, no gap, no overlap
  for (const Tile& t : plan.tiles) {
    if (t.read.rank() != 1 || t.valid.rank() != 1 || t.write.rank() != 1) return "box rank";
    if (t.write.begin[0] != covered) return "write starts at " + std::to_string(t.write.begin[0]) + ", expected " + std::to_string(covered);
    if (t.write.end[0] <= t.write.begin[0]) return "empty write box";
    covered = t.write.end[0];
    if (t.read.extent(0) != T) return "read extent " + std::to_string(t.read.extent(0));
    if (t.valid.begin[0] != t.write.begin[0] - t.read.begin[0] || t.valid.end[0] != t.write.end[0] - t.read.begin[0])
      return "valid is not write in tile coordinates";
    if (t.valid.begin[0] < P) return "halo before the valid part is " + std::to_string(t.valid.begin[0]);
    if (T - t.valid.end[0] < P) return "halo after the valid part is " + std::to_string(T - t.valid.end[0]);
    if (mod(t.read.begin[0] + P, align) != 0) return "read start " + std::to_string(t.read.begin[0]) + " off the lattice";
  }
  if (covered != I) return "write boxes end at " + std::to_string(covered);
  return "";
}

TEST(TilePlan, GeometryPropertiesOverManyCases) {
  const std::vector<SizeRule> rules = {{16, 0}, {24, 0}, {64, 0}, {8, 1}, {16, 8}, {32, 16}, {20, 12}};
  int planned = 0, rejected = 0;
  for (const SizeRule& rule : rules) {
    std::vector<std::optional<std::int64_t>> tiles = {std::nullopt};
    if (rule.step > 0)
      for (std::int64_t n : {0, 1, 3}) tiles.push_back(rule.min + n * rule.step);
    else
      tiles.push_back(rule.min);
    for (std::int64_t I = 1; I <= 150; I += (I < 40 ? 1 : 7))
      for (std::int64_t P : {0, 1, 3, 8, 17})
        for (std::int64_t align : {0, 1, 2, 4, 8, 16})
          for (const auto& tile : tiles) {
            const AxisTiling a{.id = 'y', .image_size = I, .rule = rule, .halo = P, .alignment = align, .tile = tile};
            const std::int64_t T = tile ? *tile : (rule.step > 0 ? naive_smallest_at_least(rule, I + 2 * P) : rule.min);
            const bool impossible = T < I + 2 * P && T - 2 * P < std::max<std::int64_t>(align, 1);
            const std::string where = "I=" + std::to_string(I) + " P=" + std::to_string(P) + " rule " + rule.describe() +
                                      " tile " + (tile ? std::to_string(*tile) : "auto") + " a=" + std::to_string(align);
            if (impossible) {
              try {
                plan_tiles({a});
                ADD_FAILURE() << "expected an error for " << where;
              } catch (const Error& e) {
                EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << where;
              }
              ++rejected;
              continue;
            }
            const TilePlan plan = plan_tiles({a});
            const std::string broken = violation(a, plan);
            ASSERT_EQ(broken, "") << where;
            ++planned;
          }
  }
  EXPECT_GT(planned, 1000);  // the loops really exercised both outcomes
  EXPECT_GT(rejected, 10);
}

TEST(TilePlan, WholeImageForFlexibleModelIsOneTileOfSmallestValidSize) {
  // Eq. 2: I + 2P = 100 + 20 = 120, smallest 64 + 16n >= 120 is 128.
  const TilePlan plan = plan_tiles({{.id = 'x', .image_size = 100, .rule = {64, 16}, .halo = 10, .alignment = 16, .tile = {}}});
  ASSERT_EQ(plan.tiles.size(), 1u);
  EXPECT_EQ(plan.tile_shape, (std::vector<std::int64_t>{128}));
  EXPECT_EQ(plan.tiles[0].read, (Box{{-10}, {118}}));
  EXPECT_EQ(plan.tiles[0].valid, (Box{{10}, {110}}));
  EXPECT_EQ(plan.tiles[0].write, (Box{{0}, {100}}));
}

TEST(TilePlan, FixedModelLargerThanImageIsOneTile) {
  const TilePlan plan = plan_tiles({{.id = 'y', .image_size = 100, .rule = {256, 0}, .halo = 32, .alignment = 16, .tile = {}}});
  ASSERT_EQ(plan.tiles.size(), 1u);
  EXPECT_EQ(plan.tiles[0].read, (Box{{-32}, {224}}));
  EXPECT_EQ(plan.tiles[0].valid, (Box{{32}, {132}}));
  EXPECT_EQ(plan.tiles[0].write, (Box{{0}, {100}}));
}

TEST(TilePlan, PreprintExampleByHand) {
  // I = 1000, Q = 256, P = 32, a = 1:
  //   V = 256 - 2 * 32 = 192;  p = ceil(1000 / 192) = 6 (5 * 192 = 960 < 1000);
  //   S = ceil(1000 / 6) = 167;  write starts 0, 167, 334, 501, 668, 835; the last takes 835..1000 (165).
  //   read starts w - 32: -32, 135, 302, 469, 636, 803; valid = [32, 32 + write length).
  const TilePlan plan = plan_tiles({{.id = 'x', .image_size = 1000, .rule = {256, 0}, .halo = 32, .alignment = 1, .tile = {}}});
  const std::vector<std::int64_t> starts = {0, 167, 334, 501, 668, 835};
  ASSERT_EQ(plan.tiles.size(), starts.size());
  for (std::size_t k = 0; k < starts.size(); ++k) {
    const std::int64_t end = k + 1 < starts.size() ? starts[k + 1] : 1000;
    EXPECT_EQ(plan.tiles[k].write, (Box{{starts[k]}, {end}})) << k;
    EXPECT_EQ(plan.tiles[k].read, (Box{{starts[k] - 32}, {starts[k] - 32 + 256}})) << k;
    EXPECT_EQ(plan.tiles[k].valid, (Box{{32}, {32 + end - starts[k]}})) << k;
  }
}

TEST(TilePlan, PreprintExampleAlignedTo16ByHand) {
  // Same image with a = 16: V = floor_16(192) = 192, p = 6, ceil(1000 / 6) = 167 rounded up to 176:
  //   write starts 0, 176, 352, 528, 704, 880; the last takes 880..1000 (120).
  const TilePlan plan = plan_tiles({{.id = 'x', .image_size = 1000, .rule = {256, 0}, .halo = 32, .alignment = 16, .tile = {}}});
  const std::vector<std::int64_t> starts = {0, 176, 352, 528, 704, 880};
  ASSERT_EQ(plan.tiles.size(), starts.size());
  for (std::size_t k = 0; k < starts.size(); ++k) {
    EXPECT_EQ(plan.tiles[k].write.begin[0], starts[k]);
    EXPECT_EQ(plan.tiles[k].read.begin[0], starts[k] - 32);
  }
  EXPECT_EQ(plan.tiles.back().write.end[0], 1000);
}

TEST(TilePlan, UserTileOnFlexibleModelByHand) {
  // I = 300, tile 128 (64 + 4 * 16), P = 20, a = 16: V = floor_16(88) = 80, p = ceil(300 / 80) = 4,
  // S = ceil_16(ceil(300 / 4) = 75) = 80: writes 0, 80, 160, 240..300.
  const TilePlan plan = plan_tiles({{.id = 'y', .image_size = 300, .rule = {64, 16}, .halo = 20, .alignment = 16, .tile = 128}});
  ASSERT_EQ(plan.tiles.size(), 4u);
  EXPECT_EQ(plan.tiles[3].write, (Box{{240}, {300}}));
  EXPECT_EQ(plan.tiles[3].read, (Box{{220}, {348}}));
  EXPECT_EQ(plan.tiles[1].valid, (Box{{20}, {100}}));
}

TEST(TilePlan, TilesAreRowMajorWithOneBoxEntryPerAxis) {
  const AxisTiling y{.id = 'y', .image_size = 90, .rule = {32, 0}, .halo = 4, .alignment = 8, .tile = {}};
  const AxisTiling x{.id = 'x', .image_size = 130, .rule = {16, 16}, .halo = 6, .alignment = 16, .tile = 48};
  const TilePlan py = plan_tiles({y}), px = plan_tiles({x});
  const TilePlan plan = plan_tiles({y, x});
  EXPECT_EQ(plan.axes, "yx");
  EXPECT_EQ(plan.tile_shape, (std::vector<std::int64_t>{py.tile_shape[0], px.tile_shape[0]}));
  EXPECT_EQ(plan.grid, (std::vector<std::int64_t>{py.grid[0], px.grid[0]}));
  ASSERT_EQ(plan.tiles.size(), py.tiles.size() * px.tiles.size());
  for (std::size_t t = 0; t < plan.tiles.size(); ++t) {
    const Tile& a = py.tiles[t / px.tiles.size()];
    const Tile& b = px.tiles[t % px.tiles.size()];
    const Tile& got = plan.tiles[t];
    EXPECT_EQ(got.read, (Box{{a.read.begin[0], b.read.begin[0]}, {a.read.end[0], b.read.end[0]}})) << t;
    EXPECT_EQ(got.valid, (Box{{a.valid.begin[0], b.valid.begin[0]}, {a.valid.end[0], b.valid.end[0]}})) << t;
    EXPECT_EQ(got.write, (Box{{a.write.begin[0], b.write.begin[0]}, {a.write.end[0], b.write.end[0]}})) << t;
  }
}

std::string error_message(const std::vector<AxisTiling>& axes, ErrorCode expected_code) {
  try {
    plan_tiles(axes);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected_code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(TilePlan, InvalidUserTileNamesNearestValidSizes) {
  std::string msg = error_message({{.id = 'y', .image_size = 500, .rule = {64, 16}, .halo = 8, .alignment = 16, .tile = 100}},
                                  ErrorCode::invalid_argument);
  EXPECT_NE(msg.find("tile size 100 along \"y\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("min 64, step 16"), std::string::npos) << msg;
  EXPECT_NE(msg.find("96, 112"), std::string::npos) << msg;

  msg = error_message({{.id = 'x', .image_size = 500, .rule = {64, 16}, .halo = 8, .alignment = 16, .tile = 40}},
                      ErrorCode::invalid_argument);
  EXPECT_NE(msg.find("nearest valid size: 64"), std::string::npos) << msg;

  msg = error_message({{.id = 'x', .image_size = 500, .rule = {512, 0}, .halo = 8, .alignment = 16, .tile = 256}},
                      ErrorCode::invalid_argument);
  EXPECT_NE(msg.find("tile size 256 along \"x\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("nearest valid size: 512"), std::string::npos) << msg;
}

TEST(TilePlan, TileWithoutValidRegionExplainsTheSmallestThatWorks) {
  // T - 2P = 64 - 60 = 4 < a = 16; the smallest valid size >= 2 * 30 + 16 = 76 is 80.
  std::string msg = error_message({{.id = 'y', .image_size = 500, .rule = {16, 16}, .halo = 30, .alignment = 16, .tile = 64}},
                                  ErrorCode::invalid_argument);
  EXPECT_NE(msg.find("tile size 64 along \"y\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("halo of 30"), std::string::npos) << msg;
  EXPECT_NE(msg.find("alignment"), std::string::npos) << msg;
  EXPECT_NE(msg.find("smallest tile that works is 80"), std::string::npos) << msg;

  // A fixed model of 64 with a halo of 30 and a = 16: only a halo of at most (64 - 16) / 2 = 24 works.
  msg = error_message({{.id = 'x', .image_size = 500, .rule = {64, 0}, .halo = 30, .alignment = 16, .tile = {}}},
                      ErrorCode::invalid_argument);
  EXPECT_NE(msg.find("halo of at most 24"), std::string::npos) << msg;
}

TEST(TilePlan, RejectsEmptyImageAndNegativeHalo) {
  error_message({{.id = 'y', .image_size = 0, .rule = {16, 16}, .halo = 0, .alignment = 1, .tile = {}}}, ErrorCode::invalid_argument);
  error_message({{.id = 'y', .image_size = 10, .rule = {16, 16}, .halo = -1, .alignment = 1, .tile = {}}}, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace deepimage::tiling
