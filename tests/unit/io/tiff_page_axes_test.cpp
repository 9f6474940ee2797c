// Axes of a TIFF's pages from OME-XML and tifffile's shaped description (ImageJ's are covered by
// tiff_read_test.cpp). Pixel values and axes of the fixtures are checked against what tifffile
// wrote in tiff_read_test.cpp's TiffFixture list; here: slice reads, calibration, the metadata itself.
#include <gtest/gtest.h>

#include "io/npy.hpp"
#include "io/image_region.hpp"
#include "io/tiff.hpp"
#include "io/tiff_page_axes.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::fixture;
using testing::same_values;
using testing::throws_error;

class PageAxesFixture : public ::testing::TestWithParam<const char*> {};

// What the run reads a slice at a time (a box of one index along the first axis) must equal the same
// slice of the whole read.
TEST_P(PageAxesFixture, SliceReadsEqualSlicesOfTheWholeRead) {
  const std::string name = GetParam();
  const auto reader = open_image(fixture(name + ".tif"));
  ASSERT_NE(reader, nullptr);
  const Tensor whole = read_npy(fixture(name + ".npy"));
  EXPECT_EQ(reader->info().axes, name.substr(0, name.find('_')));
  EXPECT_EQ(reader->info().shape, whole.shape());
  const Shape& shape = reader->info().shape;
  const std::int64_t count = whole.shape()[0];
  const std::size_t slice_bytes = whole.byte_count() / static_cast<std::size_t>(count);
  for (std::int64_t k = 0; k < count; ++k) {
    Box box{Shape(shape.size(), 0), shape};
    box.begin[0] = k, box.end[0] = k + 1;
    const Tensor slice = reader->read(box);
    ASSERT_EQ(slice.byte_count(), slice_bytes);
    EXPECT_EQ(std::memcmp(slice.bytes(), whole.bytes() + static_cast<std::size_t>(k) * slice_bytes, slice_bytes), 0) << k;
  }
  EXPECT_TRUE(same_values(reader->read_all().pixels, [&] {
    Tensor t = whole;
    t.set_axes(reader->info().axes);
    return t;
  }()));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PageAxesFixture,
                         ::testing::Values("zcyx_u16_ome_2x3x16x20", "czyx_f32_ome_3x2x16x20", "tcyx_u8_ome_rgb_4x3x16x20",
                                           "zcyx_u16_shaped_3x2x16x20", "zcyx_u8_shaped_planar_2x3x16x20"));

// make_fixtures.py wrote PhysicalSizeX 250 nm, Y 0.5 (microns, OME's default), Z 2, TimeIncrement 1500 ms.
TEST(PageAxes, OmeCalibrationInMicronsAndSeconds) {
  const Image image = read_tiff(fixture("zcyx_u16_ome_2x3x16x20.tif"));
  ASSERT_TRUE(image.calibration.has_value());
  EXPECT_EQ(image.calibration->unit, "micron");
  EXPECT_DOUBLE_EQ(image.calibration->x, 0.25);
  EXPECT_DOUBLE_EQ(image.calibration->y, 0.5);
  EXPECT_DOUBLE_EQ(image.calibration->z, 2.0);
  EXPECT_DOUBLE_EQ(image.calibration->frame_interval, 1.5);
  EXPECT_FALSE(read_tiff(fixture("czyx_f32_ome_3x2x16x20.tif")).calibration.has_value());
}

TEST(PageAxes, OmeDimensionOrderNamesTheFastestAxisFirst) {
  const std::string xml =
      "<?xml version=\"1.0\"?><ome:OME xmlns:ome=\"x\"><ome:Image><ome:Pixels DimensionOrder=\"XYTZC\" SizeC=\"2\" "
      "SizeZ=\"3\" SizeT=\"4\" PhysicalSizeZ=\"0.5\" PhysicalSizeZUnit=\"&#181;m\"/></ome:Image></ome:OME>";
  const PageAxes p = page_axes(xml, 24, 1, "f.tif");
  EXPECT_EQ(p.axes, "czt");
  EXPECT_EQ(p.sizes, (Shape{2, 3, 4}));
  EXPECT_EQ(p.source, "ome");
  ASSERT_TRUE(p.ome_calibration.has_value());
  EXPECT_DOUBLE_EQ(p.ome_calibration->z, 0.5);
  EXPECT_EQ(p.ome_calibration->unit, "micron");
}

TEST(PageAxes, WithoutMetadataPagesAreSlices) {
  const PageAxes p = page_axes("{\"shape\": [5, 8, 8]}", 5, 1, "f.tif");
  EXPECT_EQ(p.axes, "z");
  EXPECT_EQ(p.sizes, (Shape{5}));
  EXPECT_EQ(page_axes("a microscope's note", 5, 1, "f.tif").source, "none");
  // Axes tifffile could not name ("Q") are pages as well.
  EXPECT_EQ(page_axes("{\"shape\": [5, 8, 8], \"axes\": \"QYX\"}", 5, 1, "f.tif").source, "none");
}

TEST(PageAxes, MetadataThatDoesNotMatchThePagesIsAnError) {
  EXPECT_TRUE(throws_error([] { read_tiff(fixture("broken_shaped_4_slices_in_3_pages.tif")); }, ErrorCode::unsupported,
                           "has 3 pages but its tifffile description says shape (4, 8, 8) with axes \"ZYX\""));
  EXPECT_TRUE(throws_error([] { page_axes("<OME><Pixels DimensionOrder=\"XYCZT\" SizeC=\"2\" SizeZ=\"2\"/></OME>", 5, 1, "f.tif"); },
                           ErrorCode::unsupported, "\"f.tif\" has 5 pages but its OME-XML metadata says 2 channels x 2 slices"));
  EXPECT_TRUE(throws_error([] { page_axes("<OME><Pixels DimensionOrder=\"XYZQT\"/></OME>", 1, 1, "f.tif"); },
                           ErrorCode::unsupported, "DimensionOrder \"XYZQT\""));
}

}  // namespace
}  // namespace deepimage::io
