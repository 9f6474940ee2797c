#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "io/imagej_metadata.hpp"
#include "io/tiff.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::ScratchDir;
using testing::same_values;
using testing::throws_error;

// X/YResolution are stored as 32-bit floats turned into rationals: a pixel size survives to ~1e-7.
constexpr double kResolutionRoundTripRelTol = 1e-6;

Tensor patterned(DType dtype, Shape shape, std::string axes) {
  Tensor t(dtype, std::move(shape), std::move(axes));
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0; i < t.element_count(); ++i)
      p[i] = static_cast<T>(dtype == DType::f32 ? (i * 0.37 - 20.0) : static_cast<double>((i * 7919) % 251));
  });
  return t;
}

// What the reader must give back: the axes in "tzcyx" order, size-1 axes (except y, x) dropped.
Tensor expected_after_round_trip(const Tensor& written) {
  std::string order;
  for (char a : std::string("tzcyx"))
    if (written.axis_index(a) >= 0) order += a;
  Tensor kept = written;
  Shape shape;
  std::string axes;
  for (std::size_t d = 0; d < written.rank(); ++d)
    if (std::string("tzcyx").find(written.axes()[d]) != std::string::npos)
      shape.push_back(written.shape()[d]), axes += written.axes()[d];
  kept.reshape(shape, axes);
  Tensor t = kept.transposed(order);
  Shape out_shape;
  std::string out_axes;
  for (std::size_t d = 0; d < t.rank(); ++d)
    if (t.shape()[d] != 1 || t.axes()[d] == 'y' || t.axes()[d] == 'x')
      out_shape.push_back(t.shape()[d]), out_axes += t.axes()[d];
  t.reshape(out_shape, out_axes);
  return t;
}

struct Layout {
  Shape shape;
  const char* axes;
};

TEST(TiffWrite, RoundTripsEveryDtypeAndLayout) {
  testing::ScratchDir dir;
  const Layout layouts[] = {{{9, 13}, "yx"},           {{3, 9, 13}, "cyx"},       {{4, 9, 13}, "zyx"},
                            {{2, 9, 13}, "tyx"},        {{2, 3, 2, 9, 13}, "tzcyx"}, {{9, 13, 3}, "yxc"},
                            {{13, 9}, "xy"},            {{1, 2, 9, 13}, "bcyx"},    {{2, 3, 9, 13}, "czyx"},
                            {{1, 9, 1, 13}, "zytx"},   {{3, 2, 9, 13}, "ztyx"}};
  int n = 0;
  for (DType dtype : {DType::u8, DType::u16, DType::f32})
    for (const auto& layout : layouts) {
      const Tensor t = patterned(dtype, layout.shape, layout.axes);
      const auto path = dir / ("out" + std::to_string(n++) + ".tif");
      write_tiff(Image{t, std::nullopt}, path);
      const Image back = read_tiff(path);
      const Tensor expected = expected_after_round_trip(t);
      EXPECT_EQ(back.pixels.axes(), expected.axes()) << layout.axes << " " << to_string(dtype);
      EXPECT_TRUE(same_values(back.pixels, expected)) << layout.axes << " " << to_string(dtype);
      EXPECT_FALSE(back.calibration.has_value());
    }
}

std::string file_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(TiffWrite, WritesImageJHyperstackDescription) {
  testing::ScratchDir dir;
  write_tiff(Image{patterned(DType::u16, {2, 4, 3, 5, 6}, "tzcyx"), std::nullopt}, dir / "h.tif");
  EXPECT_NE(file_text(dir / "h.tif")
                .find("ImageJ=1.11a\nimages=24\nchannels=3\nslices=4\nframes=2\nhyperstack=true\nmode=grayscale\n"),
            std::string::npos);

  // Single image: no channels/slices/frames/hyperstack keys (ImageJ reads them as a stack layout).
  write_tiff(Image{patterned(DType::u8, {5, 6}, "yx"), std::nullopt}, dir / "s.tif");
  const std::string single = file_text(dir / "s.tif");
  EXPECT_NE(single.find("ImageJ=1.11a\nimages=1\n"), std::string::npos);
  EXPECT_EQ(single.find("hyperstack"), std::string::npos);
  EXPECT_EQ(single.find("channels="), std::string::npos);

  // Floats carry their display range: values are i * 0.37 - 20 for i in 0..29.
  write_tiff(Image{patterned(DType::f32, {5, 6}, "yx"), std::nullopt}, dir / "f.tif");
  const std::string f = file_text(dir / "f.tif");
  EXPECT_NE(f.find("min=-20.0\n"), std::string::npos);
  EXPECT_NE(f.find("max=" + std::to_string(29 * 0.37f - 20.0f).substr(0, 5)), std::string::npos);
}

