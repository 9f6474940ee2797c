// `deepimage bench` end to end on the example model, with tiny rounds: the report's numbers must be
// consistent with each other. How fast anything is is never asserted here (bench/compare.py
// measures speed against a peer in the same run).
#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

std::string example_model() { return (source_dir() / "examples" / "nuclei_unet2d").string(); }

TEST(Bench, JsonReportIsConsistent) {
  CliResult r = run_cli({"bench", example_model(), "--tile", "y=96,x=88", "--rounds", "3", "--threads", "1",
                         "--gflop-per-tile", "0.25", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["weights_format"], "onnx");  // the native engine is preferred when a bundle has both
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["rounds"], 3);
  EXPECT_EQ(j["tile_axes"], "yx");
  EXPECT_EQ(j["tile_shape"], nlohmann::json({96, 88}));
  EXPECT_EQ(j["input_shapes"], nlohmann::json({{1, 1, 96, 88}}));
  EXPECT_EQ(j["tile_pixels"], 96 * 88);
  const double ms = j["ms_per_tile"], tiles_per_s = j["tiles_per_s"];
  EXPECT_GT(j["load_s"].get<double>(), 0.0);
  EXPECT_GT(j["first_tile_ms"].get<double>(), 0.0);
  EXPECT_LE(j["ms_per_tile_min"].get<double>(), ms);
  EXPECT_GE(j["ms_per_tile_max"].get<double>(), ms);
  EXPECT_GT(ms, 0.0);
  EXPECT_NEAR(tiles_per_s, 1000.0 / ms, 1e-9 * tiles_per_s);
  EXPECT_NEAR(j["pixels_per_s"].get<double>(), tiles_per_s * 96 * 88, 1e-9 * tiles_per_s * 96 * 88);
  EXPECT_NEAR(j["gflop_per_s"].get<double>(), 0.25 * tiles_per_s, 1e-9 * tiles_per_s);
  EXPECT_GT(j["peak_rss_bytes"].get<double>(), 0.0);
}

TEST(Bench, DefaultTileIsTheSmallestValidSizeFrom512) {
  CliResult r = run_cli({"bench", example_model(), "--rounds", "1", "--threads", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tile_shape"], nlohmann::json({512, 512}));  // 88 + 53 * 8
  EXPECT_TRUE(j["gflop_per_s"].is_null());                 // no FLOP count given
}

// The CLI sets OMP_WAIT_POLICY=PASSIVE at start (apps/cli/passive_wait.cpp) unless the user set the
// variable; startup_test.cpp checks that libgomp itself then waits passively.
TEST(Bench, OpenMpWaitsPassivelyUnlessTheUserSaysOtherwise) {
  const char* saved = std::getenv("OMP_WAIT_POLICY");
  const std::string restore = saved ? saved : "";
  unsetenv("OMP_WAIT_POLICY");
  CliResult r = run_cli({"bench", example_model(), "--tile", "y=88,x=88", "--rounds", "1", "--threads", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["omp_wait_policy"], "PASSIVE");
  setenv("OMP_WAIT_POLICY", "ACTIVE", 1);
  r = run_cli({"bench", example_model(), "--tile", "y=88,x=88", "--rounds", "1", "--threads", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["omp_wait_policy"], "ACTIVE");
  if (saved) setenv("OMP_WAIT_POLICY", restore.c_str(), 1);
  else unsetenv("OMP_WAIT_POLICY");
}

TEST(Bench, TileTheModelRejectsIsOneLineError) {
  CliResult r = run_cli({"bench", example_model(), "--tile", "y=90,x=88", "--rounds", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: tile size 90 along \"y\" is not one the model accepts (min 88, step 8)\n");
}

TEST(Bench, ZeroRoundsIsUsageError) {
  CliResult r = run_cli({"bench", example_model(), "--rounds", "0"});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace deepimage::testing
