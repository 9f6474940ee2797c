// Region reads (open_image -> read(box)) against the whole image: every box equals the same box cut
// from read_image, for every format and fixture, TIFF layouts from tifffile, and .npy in C and Fortran
// order and either byte order.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "io/image_region.hpp"
#include "io/npy.hpp"
#include "io_test_support.hpp"
#include "region_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::fixture;
using testing::naive_cut;
using testing::same_values;
using testing::ScratchDir;
using testing::throws_error;

// Opens `path` both ways and compares header, whole image and `random_boxes` boxes (plus the corners
// and single rows, columns and pixels).
void expect_boxes_match_whole_image(const std::filesystem::path& path, int random_boxes) {
  SCOPED_TRACE(path.filename().string());
  const Image whole = read_image(path);
  const auto source = open_image(path);
  const ImageInfo& info = source->info();
  EXPECT_EQ(info.shape, whole.pixels.shape());
  EXPECT_EQ(info.axes, whole.pixels.axes());
  EXPECT_EQ(info.dtype, whole.pixels.dtype());
  ASSERT_EQ(info.calibration.has_value(), whole.calibration.has_value());
  if (info.calibration) {
    EXPECT_EQ(info.calibration->unit, whole.calibration->unit);
    EXPECT_EQ(info.calibration->x, whole.calibration->x);
    EXPECT_EQ(info.calibration->z, whole.calibration->z);
  }
  const Image all = source->read_all();
  EXPECT_EQ(all.pixels.axes(), whole.pixels.axes());
  EXPECT_TRUE(same_values(all.pixels, whole.pixels));

  const Shape& shape = info.shape;
  std::vector<Box> boxes;
  Box first_pixel{std::vector<std::int64_t>(shape.size(), 0), std::vector<std::int64_t>(shape.size(), 1)};
  Box last_pixel{shape, shape};
  for (auto& b : last_pixel.begin) --b;
  boxes.push_back(first_pixel);
  boxes.push_back(last_pixel);
  std::mt19937 rng(17);
  for (int i = 0; i < random_boxes; ++i) boxes.push_back(testing::random_box(shape, rng));
  for (const Box& box : boxes) {
    const Tensor part = source->read(box);
    EXPECT_EQ(part.axes(), info.axes) << box.to_string();
    EXPECT_TRUE(same_values(part, naive_cut(whole.pixels, box))) << box.to_string();
  }
}

TEST(ImageSource, EveryBoxOfEveryFixtureEqualsTheBoxOfTheWholeImage) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fixture(""))) {
    const auto& path = entry.path();
    const std::string name = path.filename().string();
    if (name.rfind("broken_", 0) == 0 || name.rfind("unsupported_", 0) == 0 || !find_format(path)) continue;
    expect_boxes_match_whole_image(path, 25);
    ++files;
  }
  EXPECT_GT(files, 80);  // 89 without PNG and JPEG
}

// Every box of small .npy files in Fortran order, big endian, both, and bools stored as other bytes.
TEST(ImageSource, EveryBoxOfNpyInFortranOrderAndBigEndian) {
  for (const char* name : {"npy_fortran_f4_3x4x5.npy", "npy_bigendian_f8_3x4x5.npy", "npy_bigendian_u2_fortran_6x7.npy",
                           "npy_bool_5x6.npy", "npy_v3_f4_3x4x5.npy"}) {
    SCOPED_TRACE(name);
    const Tensor whole = read_npy(fixture(name));
    const auto source = open_image(fixture(name));
    EXPECT_EQ(source->info().axes, "");
    const Shape& shape = whole.shape();
    // All boxes: an odometer over (begin, end) pairs per axis.
    std::vector<std::int64_t> begin(shape.size(), 0), end(shape);
    std::int64_t boxes = 0;
    for (bool more = true; more; ++boxes) {
      const Box box{begin, end};
      ASSERT_TRUE(same_values(source->read(box), naive_cut(whole, box))) << box.to_string();
      more = false;
      for (std::size_t d = shape.size(); d-- > 0;) {
        if (end[d] > begin[d] + 1) {
          --end[d];
        } else if (begin[d] + 1 < shape[d]) {
          ++begin[d], end[d] = shape[d];
        } else {
          begin[d] = 0, end[d] = shape[d];
          continue;
        }
        more = true;
        break;
      }
    }
    std::int64_t expected = 1;
    for (const auto n : shape) expected *= n * (n + 1) / 2;
    EXPECT_EQ(boxes, expected);
  }
  // A scalar has one box, of rank 0.
  const auto scalar = open_image(fixture("npy_scalar_f8.npy"));
  EXPECT_TRUE(same_values(scalar->read(Box{}), read_npy(fixture("npy_scalar_f8.npy"))));
}