TEST(TiffWrite, CalibrationRoundTrips) {
  testing::ScratchDir dir;
  Calibration cal;
  cal.x = 0.325, cal.y = 0.65, cal.z = 1.5, cal.unit = "micron", cal.frame_interval = 2.5;
  write_tiff(Image{patterned(DType::u8, {2, 3, 7, 8}, "tzyx"), cal}, dir / "c.tif");
  const Image back = read_tiff(dir / "c.tif");
  ASSERT_TRUE(back.calibration.has_value());
  EXPECT_EQ(back.calibration->unit, "micron");
  EXPECT_NEAR(back.calibration->x, 0.325, 0.325 * kResolutionRoundTripRelTol);
  EXPECT_NEAR(back.calibration->y, 0.65, 0.65 * kResolutionRoundTripRelTol);
  EXPECT_DOUBLE_EQ(back.calibration->z, 1.5);
  EXPECT_DOUBLE_EQ(back.calibration->frame_interval, 2.5);

  // "µm" is written in ImageJ's ASCII spelling and read back as "micron".
  cal.unit = "\xC2\xB5m";
  write_tiff(Image{patterned(DType::u8, {7, 8}, "yx"), cal}, dir / "u.tif");
  EXPECT_EQ(read_tiff(dir / "u.tif").calibration->unit, "micron");
}

TEST(TiffWrite, RejectsWhatATiffCannotHold) {
  testing::ScratchDir dir;
  EXPECT_TRUE(throws_error([&] { write_tiff(Image{patterned(DType::u8, {2, 5, 6}, "byx"), {}}, dir / "b.tif"); },
                           ErrorCode::invalid_argument, "\"byx\""));
  EXPECT_TRUE(throws_error([&] { write_tiff(Image{patterned(DType::u8, {5, 6}, "zx"), {}}, dir / "z.tif"); },
                           ErrorCode::invalid_argument, "needs \"y\" and \"x\""));
  EXPECT_TRUE(throws_error([&] { write_tiff(Image{Tensor(DType::i16, {5, 6}, "yx"), {}}, dir / "i.tif"); },
                           ErrorCode::unsupported, "int16"));
  EXPECT_EQ(dir.file_count(), 0u);
}

// tifffile, the reference TIFF library of the Python world, must read our hyperstack as ImageJ's.
TEST(TiffWrite, TifffileReadsOurHyperstack) {
  const char* python = "/usr/bin/python3";
  if (!std::filesystem::exists(python) || std::system("/usr/bin/python3 -c 'import tifffile' 2>/dev/null") != 0)
    GTEST_SKIP() << "needs /usr/bin/python3 with numpy and tifffile";
  testing::ScratchDir dir;
  Calibration cal;
  cal.x = 0.5, cal.y = 0.5, cal.z = 3.0, cal.unit = "micron";
  write_tiff(Image{patterned(DType::f32, {2, 3, 2, 5, 6}, "tzcyx"), cal}, dir / "h.tif");
  // Same pattern as patterned(): value i * 0.37 - 20 in float32, C order over t,z,c,y,x.
  const std::string script =
      "import tifffile, numpy as np, sys\n"
      "t = tifffile.TiffFile(sys.argv[1])\n"
      "a = t.asarray()\n"
      "e = (np.arange(2*3*2*5*6) * 0.37 - 20.0).astype(np.float32).reshape(2, 3, 2, 5, 6)\n"
      "m = t.imagej_metadata\n"
      "assert t.series[0].axes == 'TZCYX', t.series[0].axes\n"
      "assert a.dtype == np.float32 and a.shape == e.shape, (a.dtype, a.shape)\n"
      "assert (a == e).all()\n"
      "assert m['images'] == 12 and m['channels'] == 2 and m['slices'] == 3 and m['frames'] == 2, m\n"
      "assert m['unit'] == 'micron' and m['spacing'] == 3.0 and m['hyperstack'], m\n"
      "assert t.pages[0].tags['XResolution'].value == (2, 1), t.pages[0].tags['XResolution'].value\n";
  std::ofstream(dir / "check.py") << script;
  const std::string command = std::string(python) + " " + (dir / "check.py").string() + " " + (dir / "h.tif").string();
  EXPECT_EQ(std::system(command.c_str()), 0) << "tifffile disagrees; see the assertion above";
}

