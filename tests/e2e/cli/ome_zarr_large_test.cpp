// A 3.1 GiB OME-Zarr image (uint16, 41000 x 41000) through `deepimage run` into an OME-Zarr output with
// its pyramid: the peak memory stays a fraction of the image, and sampled regions of every level equal
// the model computed naively. The image repeats every 1024 pixels, so it is written as one compressed
// 1024 x 1024 chunk stored 1681 times (about 30 MB on disk, a few seconds), not computed pixel by pixel.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <span>

#include "io/image_region.hpp"
#include "io/zarr.hpp"
#include "io/zarr_array.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(DEEPIMAGE_SANITIZE)  // clang 14 defines neither
constexpr bool kUnderSanitizer = true;
#else
constexpr bool kUnderSanitizer = false;
#endif

constexpr std::int64_t kSize = 41000, kChunk = 1024;

// Blocks of 4 x 4 pixels of values 0..255, repeating every 1024 pixels (256 blocks x 37, 11 = 0 mod 256).
int pattern(std::int64_t y, std::int64_t x) { return static_cast<int>(((y % kChunk) / 4 * 37 + (x % kChunk) / 4 * 11) % 256); }

// laplace2d_tiny computed naively: 4 x centre - the 4 neighbours, numpy-reflect at the border, clipped.
std::uint8_t laplace(std::int64_t y, std::int64_t x) {
  const auto at = [](std::int64_t yy, std::int64_t xx) {
    yy = yy < 0 ? -yy : yy >= kSize ? 2 * (kSize - 1) - yy : yy;
    xx = xx < 0 ? -xx : xx >= kSize ? 2 * (kSize - 1) - xx : xx;
    return pattern(yy, xx);
  };
  return static_cast<std::uint8_t>(std::clamp(4 * at(y, x) - at(y - 1, x) - at(y + 1, x) - at(y, x - 1) - at(y, x + 1), 0, 255));
}

void write_large_input(const fs::path& folder) {
  io::ZarrArray array;
  array.folder = folder / "0";
  array.shape = {kSize, kSize};
  array.chunks = {kChunk, kChunk};
  array.dtype = DType::u16;
  array.compressor = {.id = "blosc", .cname = "lz4", .level = 5, .shuffle = 1};
  array.separator = '/';
  io::write_zarr_array(array);
  std::ofstream(folder / ".zgroup") << R"({"zarr_format": 2})";
  std::ofstream(folder / ".zattrs") << R"({"multiscales": [{"version": "0.4", "axes": [{"name": "y", "type": "space"},
    {"name": "x", "type": "space"}], "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}]}]}]})";
  std::vector<std::uint16_t> chunk(static_cast<std::size_t>(kChunk * kChunk));
  for (std::int64_t y = 0; y < kChunk; ++y)
    for (std::int64_t x = 0; x < kChunk; ++x) chunk[static_cast<std::size_t>(y * kChunk + x)] = static_cast<std::uint16_t>(pattern(y, x));
  // Encoded once, then copied: every chunk holds the same values.
  array.write_chunk({0, 0}, std::as_bytes(std::span(chunk)));
  const std::int64_t grid = (kSize + kChunk - 1) / kChunk;
  for (std::int64_t i = 0; i < grid; ++i)
    for (std::int64_t j = 0; j < grid; ++j)
      if (i || j) {
        fs::create_directories(array.chunk_path({i, j}).parent_path());
        fs::copy_file(array.chunk_path({0, 0}), array.chunk_path({i, j}));
      }
}

// Regions at the corners, across chunk and band boundaries, and in the middle.
std::vector<Box> sample_regions() {
  std::vector<Box> boxes = {{{0, 0}, {300, 300}}, {{kSize - 260, kSize - 270}, {kSize, kSize}}, {{0, kSize - 100}, {100, kSize}},
                            {{20000, 20000}, {20600, 20300}}};
  std::mt19937 rng(3);
  for (int i = 0; i < 4; ++i) {
    const std::int64_t y = std::uniform_int_distribution<std::int64_t>(0, kSize - 700)(rng), x = std::uniform_int_distribution<std::int64_t>(0, kSize - 700)(rng);
    boxes.push_back({{y, x}, {y + 700, x + 500}});
  }
  return boxes;
}

