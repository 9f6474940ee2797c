// A 3D model (tests/data/models/unet3d_tiny: two 2x2x2 max-pools, halo 12 covering its 12-voxel
// receptive field) tiles in 3D: on a volume whose sizes are multiples of nothing, tiled runs with
// several 3D tile sizes equal the whole-volume run.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

std::filesystem::path tiny3d() { return source_dir() / "tests/data/models/unet3d_tiny"; }

// A smooth pattern plus fixed-seed noise, 37 x 53 x 47 (primes).
Tensor odd_volume() {
  Tensor v(DType::f32, {37, 53, 47}, "zyx");
  std::uint32_t state = 12345;
  float* p = v.data<float>();
  for (std::int64_t z = 0; z < 37; ++z)
    for (std::int64_t y = 0; y < 53; ++y)
      for (std::int64_t x = 0; x < 47; ++x) {
        state = state * 1664525u + 1013904223u;
        *p++ = static_cast<float>(std::sin(0.3 * z) * std::cos(0.2 * y) + 0.01 * x + (state >> 24) / 512.0);
      }
  return v;
}

Tensor run3d(const std::filesystem::path& in, const std::filesystem::path& out, const std::vector<std::string>& extra,
             std::int64_t* tiles) {
  std::vector<std::string> args = {"run", tiny3d().string(), in.string(), "-o", out.string(), "--axes", "zyx",
                                   "--json", "--threads", "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return {};
  *tiles = nlohmann::json::parse(r.out)["tiling"]["tile_count"].get<std::int64_t>();
  return io::read_npy(out);
}

class TiledVolume : public ::testing::TestWithParam<std::string> {};

TEST_P(TiledVolume, EqualsWholeVolume) {
  TempDir dir;
  io::write_npy(odd_volume(), dir / "volume.npy");
  std::int64_t whole_tiles = 0, tiled_tiles = 0;
  const Tensor whole = run3d(dir / "volume.npy", dir / "whole.npy", {}, &whole_tiles);
  const Tensor tiled = run3d(dir / "volume.npy", dir / "tiled.npy", {"--tile", GetParam()}, &tiled_tiles);
  ASSERT_FALSE(whole.empty());
  ASSERT_FALSE(tiled.empty());
  EXPECT_EQ(whole_tiles, 1);
  EXPECT_GT(tiled_tiles, 1);
  ASSERT_EQ(whole.shape(), (Shape{37, 53, 47}));
  ASSERT_EQ(tiled.shape(), whole.shape());
  EXPECT_LE(max_abs_diff(whole, tiled), kTiledVsWholeMaxAbs) << "tile " << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Several3dTileSizes, TiledVolume,
                         ::testing::Values("z=32,y=36,x=40", "z=28,y=44,x=32", "z=40,y=32,x=28", "z=36,y=48,x=28"));

TEST(Volume, FixtureReproducesItsTestOutput) {
  CliResult r = run_cli({"test", tiny3d().string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

}  // namespace
}  // namespace deepimage::testing
