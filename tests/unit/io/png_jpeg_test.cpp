// PNG and JPEG inputs (libpng, libjpeg) against the arrays make_fixtures.py wrote (PNG, each also
// checked there against Pillow's decoding) or Pillow decoded (JPEG): values, dtype, and the axes of the
// name's first word, channels in RGB(A) order.
#include <gtest/gtest.h>

#include <fstream>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "io/png_jpeg.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::fixture;
using testing::same_values;
using testing::throws_error;

class PngJpegFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(PngJpegFixture, MatchesTheReferenceArrayAndAxes) {
  const std::string file = GetParam();
  const std::string name = file.substr(0, file.rfind('.'));
  const Image image = read_image(fixture(file));
  Tensor expected = read_npy(fixture(name + ".npy"));
  expected.set_axes(name.substr(0, name.find('_')));
  EXPECT_EQ(image.pixels.axes(), expected.axes());
  EXPECT_TRUE(same_values(image.pixels, expected));
  EXPECT_FALSE(image.calibration.has_value());
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PngJpegFixture,
                         ::testing::Values("yx_u8_png_grey_13x17.png", "yx_u16_png_grey_13x17.png",
                                           "yxc_u8_png_rgb_13x17x3.png", "yxc_u16_png_rgb_13x17x3.png",
                                           "yxc_u8_png_rgba_13x17x4.png", "yxc_u8_png_grey_alpha_13x17x4.png",
                                           "yxc_u16_png_rgba_13x17x4.png", "yxc_u16_png_grey_alpha_13x17x4.png",
                                           "yxc_u8_png_palette_13x17x3.png", "yxc_u8_png_palette_trns_13x17x4.png",
                                           "yx_u8_png_bilevel_13x17.png", "yxc_u8_png_grey_trns_13x17x4.png",
                                           "yx_u8_jpeg_grey_16x24.jpg", "yxc_u8_jpeg_rgb_16x24x3.jpg"));

TEST(PngJpeg, ABrokenFileIsAnErrorNamingIt) {
  EXPECT_TRUE(throws_error([] { read_image(fixture("broken_png_truncated.png")); }, ErrorCode::io,
                           "broken_png_truncated.png\" cannot be decoded: libpng says"));
  // libjpeg would fill the missing rows with grey and only warn.
  EXPECT_TRUE(throws_error([] { read_image(fixture("broken_jpeg_truncated.jpg")); }, ErrorCode::io,
                           "broken_jpeg_truncated.jpg\" cannot be decoded: libjpeg says \"Premature end of JPEG file\""));
}

TEST(PngJpeg, ACmykJpegIsRefusedNamingIt) {
  EXPECT_TRUE(throws_error([] { read_image(fixture("unsupported_jpeg_cmyk_16x24x4.jpg")); }, ErrorCode::unsupported,
                           "unsupported_jpeg_cmyk_16x24x4.jpg\" is a CMYK JPEG (expected grey or RGB"));
}

// The format is told by content: a JPEG named .png reads; a text file named .png is an error.
TEST(PngJpeg, TheFormatIsToldByTheFirstBytes) {
  testing::ScratchDir dir;
  std::filesystem::copy_file(fixture("yx_u8_jpeg_grey_16x24.jpg"), dir / "really_a_jpeg.png");
  EXPECT_TRUE(same_values(read_image(dir / "really_a_jpeg.png").pixels, read_npy(fixture("yx_u8_jpeg_grey_16x24.npy"))));
  std::ofstream(dir / "notes.png") << "just some text, long enough";
  EXPECT_TRUE(throws_error([&] { read_image(dir / "notes.png"); }, ErrorCode::io,
                           "notes.png\" cannot be decoded: not a readable .png image (it starts with neither"));
}

// write_png (a bundle's cover) read back by the reader: the same pixels, grey and RGB.
TEST(PngJpeg, WrittenPngsReadBackUnchanged) {
  testing::ScratchDir dir;
  for (const std::string name : {"yx_u8_png_grey_13x17", "yxc_u8_png_rgb_13x17x3"}) {
    Tensor pixels = read_npy(fixture(name + ".npy"));
    pixels.set_axes(name.substr(0, name.find('_')));
    const auto file = dir / (name + ".png");
    write_png(pixels, file);
    const Tensor back = read_image(file).pixels;
    EXPECT_EQ(back.axes(), pixels.axes()) << name;
    EXPECT_TRUE(same_values(back, pixels)) << name;
  }
}

TEST(PngJpeg, AreReadOnly) {
  testing::ScratchDir dir;
  EXPECT_TRUE(throws_error([&] { write_image(Image{Tensor(DType::u8, {4, 4}, "yx"), std::nullopt}, dir / "out.png"); },
                           ErrorCode::unsupported, "cannot write \"" + (dir / "out.png").string() + "\": png is read only (written formats: .tif, .tiff, .npy, .zarr)"));
  EXPECT_EQ(dir.file_count(), 0u);
}

// The bioimage.io example ships its test input as .npy and as an 8-bit PNG rendering of it: the PNG
// reads as the same picture (one linear map of the .npy's values, within rounding).
TEST(PngJpeg, RealSampleTensorIsARenderingOfTheTestTensor) {
  const auto png = testing::realdata("unet2d_nuclei_broad/test_input.png");
  if (!std::filesystem::exists(png)) GTEST_SKIP() << "../shared/realdata is absent";
  const Tensor image = read_image(png).pixels;
  const Tensor npy = read_npy(testing::realdata("unet2d_nuclei_broad/test_input.npy"));
  ASSERT_EQ(image.axes(), "yx");
  ASSERT_EQ(image.dtype(), DType::u8);
  ASSERT_EQ(image.element_count(), npy.element_count());
  // Least-squares fit png = a * npy + b; every pixel within one grey level of it.
  const auto* p = image.data<std::uint8_t>();
  const auto* v = npy.data<float>();
  const std::int64_t n = image.element_count();
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::int64_t i = 0; i < n; ++i) sx += v[i], sy += p[i], sxx += double(v[i]) * v[i], sxy += double(v[i]) * p[i];
  const double a = (n * sxy - sx * sy) / (n * sxx - sx * sx), b = (sy - a * sx) / n;
  double worst = 0;
  for (std::int64_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(a * v[i] + b - p[i]));
  EXPECT_GT(a, 0.0);
  EXPECT_LT(worst, 1.0);
}

}  // namespace
}  // namespace deepimage::io
