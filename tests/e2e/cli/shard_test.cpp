// `deepimage run --shard I/N`: shards 0..N-1, run one after another or as parallel processes, write
// one OME-Zarr output whose pixels equal the unsharded run's bit for bit (read back by the OME-Zarr
// reader and compared with the unsharded OME-Zarr and TIFF outputs), for the real nuclei U-Net (fixed
// 512 input), the example U-Net tiled in 168-pixel tiles that straddle chunks (percentile
// normalisation from --stats), and a z-stack looped slice by slice; more shards than chunks leave the
// extra shards idle; a shard reads only what its tiles read (a garbled input chunk elsewhere does not
// stop it); `deepimage pyramid` then adds the levels, and every file equals the unsharded run's. Bad
// --shard values and what a shard cannot do are one-line errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "io/image.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path nuclei() { return realdata() / "unet2d_nuclei_broad"; }
fs::path example() { return source_dir() / "examples/nuclei_unet2d"; }
fs::path img2d() { return realdata() / "images/stardist_testdata/img2d.tif"; }

bool same_pixels(const fs::path& a, const fs::path& b) {
  const Tensor x = io::read_image(a).pixels, y = io::read_image(b).pixels;
  return x.shape() == y.shape() && x.dtype() == y.dtype() && std::equal(x.bytes(), x.bytes() + x.byte_count(), y.bytes());
}

// Every file under `root` (relative path -> bytes): what `diff -r` compares.
std::map<std::string, std::string> tree_files(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = slurp(e.path());
  return files;
}

std::string command_line(const std::vector<std::string>& args) {
  std::string cmd = shell_quote(DEEPIMAGE_CLI);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  return cmd;
}

struct Case {
  fs::path model, image;
  std::vector<std::string> options;  // the same for every run
};

