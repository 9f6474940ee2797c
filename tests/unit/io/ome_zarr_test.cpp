// OME-Zarr read and write against Debian's python3-zarr (zarr 2.13, numcodecs): fixtures are written
// by zarr at test time with their numpy values beside them as .npy, and our outputs are read back by
// zarr and compared with numpy in Python.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>

#include "io/box_copy.hpp"
#include "io/npy.hpp"
#include "io/zarr.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::ScratchDir;
using testing::same_values;
namespace fs = std::filesystem;

bool have_zarr() { return std::system("/usr/bin/python3 -c 'import zarr, numcodecs' 2>/dev/null") == 0; }

#define REQUIRE_ZARR() \
  if (!have_zarr()) GTEST_SKIP() << "needs /usr/bin/python3 with zarr and numcodecs (python3-zarr)"

// Runs `script` with the scratch folder as sys.argv[1]; true when it exits 0.
bool python(const ScratchDir& dir, const std::string& script) {
  std::ofstream(dir / "script.py") << "import sys, os, json, numpy as np, zarr, numcodecs\nd = sys.argv[1]\n" << script;
  return std::system(("/usr/bin/python3 " + (dir / "script.py").string() + " " + dir.path().string()).c_str()) == 0;
}

// Python: write array `a` as OME-Zarr image `name` (level 0 at "0") with axes and compressor, and a.npy beside.
const char* kWriteOmeZarr = R"(
def ome(name, a, axes, chunks, compressor=None, scale=None, units=None, fill_value=0, order='C', sep='.', store_all=True):
    root = zarr.open_group(os.path.join(d, name), mode='w')
    z = root.create_dataset('0', shape=a.shape, chunks=chunks, dtype=a.dtype, compressor=compressor,
                            fill_value=fill_value, order=order, dimension_separator=sep)
    if store_all:
        z[...] = a
    axis_list = []
    for i, n in enumerate(axes):
        ax = {'name': n, 'type': {'t': 'time', 'c': 'channel'}.get(n, 'space')}
        if units and units[i]: ax['unit'] = units[i]
        axis_list.append(ax)
    root.attrs['multiscales'] = [{'version': '0.4', 'axes': axis_list, 'datasets': [
        {'path': '0', 'coordinateTransformations': [{'type': 'scale', 'scale': scale or [1.0] * a.ndim}]}]}]
    np.save(os.path.join(d, name + '.npy'), z[...])
)";

// Random boxes of `source` equal the same boxes cut from `whole`.
void expect_boxes_match(const ImageSource& source, const Tensor& whole, int count) {
  std::mt19937 rng(11);
  const Shape& shape = source.info().shape;
  for (int i = 0; i < count; ++i) {
    Box box;
    for (std::int64_t n : shape) {
      const std::int64_t a = std::uniform_int_distribution<std::int64_t>(0, n - 1)(rng);
      const std::int64_t b = std::uniform_int_distribution<std::int64_t>(0, n - 1)(rng);
      box.begin.push_back(std::min(a, b));
      box.end.push_back(std::max(a, b) + 1);
    }
    Tensor expected(whole.dtype(), box.shape());
    copy_box_out(whole.bytes(), whole.shape(), strides_of(whole.shape()), dtype_size(whole.dtype()), box, expected.bytes());
    Tensor got = source.read(box);
    got.reshape(got.shape(), "");
    EXPECT_TRUE(same_values(got, expected)) << source.path() << " box " << box.to_string();
  }
}

