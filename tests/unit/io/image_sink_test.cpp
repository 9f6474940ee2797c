// Region writes (create_image -> write(box) in any order -> commit) against the whole image: a random
// tensor written in shuffled bands and tiles reads back equal, and as ImageJ reads a TIFF (one
// contiguous block); incomplete or abandoned outputs leave no file.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include <tiffio.h>

#include "io/image_region.hpp"
#include "io/npy.hpp"
#include "io/tiff.hpp"
#include "io_test_support.hpp"
#include "region_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::naive_cut;
using testing::random_tensor;
using testing::same_values;
using testing::ScratchDir;
using testing::shuffled_grid;
using testing::throws_error;

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_boxes(ImageSink& sink, const Tensor& pixels, const std::vector<Box>& boxes) {
  for (const Box& box : boxes) sink.write(box, naive_cut(pixels, box));
}

// ImageJ reads images=N as N pages back to back from the first page's data (see tiff_write_test.cpp).
Tensor read_as_imagej_does(const std::filesystem::path& path, const Tensor& like) {
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  EXPECT_NE(tif, nullptr);
  toff_t* offsets = nullptr;
  TIFFGetField(tif, TIFFTAG_STRIPOFFSETS, &offsets);
  const toff_t first = offsets ? offsets[0] : 0;
  TIFFClose(tif);
  std::ifstream file(path, std::ios::binary);
  file.seekg(static_cast<std::streamoff>(first));
  Tensor block(like.dtype(), like.shape(), like.axes());
  file.read(reinterpret_cast<char*>(block.bytes()), static_cast<std::streamsize>(block.byte_count()));
  return block;
}

struct TiffCase {
  DType dtype;
  Shape shape;
  const char* axes;
  std::vector<std::int64_t> band, tile;  // boxes of rows across every page; tiles of one page
};

TEST(ImageSink, TiffFromShuffledBandsAndTilesEqualsTheImage) {
  ScratchDir dir;
  const TiffCase cases[] = {
      {DType::f32, {2, 3, 2, 17, 19}, "tzcyx", {0, 0, 0, 5, 0}, {1, 1, 1, 4, 6}},
      {DType::u16, {3, 23, 29}, "cyx", {0, 3, 0}, {1, 7, 8}},
      {DType::u8, {4, 9, 11}, "zyx", {0, 2, 0}, {1, 3, 3}},
      {DType::f32, {13, 10}, "yx", {1, 0}, {5, 4}},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.axes);
    const Tensor pixels = random_tensor(c.dtype, c.shape, c.axes, 100 + n);
    Calibration cal;
    cal.x = cal.y = 0.5, cal.unit = "micron";
    const ImageInfo info{c.shape, c.axes, c.dtype, cal};
    for (const auto& step : {c.band, c.tile}) {
      const auto path = dir / ("out" + std::to_string(n++) + ".tif");
      auto sink = create_image(path, info);
      EXPECT_EQ(sink->info().dtype, c.dtype);
      write_boxes(*sink, pixels, shuffled_grid(c.shape, step, 7));
      EXPECT_FALSE(std::filesystem::exists(path));  // only at commit
      sink->commit();
      const Image back = read_image(path);
      EXPECT_EQ(back.pixels.axes(), c.axes);
      EXPECT_TRUE(same_values(back.pixels, pixels));
      ASSERT_TRUE(back.calibration.has_value());
      EXPECT_EQ(back.calibration->unit, "micron");
      EXPECT_TRUE(same_values(read_as_imagej_does(path, pixels), pixels));

      // The same file, byte for byte, as slices appended in order: the layout, the description with
      // its float range and the per-channel ranges do not depend on the order boxes came in.
      const auto ordered = dir / ("ordered" + std::to_string(n) + ".tif");
      TiffStackWriter writer(ordered, c.dtype, c.shape, c.axes, cal);
      Shape slice_shape(c.shape.begin() + 1, c.shape.end());
      for (std::int64_t k = 0; k < c.shape[0]; ++k) {
        Box box{std::vector<std::int64_t>(c.shape.size(), 0), c.shape};
        box.begin[0] = k, box.end[0] = k + 1;
        Tensor slice = naive_cut(pixels, box);
        slice.reshape(slice_shape, std::string(c.axes).substr(1));
        writer.append(slice);
      }
      writer.finish();
      EXPECT_EQ(file_bytes(path), file_bytes(ordered));
    }
  }
  EXPECT_EQ(dir.file_count(), static_cast<std::size_t>(n * 2));  // no temporary file left
}

TEST(ImageSink, NpyFromShuffledTilesEqualsTheImage) {
  ScratchDir dir;
  int n = 0;
  for (DType dtype : {DType::i16, DType::f64, DType::boolean, DType::u8})
    for (const auto& [shape, step] : {std::pair{Shape{5, 7, 9}, std::vector<std::int64_t>{2, 3, 4}},
                                      std::pair{Shape{5, 7, 9}, std::vector<std::int64_t>{1, 2, 0}},
                                      std::pair{Shape{11}, std::vector<std::int64_t>{3}}}) {
      const Tensor pixels = random_tensor(dtype, shape, "", 200 + n);
      const auto path = dir / ("out" + std::to_string(n++) + ".npy");
      auto sink = create_image(path, {shape, "", dtype, std::nullopt});
      write_boxes(*sink, pixels, shuffled_grid(shape, step, 9));
      sink->commit();
      EXPECT_TRUE(same_values(read_image(path).pixels, pixels));
      write_npy(pixels, dir / "whole.npy");
      EXPECT_EQ(file_bytes(path), file_bytes(dir / "whole.npy"));  // what write_npy writes
    }
}

