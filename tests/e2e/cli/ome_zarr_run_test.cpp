// `deepimage run` with OME-Zarr inputs and outputs: the same result, bit for bit, as the TIFF run,
// checked in Python by zarr and tifffile (Debian's python3-zarr).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "io/image_region.hpp"
#include "io/zarr_pyramid.hpp"

#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

bool have_zarr() { return std::system("/usr/bin/python3 -c 'import zarr, numcodecs, tifffile' 2>/dev/null") == 0; }

// Runs `script` with the folder as sys.argv[1] and `argument` as sys.argv[2]; true when it exits 0.
bool python(const TempDir& dir, const std::string& script, const std::string& argument = "") {
  std::ofstream(dir / "script.py") << "import sys, os, numpy as np, zarr, tifffile\nfrom numcodecs import Blosc\nd = sys.argv[1]\n"
                                   << script;
  return std::system(("/usr/bin/python3 " + (dir / "script.py").string() + " " + dir.path().string() + " " + shell_quote(argument)).c_str()) == 0;
}

TEST(OmeZarrRun, InputsAndOutputsGiveTheTiffRunsResultBitForBit) {
  DEEPIMAGE_REQUIRE_REALDATA();
  if (!have_zarr()) GTEST_SKIP() << "needs /usr/bin/python3 with zarr, numcodecs and tifffile";
  TempDir dir;
  const fs::path model = realdata() / "unet2d_nuclei_broad", image = realdata() / "images/stardist_testdata/img2d.tif";
  // The input as OME-Zarr, in chunks that do not line up with the model's 512 tiles or its bands.
  ASSERT_TRUE(python(dir, "a = tifffile.imread(sys.argv[2])\n"
                          "g = zarr.open_group(os.path.join(d, 'in.ome.zarr'), mode='w')\n"
                          "g.create_dataset('0', data=a, chunks=(100, 150), compressor=Blosc(cname='zstd'), dimension_separator='/')\n"
                          "g.attrs['multiscales'] = [{'version': '0.4', 'axes': [{'name': 'y', 'type': 'space'}, {'name': 'x', 'type': 'space'}],\n"
                          "  'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1.0, 1.0]}]}]}]\n",
                          image.string()));
  const auto run = [&](const fs::path& in, const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run", model.string(), in.string(), "-o", (dir / out).string(), "--quiet", "--threads", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << out << ": " << r.err;
  };
  run(image, "tif_tif.tif");
  run(image, "tif_zarr.ome.zarr");
  run(dir / "in.ome.zarr", "zarr_tif.tif");
  run(dir / "in.ome.zarr", "zarr_zarr.ome.zarr");
  run(dir / "in.ome.zarr", "zarr_zarr_parts.ome.zarr", {"--read-in-parts"});  // written band by band
  EXPECT_TRUE(python(dir, R"(
ref = tifffile.imread(os.path.join(d, 'tif_tif.tif'))
assert ref.shape == (512, 512) and ref.dtype == np.float32, (ref.shape, ref.dtype)
assert np.array_equal(tifffile.imread(os.path.join(d, 'zarr_tif.tif')), ref)
for name in ['tif_zarr', 'zarr_zarr', 'zarr_zarr_parts']:
    g = zarr.open_group(os.path.join(d, name + '.ome.zarr'), mode='r')
    assert np.array_equal(g['0'][...], ref), name
    assert [a['name'] for a in g.attrs['multiscales'][0]['axes']] == ['y', 'x']
)"));
}

// An input in NGFF order t, c, z, y, x with several channels and planes, as Python zarr writes it:
// read in any order, looped over t and z for a 2D model, and written in NGFF order, with the values of
// the run on the same image as an ImageJ hyperstack (t, z, c order), bit for bit.
TEST(OmeZarrRun, AnNgffOrderedStackGivesTheHyperstackRunsResult) {
  if (!have_zarr()) GTEST_SKIP() << "needs /usr/bin/python3 with zarr, numcodecs and tifffile";
  TempDir dir;
  ASSERT_TRUE(python(dir, R"(
r = np.random.default_rng(7)
a = r.integers(0, 200, (2, 2, 3, 70, 90)).astype('<u2')   # t c z y x
g = zarr.open_group(os.path.join(d, 'tczyx.ome.zarr'), mode='w')
g.create_dataset('0', data=a, chunks=(1, 2, 1, 32, 64), compressor=Blosc(cname='lz4'))
g.attrs['multiscales'] = [{'version': '0.4', 'axes': [{'name': 't', 'type': 'time'}, {'name': 'c', 'type': 'channel'},
    {'name': 'z', 'type': 'space'}, {'name': 'y', 'type': 'space'}, {'name': 'x', 'type': 'space'}],
    'datasets': [{'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1.0, 1.0, 2.0, 0.5, 0.5]}]}]}]
tifffile.imwrite(os.path.join(d, 'tzcyx.tif'), a.transpose(0, 2, 1, 3, 4), imagej=True, metadata={'axes': 'TZCYX'})
)"));
  const std::string model = (source_dir() / "tests/data/models/laplace2d_tiny").string();
  for (const auto& [in, out] : {std::pair{"tzcyx.tif", "from_tif.tif"}, std::pair{"tczyx.ome.zarr", "from_zarr.ome.zarr"},
                                std::pair{"tczyx.ome.zarr", "from_zarr.tif"}}) {
    const CliResult r = run_cli({"run", model, (dir / in).string(), "-o", (dir / out).string(), "--channels", "1", "--quiet", "--threads", "2"});
    EXPECT_EQ(r.exit_code, 0) << in << " -> " << out << ": " << r.err;
  }
  EXPECT_TRUE(python(dir, R"(
ref = tifffile.imread(os.path.join(d, 'from_tif.tif'))
assert ref.shape == (2, 3, 70, 90), ref.shape
assert np.array_equal(tifffile.imread(os.path.join(d, 'from_zarr.tif')), ref)
g = zarr.open_group(os.path.join(d, 'from_zarr.ome.zarr'), mode='r')
ms = g.attrs['multiscales'][0]
assert [a['name'] for a in ms['axes']] == ['t', 'c', 'z', 'y', 'x'], ms['axes']
assert ms['datasets'][0]['coordinateTransformations'][0]['scale'] == [1.0, 1.0, 2.0, 0.5, 0.5], ms['datasets']
assert g['0'].shape == (2, 1, 3, 70, 90), g['0'].shape
assert np.array_equal(g['0'][:, 0], ref)
)"));
}

// The planner counts what an OME-Zarr output holds (a partly filled chunk row per pyramid level, per
// output channel, as float32): the predicted buffers of `--plan` grow by exactly that over a TIFF output.
TEST(OmeZarrRun, ThePlanCountsTheChunkRowsTheOutputHolds) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const fs::path image = realdata() / "images/stardist_testdata/img2d.tif";
  const std::string model = (source_dir() / "tests/data/models/laplace2d_tiny").string();
  const auto buffers = [&](const std::string& out, const std::string& levels) {
    const CliResult r = run_cli({"run", model, image.string(), "-o", out, "--plan", "--json", "--pyramid-levels", levels});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["memory"]["predicted"]["buffers_bytes"].get<std::int64_t>();
  };
  const std::int64_t tif = buffers("out.tif", "1");
  const Shape shape = io::open_image(image)->info().shape;  // 512 x 512: two levels, 512 and 256
  ASSERT_EQ(shape, (Shape{512, 512}));
  EXPECT_EQ(buffers("out.ome.zarr", "1") - tif, io::ome_zarr_values_held(512, 512, 1) * 4);
  EXPECT_EQ(buffers("out.ome.zarr", "9") - tif, io::ome_zarr_values_held(512, 512, 9) * 4);
  EXPECT_EQ(buffers("out.ome.zarr", "0"), buffers("out.ome.zarr", "1"));  // 0, like 1: full resolution only
  EXPECT_EQ(io::ome_zarr_values_held(512, 512, 2), 256 * 512 + 256 * 256);
}

TEST(OmeZarrRun, ABrokenInputIsOneLineAndLeavesNoOutput) {
  DEEPIMAGE_REQUIRE_REALDATA();
  if (!have_zarr()) GTEST_SKIP() << "needs /usr/bin/python3 with zarr, numcodecs and tifffile";
  TempDir dir;
  ASSERT_TRUE(python(dir, "g = zarr.open_group(os.path.join(d, 'in.ome.zarr'), mode='w')\n"
                          "g.create_dataset('0', data=np.ones((300, 300), 'u1'), chunks=(128, 128), compressor=Blosc(cname='lz4'))\n"
                          "g.attrs['multiscales'] = [{'version': '0.4', 'axes': ['y', 'x'], 'datasets': [{'path': '0'}]}]\n"
                          "p = os.path.join(d, 'in.ome.zarr', '0', '2.1')\n"
                          "b = open(p, 'rb').read(); open(p, 'wb').write(b[:20])\n"));
  const CliResult r = run_cli({"run", (realdata() / "unet2d_nuclei_broad").string(), (dir / "in.ome.zarr").string(), "-o",
                               (dir / "out.ome.zarr").string(), "--quiet"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(line_count(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("in.ome.zarr/0/2.1\": blosc chunk says"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "out.ome.zarr"));
  for (const auto& e : fs::directory_iterator(dir.path()))
    EXPECT_TRUE(e.path().filename() == "in.ome.zarr" || e.path().filename() == "script.py") << e.path();
}

}  // namespace
}  // namespace deepimage::testing