TEST(OmeZarr, ReadsEveryDtypeCompressorOrderAndSeparatorAsZarrWroteThem) {
  REQUIRE_ZARR();
  ScratchDir dir;
  ASSERT_TRUE(python(dir, std::string(kWriteOmeZarr) + R"(
from numcodecs import Blosc, Zlib, GZip
r = np.random.default_rng(3)
compressors = {'none': None, 'zlib': Zlib(level=4), 'gzip': GZip(level=2),
               'blosc_lz4': Blosc(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE),
               'blosc_zstd': Blosc(cname='zstd', clevel=3, shuffle=Blosc.BITSHUFFLE),
               'blosc_zlib': Blosc(cname='zlib', clevel=1, shuffle=Blosc.NOSHUFFLE),
               'blosc_blosclz': Blosc(cname='blosclz', clevel=9, shuffle=Blosc.SHUFFLE)}
for dt in ['<u1', '<i1', '<u2', '<i2', '<u4', '<i4', '<u8', '<i8', '<f4', '<f8', '>u2', '>f4', '|b1']:
    a = (r.standard_normal((3, 37, 29)) * 1000).astype(dt)
    for cname, c in compressors.items():
        name = 'x_%s_%s.ome.zarr' % (dt[1:] + ('be' if dt[0] == '>' else ''), cname)
        ome(name, a, 'cyx', (2, 16, 10), compressor=c)
a = r.integers(0, 60000, (2, 3, 33, 21)).astype('<u2')
ome('f_order.ome.zarr', a, 'czyx', (1, 2, 8, 16), compressor=Blosc(cname='lz4'), order='F')
ome('nested.ome.zarr', a, 'czyx', (2, 2, 5, 7), compressor=Zlib(), sep='/')
)"));
  int arrays = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().extension() != ".zarr") continue;
    ++arrays;
    const Tensor expected = read_npy(e.path().string() + ".npy");
    const auto source = open_image(e.path());
    EXPECT_EQ(source->info().dtype, expected.dtype()) << e.path();
    Tensor whole = read_image(e.path()).pixels;
    EXPECT_EQ(whole.axes(), expected.rank() == 3 ? "cyx" : "czyx");
    whole.reshape(whole.shape(), "");
    EXPECT_TRUE(same_values(whole, expected)) << e.path();
    expect_boxes_match(*source, expected, 12);
  }
  EXPECT_EQ(arrays, 13 * 7 + 2);
}

TEST(OmeZarr, MissingChunksHoldTheFillValue) {
  REQUIRE_ZARR();
  ScratchDir dir;
  ASSERT_TRUE(python(dir, std::string(kWriteOmeZarr) + R"(
for dt, fill in [('<u2', 7), ('<f4', 'nan'), ('<f4', -2.5), ('<i2', -3)]:
    name = 'fill_%s_%s.ome.zarr' % (dt[1:], fill)
    ome(name, np.zeros((40, 30), dt), 'yx', (16, 16), fill_value=float(fill) if dt == '<f4' else fill, store_all=False)
    z = zarr.open_group(os.path.join(d, name))['0']
    z[3:20, 10:30] = np.arange(17 * 20).reshape(17, 20).astype(dt)   # touches 4 of 6 chunks
    np.save(os.path.join(d, name + '.npy'), z[...])
    assert len([f for f in os.listdir(os.path.join(d, name, '0')) if not f.startswith('.')]) == 4
)"));
  int arrays = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().extension() != ".zarr") continue;
    ++arrays;
    const Tensor expected = read_npy(e.path().string() + ".npy");
    Tensor got = read_image(e.path()).pixels;
    got.reshape(got.shape(), "");
    EXPECT_TRUE(same_values(got, expected)) << e.path();  // NaN fill: the same bits
  }
  EXPECT_EQ(arrays, 4);
}