// ImageJ reads an ImageJ TIFF with images=N as N images stored back to back from the first page's
// data, ignoring every other directory (ij.io.TiffDecoder stops at the first when nImages > 1). Read
// the file that way, naively, and it must give every page: the slice-by-slice writer, a multi-channel
// float page set and a stack of 16-bit slices alike.
TEST(TiffWrite, PixelDataIsOneContiguousBlockAsImageJReadsIt) {
  ScratchDir dir;
  for (const auto& [tensor, name] : {std::pair{patterned(DType::f32, {2, 3, 9, 7}, "zcyx"), "f.tif"},
                                     std::pair{patterned(DType::u16, {5, 4, 6}, "tyx"), "u.tif"}}) {
    write_tiff(Image{tensor, std::nullopt}, dir / name);
    TIFF* tif = TIFFOpen((dir / name).c_str(), "r");
    ASSERT_NE(tif, nullptr);
    toff_t* offsets = nullptr;
    ASSERT_TRUE(TIFFGetField(tif, TIFFTAG_STRIPOFFSETS, &offsets));
    const toff_t first = offsets[0];
    TIFFClose(tif);
    std::ifstream file(dir / name, std::ios::binary);
    file.seekg(static_cast<std::streamoff>(first));
    Tensor block(tensor.dtype(), tensor.shape(), tensor.axes());  // pages in czt order = this C order
    file.read(reinterpret_cast<char*>(block.bytes()), static_cast<std::streamsize>(block.byte_count()));
    ASSERT_TRUE(file) << name;
    EXPECT_TRUE(same_values(block, tensor)) << name;
  }
}

// Channel names become ImageJ labels, float channels get their own display ranges, and the time
// unit, frame interval and composite mode go through: what tifffile reads of ImageJ's metadata. The
// stack written slice by slice (as a run on a stack writes it) must carry the same.
TEST(TiffWrite, TifffileReadsOurImageJLabelsRangesAndTime) {
  if (std::system("/usr/bin/python3 -c 'import tifffile' 2>/dev/null") != 0)
    GTEST_SKIP() << "needs /usr/bin/python3 with numpy and tifffile";
  testing::ScratchDir dir;
  Calibration cal;
  cal.spatial = false;
  cal.frame_interval = 2.5, cal.time_unit = "min", cal.display_mode = "composite";
  cal.channel_names = {"nuclei", "membrane \xC2\xB5", "background"};
  // patterned(): value i * 0.37 - 20 over t, c, y, x in C order.
  const Tensor pixels = patterned(DType::f32, {2, 3, 16, 20}, "tcyx");
  write_tiff(Image{pixels, cal}, dir / "whole.tif");
  {
    TiffStackWriter w(dir / "slices.tif", DType::f32, pixels.shape(), "tcyx", cal);
    for (std::int64_t t = 0; t < 2; ++t) {
      Tensor slice(DType::f32, {3, 16, 20}, "cyx");
      std::memcpy(slice.bytes(), pixels.bytes() + t * slice.byte_count(), static_cast<std::size_t>(slice.byte_count()));
      w.append(slice);
    }
    w.finish();
  }
  const std::string script =
      "import tifffile, numpy as np, sys\n"
      "e = (np.arange(2*3*16*20) * 0.37 - 20.0).astype(np.float32).reshape(2, 3, 16, 20)\n"
      "for name in sys.argv[1:]:\n"
      "    t = tifffile.TiffFile(name)\n"
      "    m = t.imagej_metadata\n"
      "    assert (t.asarray() == e).all() and t.series[0].axes == 'TCYX', name\n"
      "    assert m['Labels'] == ['nuclei', 'membrane \\u00b5', 'background'] * 2, m\n"
      "    r = [float(v) for c in range(3) for v in (e[:, c].min(), e[:, c].max())]\n"
      "    assert np.allclose(m['Ranges'], r, rtol=0, atol=1e-4), (m['Ranges'], r)\n"
      "    assert m['mode'] == 'composite' and m['tunit'] == 'min' and m['finterval'] == 2.5, m\n"
      "    assert 'unit' not in m and 'spacing' not in m, m\n";
  std::ofstream(dir / "check.py") << script;
  const std::string command = "/usr/bin/python3 " + (dir / "check.py").string() + " " + (dir / "whole.tif").string() + " " +
                              (dir / "slices.tif").string();
  EXPECT_EQ(std::system(command.c_str()), 0) << "tifffile disagrees; see the assertion above";
  // Our reader keeps what goes on to the next output.
  const Image back = read_tiff(dir / "slices.tif");
  ASSERT_TRUE(back.calibration.has_value());
  EXPECT_FALSE(back.calibration->spatial);
  EXPECT_EQ(back.calibration->time_unit, "min");
  EXPECT_EQ(back.calibration->display_mode, "composite");
  EXPECT_DOUBLE_EQ(back.calibration->frame_interval, 2.5);
}