TEST(OmeZarrLarge, AMultiGigabyteImageStreamsWithinAStatedPeakAndEveryLevelIsRight) {
  if (kUnderSanitizer) GTEST_SKIP() << "peak RSS means nothing under a sanitizer";
  TempDir dir;
  if (fs::space(dir.path()).available < (std::uintmax_t{2} << 30)) GTEST_SKIP() << "needs 2 GiB free in the temp folder";
  write_large_input(dir / "big.ome.zarr");
  const auto input = io::open_image(dir / "big.ome.zarr");
  ASSERT_EQ(input->info().shape, (Shape{kSize, kSize}));
  const std::uint64_t image_bytes = std::uint64_t(kSize * kSize) * 2;
  ASSERT_GE(image_bytes, std::uint64_t{3} << 30);

  const CliResult r = run_cli({"run", (source_dir() / "tests/data/models/laplace2d_tiny").string(), (dir / "big.ome.zarr").string(),
                               "-o", (dir / "out.ome.zarr").string(), "--json", "--threads", "2", "--memory", "1G"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  // Stated bound: under 1 GiB (the budget) for a 3.1 GiB image, whose float32 copy alone would be 6.3 GiB.
  const auto peak = report["peak_rss_bytes"].get<std::uint64_t>(), predicted = report["memory"]["predicted_peak_bytes"].get<std::uint64_t>();
  EXPECT_LT(peak, std::uint64_t{1} << 30) << "predicted " << predicted;
  EXPECT_LE(predicted, std::uint64_t{1} << 30);
  EXPECT_TRUE(report["slices"]["streamed"].get<bool>());
  std::cout << "peak RSS " << (peak >> 20) << " MiB, predicted " << (predicted >> 20) << " MiB, tiles " << report["tiling"]["tile_shape"]
            << ", " << report["seconds"]["total"] << " s\n";

  // Level 0 against the naive filter, level k against level 0 sampled every 2^k pixels (uint8: nearest).
  const auto output = io::open_image(dir / "out.ome.zarr");
  ASSERT_EQ(output->info().pyramid_levels, 9);  // 41000 / 2^8 = 161 <= 256
  for (const Box& box : sample_regions()) {
    const Tensor got = output->read(box);
    std::int64_t wrong = 0;
    for (std::int64_t y = box.begin[0]; y < box.end[0]; ++y)
      for (std::int64_t x = box.begin[1]; x < box.end[1]; ++x)
        wrong += got.data<std::uint8_t>()[(y - box.begin[0]) * box.extent(1) + (x - box.begin[1])] != laplace(y, x);
    EXPECT_EQ(wrong, 0) << box.to_string();
  }
  for (int k : {1, 3, 8}) {
    const auto level = io::open_ome_zarr(dir / "out.ome.zarr" / std::to_string(k));  // a bare array
    const std::int64_t n = level->info().shape[0], step = std::int64_t{1} << k;
    EXPECT_EQ(level->info().shape, (Shape{(kSize + step - 1) / step, (kSize + step - 1) / step}));
    const Box box{{n / 3, n / 4}, {std::min(n, n / 3 + 200), std::min(n, n / 4 + 200)}};
    const Tensor got = level->read(box);
    std::int64_t wrong = 0;
    for (std::int64_t y = box.begin[0]; y < box.end[0]; ++y)
      for (std::int64_t x = box.begin[1]; x < box.end[1]; ++x)
        wrong += got.data<std::uint8_t>()[(y - box.begin[0]) * box.extent(1) + (x - box.begin[1])] != laplace(y * step, x * step);
    EXPECT_EQ(wrong, 0) << "level " << k << " " << box.to_string();
  }
}

}  // namespace
}  // namespace deepimage::testing
