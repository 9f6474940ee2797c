#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "io/npy.hpp"
#include "io/tiff.hpp"
#include "hand_tiff.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::fixture;
using testing::same_values;
using testing::HandTiffPage;
using testing::throws_error;
using testing::write_hand_tiff;

// Each fixture NAME.tif has NAME.npy with the values numpy/tifffile wrote; the axes our reader must
// report are the name's first word (see tests/data/io/make_fixtures.py).
class TiffFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(TiffFixture, MatchesNumpyValuesAndAxes) {
  const std::string name = GetParam();
  const Image image = read_tiff(fixture(name + ".tif"));
  Tensor expected = read_npy(fixture(name + ".npy"));
  expected.set_axes(name.substr(0, name.find('_')));
  EXPECT_EQ(image.pixels.axes(), expected.axes());
  EXPECT_TRUE(same_values(image.pixels, expected));
}


// Region reads: rows [y0, y1) of every page equal those rows of the whole read, for strips of any
// height, tiles, planar-separate samples, compression and bilevel pixels.
TEST_P(TiffFixture, RowReadsEqualTheRowsOfTheWholeImage) {
  const std::string name = GetParam();
  const TiffPages pages(fixture(name + ".tif"));
  const Tensor whole = pages.read(0, pages.page_count());  // [page][sample][y][x]
  const std::int64_t n = whole.shape()[0], samples = whole.shape()[1], h = whole.shape()[2], w = whole.shape()[3];
  const std::size_t es = dtype_size(whole.dtype());
  for (const auto& [y0, y1] : std::vector<std::pair<std::int64_t, std::int64_t>>{{0, h}, {0, 1}, {h - 1, h}, {h / 3, h / 3 + 5}, {1, h - 2}}) {
    if (y1 <= y0 || y1 > h || y0 < 0) continue;
    SCOPED_TRACE(std::to_string(y0) + ".." + std::to_string(y1));
    const Tensor rows = pages.read_rows(0, n, y0, y1);
    ASSERT_EQ(rows.shape(), (Shape{n, samples, y1 - y0, w}));
    std::int64_t differing = 0;
    for (std::int64_t k = 0; k < n * samples; ++k)
      for (std::int64_t y = y0; y < y1; ++y)
        differing += std::memcmp(rows.bytes() + ((k * (y1 - y0) + (y - y0)) * w) * static_cast<std::int64_t>(es),
                                 whole.bytes() + ((k * h + y) * w) * static_cast<std::int64_t>(es), static_cast<std::size_t>(w) * es) != 0;
    EXPECT_EQ(differing, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, TiffFixture,
    ::testing::Values("yx_uint8_12x10", "yx_int8_12x10", "yx_uint16_12x10", "yx_int16_12x10", "yx_uint32_12x10",
                      "yx_int32_12x10", "yx_uint64_12x10", "yx_int64_12x10", "yx_float32_12x10",
                      "yx_float64_12x10", "cyx_u16_2x24x32_imagej", "tzcyx_u8_3x4x2x16x20_imagej",
                      "tyx_f32_3x16x20_imagej", "zyx_u16_5x16x20_pages", "cyx_u8_rgb_contig_3x24x32",
                      "cyx_u16_rgb_separate_3x24x32", "yx_u16_tiled_40x56", "cyx_f32_rgb_tiled_3x20x28",
                      "yx_u16_deflate_24x32", "yx_u16_deflate_predictor_24x32", "yx_u16_lzw_24x32",
                      "yx_u8_packbits_20x32", "yx_u8_no_compression_tag_18x22", "yx_i16_bigendian_24x32",
                      "yx_u8_bilevel_19x21", "zyx_u16_bigtiff_3x8x10", "zcyx_u16_ome_2x3x16x20",
                      "czyx_f32_ome_3x2x16x20", "tcyx_u8_ome_rgb_4x3x16x20", "zcyx_u16_shaped_3x2x16x20",
                      "zcyx_u8_shaped_planar_2x3x16x20"));

// The calibration make_fixtures.py wrote: resolution (1/0.5, 1/0.25), spacing 2, finterval 0.125.
TEST(TiffRead, ImageJCalibration) {
  const Image image = read_tiff(fixture("tzcyx_u8_3x4x2x16x20_imagej.tif"));
  ASSERT_TRUE(image.calibration.has_value());
  EXPECT_EQ(image.calibration->unit, "micron");
  EXPECT_DOUBLE_EQ(image.calibration->x, 0.5);
  EXPECT_DOUBLE_EQ(image.calibration->y, 0.25);
  EXPECT_DOUBLE_EQ(image.calibration->z, 2.0);
  EXPECT_DOUBLE_EQ(image.calibration->frame_interval, 0.125);
}

TEST(TiffRead, NoCalibrationWithoutPhysicalUnits) {
  EXPECT_FALSE(read_tiff(fixture("yx_uint8_12x10.tif")).calibration.has_value());
  EXPECT_FALSE(read_tiff(fixture("cyx_u16_2x24x32_imagej.tif")).calibration.has_value());
}

TEST(TiffRead, RejectsPagesOfDifferentSizes) {
  EXPECT_TRUE(throws_error([] { read_tiff(fixture("broken_pages_of_two_sizes.tif")); }, ErrorCode::unsupported,
                           "page 2 is 9x8"));
}

TEST(TiffRead, RejectsImageJMetadataThatDoesNotMatchThePages) {
  EXPECT_TRUE(throws_error([] { read_tiff(fixture("broken_imagej_4_slices_in_3_pages.tif")); },
                           ErrorCode::unsupported, "has 3 pages but its ImageJ metadata says 1 channels x 4 slices"));
}

TEST(TiffRead, RejectsANonTiffFileNamingIt) {
  EXPECT_TRUE(throws_error([] { read_tiff(fixture("broken_not_a_tiff.tif")); }, ErrorCode::io,
                           "broken_not_a_tiff.tif\""));
}

// Copies the first `keep` bytes of a fixture into the scratch folder.
std::filesystem::path truncated_copy(const testing::ScratchDir& dir, const std::string& name, double keep) {
  std::ifstream in(fixture(name), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(static_cast<std::size_t>(static_cast<double>(bytes.size()) * keep));
  const auto out = dir / ("truncated_" + name);
  std::ofstream(out, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return out;
}

TEST(TiffRead, TruncatedFilesGiveIoErrorsNamingTheFile) {
  testing::ScratchDir dir;
  // tifffile writes the directory first, so these cut into the pixel data.
  for (const char* name : {"yx_u16_deflate_24x32.tif", "yx_float64_12x10.tif", "yx_u16_tiled_40x56.tif",
                           "tzcyx_u8_3x4x2x16x20_imagej.tif", "yx_u16_lzw_24x32.tif"}) {
    const auto path = truncated_copy(dir, name, 0.6);
    EXPECT_TRUE(throws_error([&] { read_tiff(path); }, ErrorCode::io, path.filename().string())) << name;
  }
  const auto header_only = truncated_copy(dir, "yx_uint8_12x10.tif", 0.05);
  EXPECT_TRUE(throws_error([&] { read_tiff(header_only); }, ErrorCode::io, "truncated_yx_uint8_12x10.tif"));
}

// (2^62 + 1) x (2^62 + 3) is 3 modulo 2^64: wrapping arithmetic would accept these counts for 3 pages
// and then divide by a slice count of 0.
TEST(TiffRead, RejectsImageJCountsWhoseProductOverflowsToThePageCount) {
  testing::ScratchDir dir;
  HandTiffPage page{.width = 2, .height = 2, .pixels = std::vector<std::uint8_t>(4, 1)};
  std::vector<HandTiffPage> pages(3, page);
  pages[0].description = "ImageJ=1.53t\nimages=3\nchannels=4611686018427387905\nslices=4611686018427387907\n";
  write_hand_tiff(dir / "overflow.tif", pages);
  EXPECT_TRUE(throws_error([&] { read_tiff(dir / "overflow.tif"); }, ErrorCode::unsupported,
                           "has 3 pages but its ImageJ metadata says 4611686018427387905 channels x "
                           "4611686018427387907 slices"));
  // A count that is not a positive integer is ignored as ImageJ ignores it: 3 plain slices.
  pages[0].description = "ImageJ=1.53t\nimages=3\nchannels=0\nslices=3\n";
  write_hand_tiff(dir / "zero.tif", pages);
  EXPECT_EQ(read_tiff(dir / "zero.tif").pixels.shape(), (Shape{3, 2, 2}));
}

// A 5 KB file declaring TileLength 167772176 must not cost gigabytes before its one tile is read.
TEST(TiffRead, RejectsTilesFarLargerThanThePage) {
  testing::ScratchDir dir;
  write_hand_tiff(dir / "long_tile.tif",
                  {{.width = 16, .height = 16, .pixels = std::vector<std::uint8_t>(4096), .tile = {{16, 167772176}}}});
  EXPECT_TRUE(throws_error([&] { read_tiff(dir / "long_tile.tif"); }, ErrorCode::io,
                           "long_tile.tif\" declares tiles of 16x167772176 pixels (2684354816 bytes) on page 1"));
  // A tile that overhangs a small page, as writers with a fixed tile size make, is fine.
  std::vector<std::uint8_t> tile(64 * 64);
  for (std::size_t i = 0; i < tile.size(); ++i) tile[i] = static_cast<std::uint8_t>(i % 64 + i / 64);
  write_hand_tiff(dir / "overhang.tif", {{.width = 5, .height = 3, .pixels = tile, .tile = {{64, 64}}}});
  const Tensor t = read_tiff(dir / "overhang.tif").pixels;
  ASSERT_EQ(t.shape(), (Shape{3, 5}));
  EXPECT_EQ(t.data<std::uint8_t>()[2 * 5 + 4], 2 + 4);
}

TEST(TiffRead, RejectsStacksWhoseByteSizeOverflows) {
  testing::ScratchDir dir;
  // Each page is 2^30 x 2^29 pixels of 8 bytes, 2^62 bytes (libtiff itself refuses a page over 2^63);
  // two of them are 2^63 bytes, one more than int64 holds.
  const HandTiffPage page{.width = 1u << 30, .height = 1u << 29, .bits = 64, .pixels = std::vector<std::uint8_t>(16)};
  write_hand_tiff(dir / "huge.tif", {page, page});
  EXPECT_TRUE(throws_error([&] { TiffPages pages(dir / "huge.tif"); }, ErrorCode::io,
                           "huge.tif\" declares 2 pages of 1073741824x536870912 1 sample(s) of uint64, more than 2^63 bytes"));
}

// Reading page k must not walk the directory chain from page 1 (quadratic: minutes for 20,000 pages).
// Linear, this takes well under a second; the test's TIMEOUT would stop the quadratic version.
TEST(TiffRead, TwentyThousandPagesReadInLinearTime) {
  testing::ScratchDir dir;
  constexpr int kPages = 20000;
  std::vector<HandTiffPage> pages(kPages, HandTiffPage{.width = 2, .height = 1});
  for (int k = 0; k < kPages; ++k)
    pages[static_cast<std::size_t>(k)].pixels = {static_cast<std::uint8_t>(k % 251), static_cast<std::uint8_t>(k / 251)};
  write_hand_tiff(dir / "pages.tif", pages);
  const TiffPages stack(dir / "pages.tif");
  ASSERT_EQ(stack.axes(), "zyx");
  ASSERT_EQ(stack.shape(), (Shape{kPages, 1, 2}));
  const Tensor all = stack.read_image().pixels;
  for (int k = 0; k < kPages; ++k) {
    ASSERT_EQ(all.data<std::uint8_t>()[2 * k], k % 251) << "page " << k;
    ASSERT_EQ(all.data<std::uint8_t>()[2 * k + 1], k / 251) << "page " << k;
  }
  for (int k : {kPages - 1, 0, 12345}) {  // out of order, one page at a time
    const Tensor slice = stack.read_slice("z", k);
    EXPECT_EQ(slice.data<std::uint8_t>()[0], k % 251);
  }
}

}  // namespace
}  // namespace deepimage::io