// TIFF layouts the fixtures lack, from tifffile: a float ImageJ hyperstack in strips of 3 rows, a
// tiled 16-bit stack, and tiled RGB pages, each with an empty first page corner so strips and tiles
// at the edges are partial.
TEST(ImageSource, TifffileStripsAndTilesOfStacks) {
  if (std::system("/usr/bin/python3 -c 'import tifffile' 2>/dev/null") != 0)
    GTEST_SKIP() << "needs /usr/bin/python3 with numpy and tifffile";
  ScratchDir dir;
  const std::string script =
      "import tifffile, numpy as np, sys, os\n"
      "d = sys.argv[1]\n"
      "r = np.random.default_rng(5)\n"
      "a = (r.standard_normal((2, 3, 2, 21, 19)) * 100).astype(np.float32)\n"
      "tifffile.imwrite(os.path.join(d, 'tzcyx_f32_strips.tif'), a, imagej=True, rowsperstrip=3,\n"
      "                 metadata={'axes': 'TZCYX'})\n"
      "b = r.integers(0, 65535, (4, 37, 45), dtype=np.uint16)\n"
      "tifffile.imwrite(os.path.join(d, 'zyx_u16_tiled.tif'), b, tile=(16, 16))\n"
      "c = r.integers(0, 255, (3, 33, 20, 3), dtype=np.uint8)\n"
      "tifffile.imwrite(os.path.join(d, 'zyxc_u8_rgb_tiled.tif'), c, tile=(16, 16), photometric='rgb')\n";
  std::ofstream(dir / "make.py") << script;
  ASSERT_EQ(std::system(("/usr/bin/python3 " + (dir / "make.py").string() + " " + dir.path().string()).c_str()), 0);
  for (const char* name : {"tzcyx_f32_strips.tif", "zyx_u16_tiled.tif", "zyxc_u8_rgb_tiled.tif"})
    expect_boxes_match_whole_image(dir / name, 60);
  EXPECT_EQ(open_image(dir / "tzcyx_f32_strips.tif")->info().axes, "tzcyx");
  EXPECT_EQ(open_image(dir / "zyxc_u8_rgb_tiled.tif")->info().axes, "zcyx");
}

TEST(ImageSource, ABoxOutsideTheImageIsAClearError) {
  const auto source = open_image(fixture("cyx_u16_2x24x32_imagej.tif"));
  const std::string file = fixture("cyx_u16_2x24x32_imagej.tif").string();
  EXPECT_TRUE(throws_error([&] { source->read(Box{{0, 0, 0}, {2, 25, 32}}); }, ErrorCode::invalid_argument,
                           "cannot read box [0:2, 0:25, 0:32] of \"" + file + "\": outside its shape (2, 24, 32)"));
  EXPECT_TRUE(throws_error([&] { source->read(Box{{0, 0}, {2, 24}}); }, ErrorCode::invalid_argument,
                           "box [0:2, 0:24] of \"" + file + "\": outside its shape (2, 24, 32)"));
  EXPECT_TRUE(throws_error([&] { source->read(Box{{1, 5, 0}, {1, 4, 32}}); }, ErrorCode::invalid_argument, "[1:1, 5:4, 0:32]"));
  // An empty box is inside: no pixels.
  EXPECT_EQ(source->read(Box{{1, 5, 0}, {1, 9, 32}}).shape(), (Shape{0, 4, 32}));
  EXPECT_TRUE(throws_error([&] { open_image(fixture("broken_npy_truncated.npy")); }, ErrorCode::io, "truncated"));
  EXPECT_TRUE(throws_error([&] { open_image(fixture("missing.tif")); }, ErrorCode::not_found, "missing.tif"));
}

}  // namespace
}  // namespace deepimage::io