// Types a format cannot store become float32, as write_image makes them.
TEST(ImageSink, TypesTheFormatCannotHoldAreStoredAsFloat32) {
  ScratchDir dir;
  const Tensor pixels = random_tensor(DType::i32, {6, 8}, "yx", 3);
  auto sink = create_image(dir / "i.tif", {{6, 8}, "yx", DType::i32, std::nullopt});
  EXPECT_EQ(sink->info().dtype, DType::f32);
  write_boxes(*sink, pixels, shuffled_grid({6, 8}, {2, 3}, 1));
  sink->commit();
  EXPECT_TRUE(same_values(read_image(dir / "i.tif").pixels, pixels.converted(DType::f32)));
}

TEST(ImageSink, WithoutCommitOrWithAMissingBoxNoFileIsLeft) {
  ScratchDir dir;
  const Tensor pixels = random_tensor(DType::u16, {2, 6, 8}, "cyx", 4);
  for (const char* name : {"a.tif", "a.npy"}) {
    SCOPED_TRACE(name);
    const ImageInfo info{pixels.shape(), "cyx", DType::u16, std::nullopt};
    {
      auto sink = create_image(dir / name, info);
      write_boxes(*sink, pixels, shuffled_grid(pixels.shape(), {1, 3, 0}, 2));
      EXPECT_EQ(dir.file_count(), 1u);  // the temporary file
    }
    EXPECT_EQ(dir.file_count(), 0u);

    auto sink = create_image(dir / name, info);
    auto boxes = shuffled_grid(pixels.shape(), {1, 3, 0}, 2);
    boxes.pop_back();
    write_boxes(*sink, pixels, boxes);
    EXPECT_TRUE(throws_error([&] { sink->commit(); }, ErrorCode::internal, "pixels never written"));
    EXPECT_EQ(dir.file_count(), 0u);
    sink.reset();
    EXPECT_EQ(dir.file_count(), 0u);
  }
}

TEST(ImageSink, BadBoxesAndPixelsAreClearErrors) {
  ScratchDir dir;
  const std::string file = (dir / "out.tif").string();
  auto sink = create_image(dir / "out.tif", {{2, 6, 8}, "cyx", DType::u8, std::nullopt});
  EXPECT_TRUE(throws_error([&] { sink->write(Box{{0, 0, 4}, {2, 6, 9}}, Tensor(DType::u8, {2, 6, 5}, "cyx")); },
                           ErrorCode::invalid_argument,
                           "cannot write box [0:2, 0:6, 4:9] of \"" + file + "\": outside its shape (2, 6, 8)"));
  EXPECT_TRUE(throws_error([&] { sink->write(Box{{0, 0, 0}, {2, 6, 4}}, Tensor(DType::u8, {2, 4, 6}, "cyx")); },
                           ErrorCode::invalid_argument,
                           "cannot write pixels of shape (2, 4, 6) \"cyx\" into box [0:2, 0:6, 0:4] of \"" + file +
                               "\" (shape (2, 6, 8) \"cyx\"): expected shape (2, 6, 4)"));
  EXPECT_TRUE(throws_error([&] { sink->write(Box{{0, 0, 0}, {2, 6, 4}}, Tensor(DType::u8, {2, 6, 4}, "zyx")); },
                           ErrorCode::invalid_argument, "\"zyx\""));
  // A pixel written twice is a bug of the caller's tiling.
  sink->write(Box{{0, 0, 0}, {1, 6, 8}}, Tensor(DType::u8, {1, 6, 8}));
  EXPECT_TRUE(throws_error([&] { sink->write(Box{{0, 2, 0}, {1, 3, 8}}, Tensor(DType::u8, {1, 1, 8})); },
                           ErrorCode::internal, "written twice"));
  // Formats we only read, and outputs a TIFF cannot hold, fail at creation without leaving a file.
  const std::string png = (dir / "out.png").string();
  if (find_format(dir / "out.png")) {
    EXPECT_TRUE(throws_error([&] { create_image(dir / "out.png", {{4, 4}, "yx", DType::u8, std::nullopt}); },
                             ErrorCode::unsupported, "cannot write \"" + png + "\": png is read only"));
  }
  EXPECT_TRUE(throws_error([&] { create_image(dir / "b.tif", {{2, 4, 4}, "byx", DType::u8, std::nullopt}); },
                           ErrorCode::invalid_argument, "\"" + (dir / "b.tif").string() + "\""));
  EXPECT_TRUE(throws_error([&] { create_image(dir / "no" / "b.tif", {{4, 4}, "yx", DType::u8, std::nullopt}); },
                           ErrorCode::not_found, "does not exist"));
  sink.reset();
  EXPECT_EQ(dir.file_count(), 0u);
}

}  // namespace
}  // namespace deepimage::io