// Names that do not fit the channels (a model's names for another output) are not written.
TEST(TiffWrite, ChannelNamesOfAnotherCountAreNotLabels) {
  testing::ScratchDir dir;
  const auto cal = with_channel_names(std::nullopt, {"a", "b"});
  write_tiff(Image{patterned(DType::u8, {3, 5, 6}, "cyx"), cal}, dir / "c.tif");
  TIFF* tif = TIFFOpen((dir / "c.tif").c_str(), "r");
  ASSERT_NE(tif, nullptr);
  std::uint32_t count = 0;
  void* data = nullptr;
  EXPECT_FALSE(TIFFGetField(tif, 50839, &count, &data));
  TIFFClose(tif);
  EXPECT_FALSE(read_tiff(dir / "c.tif").calibration.has_value());  // and no spacing=1 calibration appears
}

std::string first_page_description(const std::filesystem::path& path) {
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  const char* text = nullptr;
  std::string description = tif && TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &text) && text ? text : "";
  if (tif) TIFFClose(tif);
  return description;
}

// A plane written a few rows at a time (as a streamed run produces it) reads back whole, across many
// strips, with its float range in the ImageJ description; a stack written slice by slice likewise.
TEST(TiffStackWriter, RowsAndSlicesReadBackAsTheWholeImage) {
  ScratchDir dir;
  // 120000 floats a row: 17 rows fill an 8 MiB strip, so 53 rows make 4 strips.
  const Tensor plane = patterned(DType::f32, {53, 120000}, "yx");
  {
    TiffStackWriter w(dir / "rows.tif", DType::f32, plane.shape(), "yx", std::nullopt);
    const std::size_t row_bytes = 120000 * sizeof(float);
    for (std::int64_t y = 0, n = 1; y < 53; y += n, n = n % 7 + 3) {
      const std::int64_t rows = std::min<std::int64_t>(n, 53 - y);
      Tensor part(DType::f32, {rows, 120000}, "yx");
      std::memcpy(part.bytes(), plane.bytes() + static_cast<std::size_t>(y) * row_bytes, static_cast<std::size_t>(rows) * row_bytes);
      w.append_rows(part);
    }
    w.finish();
  }
  const Image rows = read_tiff(dir / "rows.tif");
  EXPECT_TRUE(same_values(rows.pixels, plane));
  const auto ij = parse_imagej_description(first_page_description(dir / "rows.tif"));
  ASSERT_TRUE(ij && ij->min && ij->max);
  EXPECT_FLOAT_EQ(static_cast<float>(*ij->min), -20.f);
  EXPECT_FLOAT_EQ(static_cast<float>(*ij->max), static_cast<float>((53 * 120000 - 1) * 0.37 - 20.0));

  const Tensor stack = patterned(DType::u16, {4, 2, 9, 11}, "zcyx");
  {
    TiffStackWriter w(dir / "stack.tif", DType::u16, stack.shape(), "zcyx", std::nullopt);
    for (std::int64_t k = 0; k < 4; ++k) {
      Tensor slice(DType::u16, {2, 9, 11}, "cyx");
      std::memcpy(slice.bytes(), stack.bytes() + k * slice.byte_count(), static_cast<std::size_t>(slice.byte_count()));
      w.append(slice);
    }
    w.finish();
  }
  EXPECT_TRUE(same_values(read_tiff(dir / "stack.tif").pixels, stack));
}

}  // namespace
}  // namespace deepimage::io
