// The memory planner: the largest tile that fits a budget, shrinking tiles after an allocation
// failure, and memory sizes as users write them.
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "deepimage/memory_size.hpp"
#include "io/zarr_pyramid.hpp"
#include "run/memory_plan.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "tiling/tile_plan.hpp"

namespace deepimage::run {
namespace {

std::vector<tiling::AxisTiling> image_axes(std::int64_t height, std::int64_t width) {
  // The example U-Net's rule: 88 + 8n, halo 40, alignment 8.
  return {{.id = 'y', .image_size = height, .rule = {88, 8}, .halo = 40, .alignment = 8, .tile = {}},
          {.id = 'x', .image_size = width, .rule = {88, 8}, .halo = 40, .alignment = 8, .tile = {}}};
}

std::int64_t pixels(const std::vector<std::int64_t>& tile) { return tile.at(0) * tile.at(1); }

TEST(LargestTileWithin, KeepsTheWholeImageWhenItFits) {
  auto axes = image_axes(700, 900);
  const TileMemory per_tile{.fixed_bytes = 1e6, .bytes_per_pixel = 300, .output_values_per_pixel = 1, .measured = true};
  const SliceSize slice{.input_values = 700 * 900, .pixels = 700 * 900};
  ASSERT_TRUE(largest_tile_within(std::uint64_t(1) << 34, axes, per_tile, slice, 100'000'000));
  EXPECT_FALSE(axes[0].tile || axes[1].tile);
  EXPECT_EQ(tiling::plan_tiles(axes).tiles.size(), 1u);
}

// Read in bands, a sample's buffers are those of one row of tiles: they follow the tile's height, so
// a budget far below the whole image's buffers still fits, with the image's values counted once per
// copy the band run makes (3 of the input rows, 3 of the output band).
TEST(LargestTileWithin, InBandsTheBuffersAreThoseOfOneRowOfTiles) {
  const TileMemory per_tile{.fixed_bytes = 1e6, .bytes_per_pixel = 300, .output_values_per_pixel = 1, .measured = true};
  const std::int64_t h = 20000, w = 20000;
  const SliceSize whole{.input_values = h * w, .pixels = h * w, .bytes_per_value = 1};
  SliceSize bands = whole;
  bands.band_axis_size = h;
  const MemoryEstimate e = estimate_memory(per_tile, bands, 0, {1000, 1000});
  EXPECT_EQ(e.buffers, std::uint64_t(3 * 1000 * w * 1 + 3 * 1000 * w * 4));
  EXPECT_EQ(estimate_memory(per_tile, bands, 0, {2000, 1000}).buffers, 2 * e.buffers);
  EXPECT_EQ(estimate_memory(per_tile, whole, 0, {1000, 1000}).buffers, std::uint64_t(h * w * 1 + 2 * h * w * 4));

  const std::uint64_t budget = std::uint64_t(1) << 30;  // the whole image's buffers alone are 3.6 GB
  auto whole_axes = image_axes(h, w), band_axes = image_axes(h, w);
  EXPECT_FALSE(largest_tile_within(budget, whole_axes, per_tile, whole, 0));
  ASSERT_TRUE(largest_tile_within(budget, band_axes, per_tile, bands, 0));
  const std::vector<std::int64_t> tile = tiling::plan_tile_shape(band_axes);
  EXPECT_LE(estimate_memory(per_tile, bands, 0, tile).total(), budget);
  EXPECT_GT(tile[0], 88);
}

// An OME-Zarr output holds a partly filled chunk row of each pyramid level until it can write it: the
// buffers grow by exactly that, in float32 values of every output channel. By hand for 4000 x 3000
// (levels 4000 x 3000 ... 250 x 188; chunk rows of 12, 6, 3, 2 chunks of 256 x 256, then one of
// 250 x 188) and two output channels.
TEST(EstimateMemory, CountsTheChunkRowsAnOmeZarrOutputHolds) {
  const TileMemory per_tile{.fixed_bytes = 1e6, .bytes_per_pixel = 300, .output_values_per_pixel = 2, .measured = true};
  SliceSize slice{.input_values = 4000 * 3000, .pixels = 4000 * 3000, .bytes_per_value = 2, .band_axis_size = 4000};
  const MemoryEstimate without = estimate_memory(per_tile, slice, 0, {512, 512});
  EXPECT_EQ(io::pyramid_level_count(4000, 3000, 0), 5);
  slice.writer_pixels = io::ome_zarr_values_held(4000, 3000, 5);
  const std::int64_t held = 256 * 12 * 256 + 256 * 6 * 256 + 256 * 3 * 256 + 256 * 2 * 256 + 250 * 188;
  EXPECT_EQ(slice.writer_pixels, held);
  const MemoryEstimate with = estimate_memory(per_tile, slice, 0, {512, 512});
  EXPECT_EQ(with.buffers - without.buffers, std::uint64_t(held * 2 * 4));
  EXPECT_EQ(with.tile, without.tile);
}

TEST(LargestTileWithin, PicksAFittingTileThatNoLargerEdgeBeats) {
  const TileMemory per_tile{.fixed_bytes = 2e6, .bytes_per_pixel = 500, .output_values_per_pixel = 2, .measured = true};
  const SliceSize slice{.input_values = 3000 * 2000, .pixels = 3000 * 2000};
  const std::uint64_t resident = 200'000'000;
  for (std::uint64_t budget_mb : {500, 600, 900, 1500, 3000}) {
    SCOPED_TRACE(budget_mb);
    const std::uint64_t budget = budget_mb << 20;
    auto axes = image_axes(3000, 2000);
    ASSERT_TRUE(largest_tile_within(budget, axes, per_tile, slice, resident));
    const auto tile = tiling::plan_tiles(axes).tile_shape;
    EXPECT_LE(estimate_memory(per_tile, slice, resident, tile).total(), budget);
    // Hand check of maximality: one step (8 pixels) more on the larger edge no longer fits,
    // unless that edge is already the whole image.
    const std::int64_t whole_y = 88 + (3000 + 80 - 88 + 7) / 8 * 8;
    if (tile[0] < whole_y) {
      const std::vector<std::int64_t> bigger{tile[0] + 8, std::min<std::int64_t>(tile[1] + 8, 88 + (2000 + 80 - 88 + 7) / 8 * 8)};
      EXPECT_GT(estimate_memory(per_tile, slice, resident, bigger).total(), budget);
    }
    // The buffers do not depend on the tile; only the tile part shrinks with the budget.
    EXPECT_LE(pixels(tile), static_cast<std::int64_t>((static_cast<double>(budget) - 2e6) / 500));
  }
}

TEST(LargestTileWithin, ReportsWhenEvenTheSmallestTileDoesNotFit) {
  auto axes = image_axes(3000, 2000);
  const TileMemory per_tile{.fixed_bytes = 2e6, .bytes_per_pixel = 500, .output_values_per_pixel = 1, .measured = true};
  const SliceSize slice{.input_values = 6'000'000, .pixels = 6'000'000};
  EXPECT_FALSE(largest_tile_within(100'000'000, axes, per_tile, slice, 200'000'000));
  EXPECT_EQ(*axes[0].tile, 88);  // left at the smallest usable tile: 2 x 40 halo + 8
  EXPECT_EQ(*axes[1].tile, 88);
}

TEST(LargestTileWithin, LeavesFixedSizesAndUserTilesAlone) {
  std::vector<tiling::AxisTiling> axes = {{.id = 'y', .image_size = 4000, .rule = {512, 0}, .halo = 32, .alignment = 16, .tile = {}},
                                          {.id = 'x', .image_size = 4000, .rule = {88, 8}, .halo = 40, .alignment = 8, .tile = 256}};
  const TileMemory per_tile{.fixed_bytes = 0, .bytes_per_pixel = 1e6, .output_values_per_pixel = 1, .measured = true};
  EXPECT_FALSE(largest_tile_within(1 << 20, axes, per_tile, {.input_values = 1, .pixels = 1}, 0));
  EXPECT_FALSE(axes[0].tile);
  EXPECT_EQ(*axes[1].tile, 256);
}

TEST(ShrinkTiles, HalvesTheLargestEdgeWithinTheRule) {
  auto axes = image_axes(3000, 2000);
  ASSERT_TRUE(tiling::shrink_tiles(axes, {1000, 600}));
  EXPECT_EQ(*axes[0].tile, 504);  // smallest 88 + 8n >= 500
  EXPECT_FALSE(axes[1].tile);
  ASSERT_TRUE(tiling::shrink_tiles(axes, {96, 88}));  // 96 -> at least 88, the smallest usable
  EXPECT_EQ(*axes[0].tile, 88);
  EXPECT_FALSE(tiling::shrink_tiles(axes, {88, 88}));
  std::vector<tiling::AxisTiling> fixed = {{.id = 'y', .image_size = 900, .rule = {512, 0}, .halo = 32, .alignment = 16, .tile = {}}};
  EXPECT_FALSE(tiling::shrink_tiles(fixed, {512}));
}

TEST(MemorySize, ParsesUnitsAsPowersOf1024) {
  EXPECT_EQ(parse_memory_size("4G", "--memory"), std::uint64_t(4) << 30);
  EXPECT_EQ(parse_memory_size("512M", "--memory"), std::uint64_t(512) << 20);
  EXPECT_EQ(parse_memory_size("1.5GiB", "--memory"), std::uint64_t(3) << 29);
  EXPECT_EQ(parse_memory_size("64kb", "--memory"), std::uint64_t(64) << 10);
  EXPECT_EQ(parse_memory_size("1000000B", "--memory"), 1000000u);
  for (const char* bad : {"", "G", "4X", "-1G", "0G", "4 G", "4", "1000000"}) {
    SCOPED_TRACE(bad);
    try {
      parse_memory_size(bad, "--memory");
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find("--memory \"" + std::string(bad) + "\""), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("K, M, G or T (powers of 1024) or B (bytes)"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(format_bytes(std::uint64_t(3) << 29), "1.5 GiB");
  EXPECT_EQ(format_bytes(std::uint64_t(300) << 20), "300 MiB");
}

}  // namespace
}  // namespace deepimage::run
