// The tiling invariant (DESIGN.md): when the halo covers the receptive field and tile origins keep
// the model's downsampling phase, a tiled run equals the whole-image run up to float rounding —
// for any tile size, and for image sizes that are multiples of nothing. Checked on the example
// U-Net (3 max-pools, so a downsampling factor of 8), through the real CLI.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

// A crop of the example image whose sizes are prime, so no tile size divides them.
Tensor odd_sized_crop(std::int64_t height, std::int64_t width) {
  const Tensor full = io::read_image(source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif").pixels.converted(DType::f32);
  Tensor crop(DType::f32, {height, width}, "yx");
  const std::int64_t full_width = full.shape()[1];
  for (std::int64_t y = 0; y < height; ++y)
    for (std::int64_t x = 0; x < width; ++x)
      crop.data<float>()[y * width + x] = full.data<float>()[(y + 7) * full_width + (x + 11)];
  return crop;
}

Tensor run_model(const std::filesystem::path& image, const std::filesystem::path& out, std::vector<std::string> extra,
                 std::int64_t* tile_count) {
  std::vector<std::string> args = {"run", (source_dir() / "examples/nuclei_unet2d").string(), image.string(), "-o",
                                   out.string(), "--json", "--threads", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return {};
  *tile_count = nlohmann::json::parse(r.out)["tiling"]["tile_count"].get<std::int64_t>();
  return io::read_npy(out);
}

class TiledEqualsWhole : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(TiledEqualsWhole, OnOddSizedImage) {
  const auto& [tile, pad] = GetParam();
  TempDir dir;
  io::write_npy(odd_sized_crop(211, 179), dir / "image.npy");
  std::int64_t whole_tiles = 0, tiled_tiles = 0;
  const Tensor whole = run_model(dir / "image.npy", dir / "whole.npy", {"--pad", pad}, &whole_tiles);
  const Tensor tiled = run_model(dir / "image.npy", dir / "tiled.npy", {"--tile", tile, "--pad", pad}, &tiled_tiles);
  ASSERT_FALSE(whole.empty());
  ASSERT_FALSE(tiled.empty());
  EXPECT_EQ(whole_tiles, 1);
  EXPECT_GT(tiled_tiles, 1);
  ASSERT_EQ(whole.shape(), (Shape{211, 179}));
  ASSERT_EQ(tiled.shape(), whole.shape());
  EXPECT_LE(max_abs_diff(whole, tiled), kTiledVsWholeMaxAbs) << "tile " << tile << ", pad " << pad;
}

INSTANTIATE_TEST_SUITE_P(SeveralTileSizes, TiledEqualsWhole,
                         ::testing::Values(std::make_tuple("y=96,x=96", "reflect"),
                                           std::make_tuple("y=128,x=104", "reflect"),
                                           std::make_tuple("y=160,x=88", "reflect"),
                                           std::make_tuple("y=104,x=200", "symmetric"),
                                           std::make_tuple("y=120,x=96", "zeros")));

}  // namespace
}  // namespace deepimage::testing
