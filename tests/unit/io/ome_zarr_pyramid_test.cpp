// OME-Zarr output in NGFF order with its multiscale pyramid, read back by Debian's python3-zarr: every
// level against a numpy downsampling of the level above, the metadata against the NGFF 0.4 rules.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "io/box_copy.hpp"
#include "io/npy.hpp"
#include "io/zarr.hpp"
#include "io/zarr_array.hpp"
#include "io/zarr_pyramid.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::ScratchDir;
namespace fs = std::filesystem;

bool have_zarr() { return std::system("/usr/bin/python3 -c 'import zarr, numcodecs' 2>/dev/null") == 0; }

#define REQUIRE_ZARR() \
  if (!have_zarr()) GTEST_SKIP() << "needs /usr/bin/python3 with zarr and numcodecs (python3-zarr)"

bool python(const ScratchDir& dir, const std::string& script) {
  std::ofstream(dir / "script.py") << "import sys, os, json, numpy as np, zarr\nd = sys.argv[1]\n" << script;
  return std::system(("/usr/bin/python3 " + (dir / "script.py").string() + " " + dir.path().string()).c_str()) == 0;
}

// Python: the NGFF 0.4 rules for `multiscales` (axes: 2 to 5, names unique, types, time first, then
// channel or one custom axis, then 2 or 3 space axes; every dataset one scale per axis, its array of
// that rank), and the numpy reference of one level from the level above.
const char* kNgff = R"(
def check_ngff(g):
    ms = g.attrs['multiscales']
    assert isinstance(ms, list) and len(ms) >= 1
    m = ms[0]
    assert m['version'] == '0.4'
    axes = m['axes']
    assert 2 <= len(axes) <= 5, axes
    names = [a['name'] for a in axes]
    assert len(set(names)) == len(names), names
    kinds = [a.get('type') for a in axes]
    assert all(k in ('time', 'channel', 'space', None) for k in kinds), kinds
    space = [i for i, k in enumerate(kinds) if k == 'space']
    assert len(space) in (2, 3) and space == list(range(len(axes) - len(space), len(axes))), kinds
    assert kinds.count('time') <= 1 and (kinds.count('time') == 0 or kinds[0] == 'time'), kinds
    assert kinds.count('channel') + kinds.count(None) <= 1, kinds
    assert names[-len(space):] == ['z', 'y', 'x'][3 - len(space):], names
    for a in axes:
        if a.get('type') == 'space' and 'unit' in a:
            assert a['unit'] in ('micrometer', 'nanometer', 'millimeter', 'centimeter', 'meter'), a
    assert len(m['datasets']) >= 1
    for ds in m['datasets']:
        t = ds['coordinateTransformations']
        assert len(t) >= 1 and t[0]['type'] == 'scale', t
        assert len(t[0]['scale']) == len(axes), t
        assert g[ds['path']].ndim == len(axes), ds
    return m

def down(a, mean):
    if not mean:
        return a[..., ::2, ::2]
    h, w = a.shape[-2:]
    pad = [(0, 0)] * (a.ndim - 2) + [(0, h % 2), (0, w % 2)]
    p = np.pad(a.astype(np.float64), pad)
    n = np.pad(np.ones((h, w)), pad[-2:])
    s = p[..., 0::2, 0::2] + p[..., 0::2, 1::2] + p[..., 1::2, 0::2] + p[..., 1::2, 1::2]
    c = n[0::2, 0::2] + n[0::2, 1::2] + n[1::2, 0::2] + n[1::2, 1::2]
    return (s / c).astype(a.dtype)
)";

// `values` written band by band (rows straddling chunk rows, as a run writes them) to `path`.
void write_in_bands(const fs::path& path, const Tensor& values, int pyramid_levels, std::optional<Calibration> c = std::nullopt) {
  auto sink = create_image(path, {.shape = values.shape(), .axes = values.axes(), .dtype = values.dtype(), .calibration = c,
                                  .pyramid_levels = pyramid_levels});
  const int y = values.axis_index('y');
  const std::int64_t h = values.shape()[static_cast<std::size_t>(y)], es = static_cast<std::int64_t>(dtype_size(values.dtype()));
  for (std::int64_t y0 = 0; y0 < h; y0 += 37) {
    Box band = whole_box(values.shape());
    band.begin[static_cast<std::size_t>(y)] = y0;
    band.end[static_cast<std::size_t>(y)] = std::min(h, y0 + 37);
    Tensor part(values.dtype(), band.shape(), values.axes());
    copy_box_out(values.bytes(), values.shape(), strides_of(values.shape()), static_cast<std::size_t>(es), band, part.bytes());
    sink->write(band, part);
  }
  sink->commit();
}