TEST(OmeZarr, AxesScaleAndUnitsBecomeAxesAndPixelSize) {
  REQUIRE_ZARR();
  ScratchDir dir;
  ASSERT_TRUE(python(dir, std::string(kWriteOmeZarr) + R"(
a = np.zeros((1, 2, 1, 30, 40), '<u1')
ome('tczyx.ome.zarr', a, 'tczyx', (1, 1, 1, 16, 16), scale=[1.0, 1.0, 2.0, 0.5, 0.25],
    units=['second', None, 'micrometer', 'micrometer', 'micrometer'])
)"));
  const auto source = open_image(dir / "tczyx.ome.zarr");
  EXPECT_EQ(source->info().axes, "cyx");  // size-1 t and z dropped, as every reader does
  EXPECT_EQ(source->info().shape, (Shape{2, 30, 40}));
  ASSERT_TRUE(source->info().calibration);
  EXPECT_EQ(source->info().calibration->x, 0.25);
  EXPECT_EQ(source->info().calibration->y, 0.5);
  EXPECT_EQ(source->info().calibration->z, 2.0);
  EXPECT_EQ(source->info().calibration->unit, "micron");
}

// A box decodes only the chunks it overlaps: chunks elsewhere are garbage, yet the box reads right.
TEST(OmeZarr, ABoxReadsOnlyTheChunksItOverlaps) {
  REQUIRE_ZARR();
  ScratchDir dir;
  ASSERT_TRUE(python(dir, std::string(kWriteOmeZarr) + R"(
from numcodecs import Blosc
a = np.arange(64 * 96, dtype='<u2').reshape(64, 96)
ome('garbled.ome.zarr', a, 'yx', (32, 32), compressor=Blosc(cname='lz4'))
for key in ['1.0', '1.1', '1.2', '0.2']:   # all but chunk 0.0 and 0.1
    open(os.path.join(d, 'garbled.ome.zarr', '0', key), 'wb').write(b'not blosc at all, not at all')
)"));
  const auto source = open_image(dir / "garbled.ome.zarr");
  const Tensor expected = read_npy(dir / "garbled.ome.zarr.npy");
  const Box box{{3, 5}, {30, 60}};  // inside chunks 0.0 and 0.1
  Tensor want(DType::u16, box.shape());
  copy_box_out(expected.bytes(), expected.shape(), strides_of(expected.shape()), 2, box, want.bytes());
  Tensor got = source->read(box);
  got.reshape(got.shape(), "");
  EXPECT_TRUE(same_values(got, want));
  EXPECT_THROW(source->read(Box{{3, 5}, {40, 60}}), Error);  // reaches chunk 1.0
}

// Level 0 is the dataset listed first, whatever its path; the other levels are not read.
TEST(OmeZarr, ReadsLevelZeroOfAMultiscalePyramid) {
  REQUIRE_ZARR();
  ScratchDir dir;
  ASSERT_TRUE(python(dir, R"(
root = zarr.open_group(os.path.join(d, 'pyramid.ome.zarr'), mode='w')
a = np.arange(2 * 40 * 60, dtype='<f4').reshape(2, 40, 60)
root.create_dataset('s0', data=a, chunks=(1, 16, 16))
root.create_dataset('s1', data=a[:, ::2, ::2], chunks=(1, 16, 16))
root.attrs['multiscales'] = [{'version': '0.4', 'name': 'p',
    'axes': [{'name': 'c', 'type': 'channel'}, {'name': 'y', 'type': 'space', 'unit': 'nanometer'},
             {'name': 'x', 'type': 'space', 'unit': 'nanometer'}],
    'datasets': [{'path': 's0', 'coordinateTransformations': [{'type': 'scale', 'scale': [1, 3.0, 3.0]}]},
                 {'path': 's1', 'coordinateTransformations': [{'type': 'scale', 'scale': [1, 6.0, 6.0]}]}],
    'coordinateTransformations': [{'type': 'scale', 'scale': [1, 2.0, 1.0]}]}]
np.save(os.path.join(d, 'pyramid.npy'), a)
)"));
  const Image image = read_image(dir / "pyramid.ome.zarr");
  Tensor got = image.pixels;
  EXPECT_EQ(got.axes(), "cyx");
  got.reshape(got.shape(), "");
  EXPECT_TRUE(same_values(got, read_npy(dir / "pyramid.npy")));
  ASSERT_TRUE(image.calibration);
  EXPECT_EQ(image.calibration->y, 6.0);  // level 0's scale times the multiscale's
  EXPECT_EQ(image.calibration->x, 3.0);
  EXPECT_EQ(image.calibration->unit, "nanometer");
}

// Our writer, read back by zarr: values, chunks, compressor and the multiscales metadata.
TEST(OmeZarr, WrittenImagesReadBackInZarrWithTheirAxesAndPixelSize) {
  REQUIRE_ZARR();
  ScratchDir dir;
  std::mt19937 rng(5);
  for (DType dtype : {DType::u8, DType::i8, DType::u16, DType::i16, DType::u32, DType::i32, DType::u64, DType::i64,
                      DType::f32, DType::f64, DType::boolean}) {
    const std::string name = std::string(to_string(dtype)) + ".ome.zarr";
    Tensor values(DType::f64, {3, 300, 270}, "cyx");
    for (std::int64_t i = 0; i < values.element_count(); ++i)
      values.data<double>()[i] = dtype == DType::boolean ? (rng() % 2) : static_cast<double>(rng() % 200);
    const Tensor typed = values.converted(dtype);
    Calibration c;
    c.x = 0.125, c.y = 0.25, c.unit = "micron";
    auto sink = create_image(dir / name, {.shape = typed.shape(), .axes = "cyx", .dtype = dtype, .calibration = c});
    for (std::int64_t y = 0; y < 300; y += 37) {  // bands that straddle chunk rows, as a run writes them
      const Box band{{0, y, 0}, {3, std::min<std::int64_t>(300, y + 37), 270}};
      Tensor part(dtype, band.shape(), "cyx");
      copy_box_out(typed.bytes(), typed.shape(), strides_of(typed.shape()), dtype_size(dtype), band, part.bytes());
      sink->write(band, part);
    }
    EXPECT_FALSE(fs::exists(dir / name));  // nothing under the final name before commit
    sink->commit();
    Tensor plain = typed;
    plain.reshape(plain.shape(), "");
    write_npy(plain, dir / (name + ".npy"));
  }
  EXPECT_TRUE(python(dir, R"(
count = 0
for name in sorted(os.listdir(d)):
    if not name.endswith('.zarr'): continue
    g = zarr.open_group(os.path.join(d, name), mode='r')
    z = g['0']
    expected = np.load(os.path.join(d, name + '.npy'))
    assert z.dtype == expected.dtype, (name, z.dtype)
    assert np.array_equal(z[...], expected), name
    assert z.chunks == (3, 256, 256), z.chunks
    assert z.compressor.codec_id == 'blosc' and z.compressor.cname == 'lz4', z.compressor
    ms = g.attrs['multiscales'][0]
    assert ms['version'] == '0.4'
    assert [a['name'] for a in ms['axes']] == ['c', 'y', 'x']
    assert [a['type'] for a in ms['axes']] == ['channel', 'space', 'space']
    assert ms['axes'][2]['unit'] == 'micrometer'
    assert ms['datasets'][0]['coordinateTransformations'][0]['scale'] == [1.0, 0.25, 0.125], ms
    count += 1
assert count == 11, count
)"));
  // And our reader gives the pixel size back.
  const auto back = open_image(dir / "uint16.ome.zarr");
  ASSERT_TRUE(back->info().calibration);
  EXPECT_EQ(back->info().calibration->x, 0.125);
  EXPECT_EQ(back->info().calibration->unit, "micron");
}

TEST(OmeZarr, AnUncommittedOrIncompleteOutputLeavesNothing) {
  ScratchDir dir;
  const ImageInfo info{.shape = {40, 50}, .axes = "yx", .dtype = DType::u16, .calibration = std::nullopt};
  {
    auto sink = create_image(dir / "a.ome.zarr", info);
    sink->write(Box{{0, 0}, {10, 50}}, Tensor(DType::u16, {10, 50}));
  }
  EXPECT_EQ(dir.file_count(), 0u);
  auto sink = create_image(dir / "b.ome.zarr", info);
  sink->write(Box{{0, 0}, {10, 50}}, Tensor(DType::u16, {10, 50}));
  EXPECT_THROW(sink->commit(), Error);
  EXPECT_EQ(dir.file_count(), 0u);
}

TEST(OmeZarr, OverwritingAnExistingImageReplacesIt) {
  ScratchDir dir;
  Tensor first(DType::u8, {20, 20}, "yx"), second(DType::u8, {5, 7}, "yx");
  second.data<std::uint8_t>()[3] = 9;
  write_image({first, std::nullopt}, dir / "o.ome.zarr");
  auto sink = create_image(dir / "o.ome.zarr", {.shape = {5, 7}, .axes = "yx", .dtype = DType::u8, .calibration = {}});
  sink->write(whole_box({5, 7}), second);
  sink->commit();
  EXPECT_TRUE(same_values(read_image(dir / "o.ome.zarr").pixels, second));
  write_image({first, std::nullopt}, dir / "o.ome.zarr");  // and the whole-image writer too
  EXPECT_TRUE(same_values(read_image(dir / "o.ome.zarr").pixels, first));
  EXPECT_EQ(dir.file_count(), 1u);
}

// One line naming the file and the value, for each way a zarr can be broken.
TEST(OmeZarr, BrokenInputIsAOneLineErrorNamingTheFileAndValue) {
  REQUIRE_ZARR();
  ScratchDir dir;
  ASSERT_TRUE(python(dir, std::string(kWriteOmeZarr) + R"(
from numcodecs import Blosc, Zlib
a = np.arange(64 * 64, dtype='<u2').reshape(64, 64)
for name in ['corrupt_json', 'unknown_compressor', 'bad_dtype', 'huge_chunks']:
    ome(name + '.ome.zarr', a, 'yx', (32, 32), compressor=Blosc(cname='lz4'))
ome('truncated_blosc.ome.zarr', a, 'yx', (32, 32), compressor=Blosc(cname='lz4'))
ome('truncated_zlib.ome.zarr', a, 'yx', (32, 32), compressor=Zlib())
def edit(name, change):
    p = os.path.join(d, name + '.ome.zarr', '0', '.zarray')
    m = json.load(open(p)); change(m); json.dump(m, open(p, 'w'))
edit('unknown_compressor', lambda m: m.update(compressor={'id': 'lzma'}))
edit('bad_dtype', lambda m: m.update(dtype='<c8'))
edit('huge_chunks', lambda m: m.update(chunks=[100000, 100000]))
open(os.path.join(d, 'corrupt_json.ome.zarr', '0', '.zarray'), 'w').write('{"zarr_format": 2, "shape": [64,')
for name in ['truncated_blosc', 'truncated_zlib']:
    p = os.path.join(d, name + '.ome.zarr', '0', '1.0')
    b = open(p, 'rb').read(); open(p, 'wb').write(b[:len(b) // 2])
)"));
  const auto message_of = [&](const std::string& name) -> std::string {
    try {
      read_image(dir / name);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  const std::pair<std::string, std::string> cases[] = {
      {"corrupt_json", "0/.zarray\": not valid JSON"},
      {"unknown_compressor", "0/.zarray\": compressor \"lzma\" is not supported"},
      {"bad_dtype", "0/.zarray\": dtype \"<c8\" is not supported"},
      {"huge_chunks", "0/.zarray\": chunks [100000,100000] hold 20000000000 bytes each, more than the 2 GiB"},
      {"truncated_blosc", "0/1.0\": blosc chunk says"},
      {"truncated_zlib", "0/1.0\": chunk does not decompress to 2048 bytes"},
  };
  for (const auto& [name, expected] : cases) {
    const std::string message = message_of(name + ".ome.zarr");
    EXPECT_NE(message.find(expected), std::string::npos) << message;
    EXPECT_NE(message.find(name + ".ome.zarr"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace deepimage::io