// The unsharded run to OME-Zarr and TIFF, the statistics, then shards of each count, in turn and at once.
void expect_shards_equal_unsharded(const Case& c, const std::vector<int>& counts) {
  TempDir dir;
  const auto args = [&](const std::string& out, std::vector<std::string> extra) {
    std::vector<std::string> a = {"run", c.model.string(), c.image.string(), "-o", (dir / out).string(), "--quiet", "--threads", "1"};
    a.insert(a.end(), c.options.begin(), c.options.end());
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  CliResult r = run_cli(args("whole.ome.zarr", {}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(run_cli(args("whole.tif", {})).exit_code, 0);
  ASSERT_TRUE(same_pixels(dir / "whole.ome.zarr", dir / "whole.tif"));
  r = run_cli({"stats", c.model.string(), c.image.string(), "-o", (dir / "stats.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int n : counts) {
    const std::string in_turn = "turn" + std::to_string(n) + ".ome.zarr", at_once = "once" + std::to_string(n) + ".ome.zarr";
    std::string parallel;
    for (int i = 0; i < n; ++i) {
      const std::string shard = std::to_string(i) + "/" + std::to_string(n);
      r = run_cli(args(in_turn, {"--shard", shard, "--stats", (dir / "stats.json").string()}));
      EXPECT_EQ(r.exit_code, 0) << shard << ": " << r.err;
      parallel += command_line(args(at_once, {"--shard", shard, "--stats", (dir / "stats.json").string()})) + " & ";
    }
    EXPECT_EQ(std::system((parallel + "wait").c_str()), 0);
    EXPECT_TRUE(same_pixels(dir / "whole.ome.zarr", dir / in_turn)) << n << " shards in turn";
    EXPECT_TRUE(same_pixels(dir / "whole.ome.zarr", dir / at_once)) << n << " shards at once";
    // Level 0 alone until `pyramid` adds the levels the unsharded run wrote; then every file is the same.
    EXPECT_FALSE(fs::exists(dir / at_once / "1"));
    r = run_cli({"pyramid", (dir / at_once).string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(tree_files(dir / "whole.ome.zarr"), tree_files(dir / at_once)) << n << " shards at once, then pyramid";
  }
  // Nothing but the outputs and the statistics: no temporary files left by racing shards.
  for (const auto& e : fs::recursive_directory_iterator(dir.path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(Shard, NucleiUnetShardsEqualTheUnshardedRunBitForBit) {
  DEEPIMAGE_REQUIRE_REALDATA();
  // 512x512: 2x2 chunks of 256; 6 shards is more shards than chunks.
  expect_shards_equal_unsharded({nuclei(), img2d(), {}}, {1, 2, 3, 6});
}

TEST(Shard, TilesStraddlingChunksGiveTheUnshardedRunBitForBit) {
  DEEPIMAGE_REQUIRE_REALDATA();
  // Tiles of 168 with halo 40: valid parts of 88 cross the 256-pixel chunk borders.
  expect_shards_equal_unsharded({example(), img2d(), {"--tile", "y=168,x=168"}}, {2, 3});
}

TEST(Shard, AStackIsShardedSliceBySliceWithEachSlicesStatistics) {
  DEEPIMAGE_REQUIRE_REALDATA();
  // 31 z-slices of 61x57, each its own sample with its own percentiles.
  expect_shards_equal_unsharded({example(), realdata() / "images/stardist_testdata/img3d.tif", {"--tile", "y=88,x=88"}}, {4});
}

// A shard reads only its chunks plus the halo of its tiles: with an input chunk far from shard 0's
// corner garbled, shard 0 of 4 still runs, and the shard that needs that chunk fails naming it.
TEST(Shard, AShardReadsOnlyWhatItsTilesRead) {
  DEEPIMAGE_REQUIRE_REALDATA();
  if (std::system("/usr/bin/python3 -c 'import zarr, numcodecs, tifffile' 2>/dev/null") != 0)
    GTEST_SKIP() << "needs /usr/bin/python3 with zarr, numcodecs and tifffile";
  TempDir dir;
  std::ofstream(dir / "make.py") << "import sys, os, zarr, tifffile\nfrom numcodecs import Blosc\n"
                                    "g = zarr.open_group(sys.argv[1], mode='w')\n"
                                    "g.create_dataset('0', data=tifffile.imread(sys.argv[2]), chunks=(128, 128), compressor=Blosc(cname='lz4'))\n"
                                    "g.attrs['multiscales'] = [{'version': '0.4', 'axes': ['y', 'x'], 'datasets': [{'path': '0'}]}]\n"
                                    "p = os.path.join(sys.argv[1], '0', '3.3')\n"  // rows and columns 384..511
                                    "b = open(p, 'rb').read(); open(p, 'wb').write(b[:20])\n";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + (dir / "make.py").string() + " " + (dir / "in.ome.zarr").string() + " " + img2d().string()).c_str()), 0);
  ASSERT_EQ(run_cli({"stats", example().string(), img2d().string(), "-o", (dir / "stats.json").string()}).exit_code, 0);
  const auto shard = [&](const std::string& which) {
    return run_cli({"run", example().string(), (dir / "in.ome.zarr").string(), "-o", (dir / "out.ome.zarr").string(), "--shard", which,
                    "--stats", (dir / "stats.json").string(), "--tile", "y=168,x=168", "--quiet", "--threads", "1"});
  };
  const CliResult first = shard("0/4");
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(fs::exists(dir / "out.ome.zarr" / "0" / "0" / "0"));
  const CliResult last = shard("3/4");
  EXPECT_EQ(last.exit_code, 1);
  EXPECT_NE(last.err.find("in.ome.zarr/0/3.3\""), std::string::npos) << last.err;
}

TEST(Shard, BadValuesAndWhatAShardCannotDoAreOneLineErrors) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  ASSERT_EQ(run_cli({"stats", nuclei().string(), img2d().string(), "-o", (dir / "stats.json").string()}).exit_code, 0);
  const auto refused = [&](const std::vector<std::string>& extra, const std::string& output, const std::string& message) {
    std::vector<std::string> a = {"run", nuclei().string(), img2d().string(), "-o", (dir / output).string(), "--quiet"};
    a.insert(a.end(), extra.begin(), extra.end());
    const CliResult r = run_cli(a);
    EXPECT_NE(r.exit_code, 0) << message;
    EXPECT_EQ(line_count(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / output)) << output;
  };
  const std::string stats = (dir / "stats.json").string();
  for (const char* bad : {"5/3", "-1/2", "x", "0/0", "3/3", "1/", "/2"})
    refused({"--shard", bad, "--stats", stats}, "out.ome.zarr", std::string("--shard \"") + bad + "\": expected I/N with 0 <= I < N");
  refused({"--shard", "0/2", "--stats", stats}, "out.tif", "--shard writes OME-Zarr outputs only");
  refused({"--shard", "0/2", "--stats", stats, "--pyramid-levels", "3"}, "out.ome.zarr", "deepimage pyramid");
  refused({"--shard", "0/2"}, "out.ome.zarr", "needs whole-image statistics, which a shard cannot measure");
  refused({"--shard", "0/2", "--stats", (dir / "missing.json").string()}, "out.ome.zarr", "missing.json\" does not exist");
  refused({"--shard", "auto", "--stats", stats}, "out.ome.zarr", "--shard auto: SLURM_ARRAY_TASK_ID is not set");
  // A flexible model needs --tile: the memory budget must not choose a shard's tiles.
  ASSERT_EQ(run_cli({"stats", example().string(), img2d().string(), "-o", (dir / "example.json").string()}).exit_code, 0);
  const CliResult flexible = run_cli({"run", example().string(), img2d().string(), "-o", (dir / "f.ome.zarr").string(), "--shard", "0/2",
                                      "--stats", (dir / "example.json").string(), "--quiet"});
  EXPECT_EQ(flexible.exit_code, 1);
  EXPECT_NE(flexible.err.find("is flexible"), std::string::npos) << flexible.err;
  // An existing output of something else is not joined.
  ASSERT_EQ(run_cli({"run", nuclei().string(), realdata() / "images/stardist_testdata/tests_img2d.tif", "-o",
                     (dir / "other.ome.zarr").string(), "--quiet"}).exit_code, 0);
  const CliResult other = run_cli({"run", nuclei().string(), img2d().string(), "-o", (dir / "other.ome.zarr").string(), "--shard",
                                   "0/2", "--stats", stats, "--quiet"});
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("exists and is not an output of this sharded run"), std::string::npos) << other.err;
}

TEST(Shard, AutoTakesTheShardFromASlurmArraysEnvironment) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  ASSERT_EQ(run_cli({"run", nuclei().string(), img2d().string(), "-o", (dir / "whole.ome.zarr").string(), "--quiet"}).exit_code, 0);
  ASSERT_EQ(run_cli({"stats", nuclei().string(), img2d().string(), "-o", (dir / "stats.json").string()}).exit_code, 0);
  // sbatch --array=1-3: tasks 1, 2, 3 are shards 0/3, 1/3, 2/3.
  for (int task = 1; task <= 3; ++task) {
    const std::string env = "SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 ";
    const std::string cmd = env + command_line({"run", nuclei().string(), img2d().string(), "-o", (dir / "auto.ome.zarr").string(),
                                                "--shard", "auto", "--stats", (dir / "stats.json").string(), "--quiet"});
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    // After the first task only its chunk columns exist: 4 chunks, 3 shards, shard 0 takes 1 (0/0).
    if (task == 1) {
      EXPECT_TRUE(fs::exists(dir / "auto.ome.zarr" / "0" / "0" / "0"));
      EXPECT_FALSE(fs::exists(dir / "auto.ome.zarr" / "0" / "1" / "1"));
    }
  }
  EXPECT_TRUE(same_pixels(dir / "whole.ome.zarr", dir / "auto.ome.zarr"));
  const std::string outside = "SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_MIN=1 " +
                              command_line({"run", nuclei().string(), img2d().string(), "-o", (dir / "x.ome.zarr").string(), "--shard",
                                            "auto", "--stats", (dir / "stats.json").string(), "--quiet"}) + " 2>/dev/null";
  EXPECT_NE(std::system(outside.c_str()), 0);
}

// `pyramid` on what it cannot take: one line naming the path or value, exit 1, the folder unchanged.
TEST(Shard, PyramidRefusesWhatIsNotALevelZeroImage) {
  DEEPIMAGE_REQUIRE_REALDATA();
  TempDir dir;
  ASSERT_EQ(run_cli({"run", nuclei().string(), img2d().string(), "-o", (dir / "whole.ome.zarr").string(), "--quiet"}).exit_code, 0);
  fs::create_directories(dir / "empty.ome.zarr");
  const auto before = tree_files(dir.path());
  const auto refused = [&](const std::vector<std::string>& args, const std::string& message) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << message;
    EXPECT_EQ(line_count(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  };
  refused({"pyramid", (dir / "missing.ome.zarr").string()}, "missing.ome.zarr\" is not a folder");
  refused({"pyramid", (dir / "empty.ome.zarr").string()}, "empty.ome.zarr/.zattrs");
  refused({"pyramid", (dir / "whole.ome.zarr").string(), "--levels", "-1"}, "--levels -1 is negative");
  // Written by an unsharded run, it already lists its levels.
  refused({"pyramid", (dir / "whole.ome.zarr").string()}, "a pyramid is added to level 0 alone");
  EXPECT_EQ(tree_files(dir.path()), before);
}

}  // namespace
}  // namespace deepimage::testing