Tensor random_image(DType dtype, const Shape& shape, const std::string& axes, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(100, 30);
  Tensor values(DType::f64, shape, axes);
  for (std::int64_t i = 0; i < values.element_count(); ++i) values.data<double>()[i] = std::max(0.0, normal(rng));
  Tensor typed = values.converted(dtype);
  typed.set_axes(axes);
  return typed;
}

TEST(OmeZarrPyramid, EveryLevelIsTheDownsampledLevelAboveAndTheMetadataFollowsNgff) {
  REQUIRE_ZARR();
  ScratchDir dir;
  Calibration c;
  c.x = 0.5, c.y = 0.25, c.z = 2.0, c.unit = "micron";
  // Odd sizes at every level (700 -> 350 -> 175, 531 -> 266 -> 133), bands of 37 rows.
  const Tensor f32 = random_image(DType::f32, {2, 700, 531}, "cyx", 1), u16 = random_image(DType::u16, {2, 700, 531}, "cyx", 2);
  write_in_bands(dir / "f32.ome.zarr", f32, 0, c);
  write_in_bands(dir / "u16.ome.zarr", u16, 0, c);
  for (const auto& [name, t] : {std::pair{"f32", &f32}, std::pair{"u16", &u16}}) {
    Tensor plain = *t;
    plain.reshape(plain.shape(), "");
    write_npy(plain, dir / (std::string(name) + ".npy"));
  }
  EXPECT_TRUE(python(dir, std::string(kNgff) + R"(
for name, mean in [('f32', True), ('u16', False)]:
    g = zarr.open_group(os.path.join(d, name + '.ome.zarr'), mode='r')
    m = check_ngff(g)
    assert [a['name'] for a in m['axes']] == ['c', 'y', 'x'], m['axes']
    assert [ds['path'] for ds in m['datasets']] == ['0', '1', '2'], m['datasets']
    assert m['type'] == ('local_mean' if mean else 'nearest'), m.get('type')
    level = np.load(os.path.join(d, name + '.npy'))
    for k, ds in enumerate(m['datasets']):
        assert ds['coordinateTransformations'][0]['scale'] == [1.0, 0.25 * 2 ** k, 0.5 * 2 ** k], (k, ds)
        z = g[ds['path']]
        if k > 0:
            level = down(level, mean)
        assert z.shape == level.shape and z.dtype == level.dtype, (name, k, z.shape, level.shape)
        assert z.chunks == (2, min(256, z.shape[1]), min(256, z.shape[2])), z.chunks
        assert np.array_equal(z[...], level), (name, k, np.abs(z[...].astype(float) - level).max())
    assert level.shape[1:] == (175, 133)
)"));
}

TEST(OmeZarrPyramid, TheLevelCountCanBeChosen) {
  REQUIRE_ZARR();
  ScratchDir dir;
  const Tensor image = random_image(DType::u8, {300, 1100}, "yx", 3);
  write_in_bands(dir / "one.ome.zarr", image, 1);
  write_in_bands(dir / "two.ome.zarr", image, 2);
  write_in_bands(dir / "auto.ome.zarr", image, 0);  // 1100 -> 550 -> 275 -> 138: four levels
  write_in_bands(dir / "nine.ome.zarr", image, 9);  // down to 2 x 5, 1 x 3, 1 x 2, 1 x 1
  EXPECT_TRUE(python(dir, std::string(kNgff) + R"(
for name, shapes in [('one', [(300, 1100)]), ('two', [(300, 1100), (150, 550)]),
                     ('auto', [(300, 1100), (150, 550), (75, 275), (38, 138)]),
                     ('nine', [(300, 1100), (150, 550), (75, 275), (38, 138), (19, 69), (10, 35), (5, 18), (3, 9), (2, 5)])]:
    g = zarr.open_group(os.path.join(d, name + '.ome.zarr'), mode='r')
    m = check_ngff(g)
    assert [g[ds['path']].shape for ds in m['datasets']] == shapes, (name, [g[ds['path']].shape for ds in m['datasets']])
    assert sorted(k for k in g.array_keys()) == sorted(str(k) for k in range(len(shapes))), list(g.array_keys())
)"));
  EXPECT_EQ(pyramid_level_count(3, 2, 40), 3);  // 3 x 2, 2 x 1, 1 x 1: no level below one pixel
  EXPECT_EQ(pyramid_level_count(256, 256, 0), 1);
  EXPECT_EQ(pyramid_level_count(257, 3, 0), 2);
}

// A run writes the image's axes ("zcyx" for a 2D model looped over z): stored in NGFF order, with
// the pyramid, and read back by our reader in that order with the same values.
TEST(OmeZarrPyramid, AxesAreStoredInNgffOrder) {
  REQUIRE_ZARR();
  ScratchDir dir;
  const Tensor image = random_image(DType::f32, {3, 2, 300, 40}, "zcyx", 4);
  Calibration c;
  c.z = 3.0, c.unit = "nm";
  write_in_bands(dir / "zcyx.ome.zarr", image, 0, c);
  Tensor plain = image.transposed("czyx");
  plain.reshape(plain.shape(), "");
  write_npy(plain, dir / "czyx.npy");
  EXPECT_TRUE(python(dir, std::string(kNgff) + R"(
g = zarr.open_group(os.path.join(d, 'zcyx.ome.zarr'), mode='r')
m = check_ngff(g)
assert [a['name'] for a in m['axes']] == ['c', 'z', 'y', 'x'], m['axes']
assert m['axes'][1]['unit'] == 'nanometer'
assert m['datasets'][1]['coordinateTransformations'][0]['scale'] == [1.0, 3.0, 2.0, 2.0], m['datasets']
ref = np.load(os.path.join(d, 'czyx.npy'))
assert g['0'].chunks == (2, 1, 256, 40), g['0'].chunks
assert np.array_equal(g['0'][...], ref)
assert np.array_equal(g['1'][...], down(ref, True))
)"));
  const Image back = read_image(dir / "zcyx.ome.zarr");
  EXPECT_EQ(back.pixels.axes(), "czyx");
  EXPECT_TRUE(testing::same_values(back.pixels, image.transposed("czyx")));
  EXPECT_EQ(open_image(dir / "zcyx.ome.zarr")->info().pyramid_levels, 2);
  try {
    create_image(dir / "twice.ome.zarr", {.shape = {2, 3, 4}, .axes = "yyx", .dtype = DType::u8, .calibration = {}});
    ADD_FAILURE() << "axes \"yyx\" accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("axis \"y\" appears twice"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "twice.ome.zarr"));
  EXPECT_EQ(ngff_axis_order("zcyx"), "czyx");
  EXPECT_EQ(ngff_axis_order("yxzct"), "tczyx");
}

// An output written at full resolution alone (as the shards of a sharded run write theirs) gets the
// pyramid afterwards from its level 0: the same levels and metadata as the sink makes on the fly.
TEST(OmeZarrPyramid, AddedAfterwardsEqualsTheOneWrittenOnTheFly) {
  ScratchDir dir;
  Calibration c;
  c.x = 0.5, c.y = 0.25, c.unit = "micron";
  c.channel_names = {"a", "b"};
  const Tensor image = random_image(DType::f32, {2, 3, 700, 531}, "zcyx", 5);
  write_in_bands(dir / "on_the_fly.ome.zarr", image, 0, c);
  write_in_bands(dir / "afterwards.ome.zarr", image, 1, c);
  EXPECT_FALSE(fs::exists(dir / "afterwards.ome.zarr" / "1"));
  add_ome_zarr_pyramid(dir / "afterwards.ome.zarr");
  EXPECT_EQ(read_zarr_json(dir / "afterwards.ome.zarr" / ".zattrs"), read_zarr_json(dir / "on_the_fly.ome.zarr" / ".zattrs"));
  for (const char* level : {"0", "1", "2"}) {
    EXPECT_EQ(read_zarr_json(dir / "afterwards.ome.zarr" / level / ".zarray"), read_zarr_json(dir / "on_the_fly.ome.zarr" / level / ".zarray"));
    EXPECT_TRUE(testing::same_values(open_ome_zarr(dir / "afterwards.ome.zarr" / level)->read_all().pixels,
                                     open_ome_zarr(dir / "on_the_fly.ome.zarr" / level)->read_all().pixels)) << level;
  }
  EXPECT_FALSE(fs::exists(dir / "afterwards.ome.zarr" / "3"));
  try {
    add_ome_zarr_pyramid(dir / "afterwards.ome.zarr");
    ADD_FAILURE() << "a pyramid added twice";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a pyramid is added to level 0 alone"), std::string::npos) << e.what();
  }
}

// What a sink holds while rows arrive in order, by hand: every level's chunk row, as wide as its
// chunks reach.
TEST(OmeZarrPyramid, ValuesHeldAreOneChunkRowPerLevel) {
  // 1000 x 600: level 0 chunk row 256 x 768 (3 chunks), level 1 (500 x 300) 256 x 512, level 2
  // (250 x 150) one chunk 250 x 150.
  EXPECT_EQ(ome_zarr_values_held(1000, 600, 3), 256 * 768 + 256 * 512 + 250 * 150);
  EXPECT_EQ(ome_zarr_values_held(1000, 600, 1), 256 * 768);
  EXPECT_EQ(pyramid_level_count(1000, 600, 0), 3);
}

}  // namespace
}  // namespace deepimage::io
