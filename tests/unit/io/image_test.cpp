#include <gtest/gtest.h>

#include <fstream>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::fixture;
using testing::same_values;
using testing::throws_error;

TEST(ImageFormats, OneListWithTiffNpyOmeZarrAndThePngJpegReaders) {
  std::vector<std::string> names, read_only;
  for (const auto& f : image_formats()) {
    names.push_back(f.name);
    if (!f.write) read_only.push_back(f.name);
  }
#if DEEPIMAGE_WITH_PNG_JPEG
  EXPECT_EQ(names, (std::vector<std::string>{"tiff", "npy", "ome-zarr", "png", "jpeg"}));
  EXPECT_EQ(read_only, (std::vector<std::string>{"png", "jpeg"}));
  EXPECT_EQ(format_for("x.JPG").name, "jpeg");
#else
  EXPECT_EQ(names, (std::vector<std::string>{"tiff", "npy", "ome-zarr"}));
#endif
}

TEST(ImageFormats, ChosenByExtensionIgnoringCase) {
  EXPECT_EQ(format_for("a/b.tif").name, "tiff");
  EXPECT_EQ(format_for("B.TIFF").name, "tiff");
  EXPECT_EQ(format_for("x.Npy").name, "npy");
  EXPECT_EQ(format_for("cells.ome.zarr").name, "ome-zarr");
  EXPECT_EQ(format_for("cells.ome.zarr/").name, "ome-zarr");  // a folder, as the shell completes it
  EXPECT_TRUE(throws_error([] { format_for("cells.czi"); }, ErrorCode::unsupported,
                           "\"cells.czi\" is not a known image format (known: .tif, .tiff, .npy"));
  EXPECT_TRUE(throws_error([] { format_for("noextension"); }, ErrorCode::unsupported, "\"noextension\""));
}

TEST(ReadImage, MissingFileIsNotFound) {
  EXPECT_TRUE(throws_error([] { read_image("/nonexistent/cells.tif"); }, ErrorCode::not_found,
                           "\"/nonexistent/cells.tif\""));
}

TEST(ReadImage, DispatchesOnExtension) {
  const Image tif = read_image(fixture("cyx_u16_2x24x32_imagej.tif"));
  EXPECT_EQ(tif.pixels.axes(), "cyx");
  const Image npy = read_image(fixture("npy_v1_f4_3x4x5.npy"));
  EXPECT_TRUE(npy.pixels.axes().empty());
  EXPECT_TRUE(same_values(npy.pixels, read_npy(fixture("npy_v1_f4_3x4x5.npy"))));
}

TEST(WriteImage, ConvertsUnwritableDtypesToFloat32) {
  testing::ScratchDir dir;
  Tensor t(DType::i16, {3, 4}, "yx");
  for (int i = 0; i < 12; ++i) t.data<std::int16_t>()[i] = static_cast<std::int16_t>(-1000 * i);
  write_image(Image{t, std::nullopt}, dir / "out.tif");
  const Image back = read_image(dir / "out.tif");
  ASSERT_EQ(back.pixels.dtype(), DType::f32);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(back.pixels.data<float>()[i], -1000.0f * static_cast<float>(i));
  EXPECT_EQ(dir.file_count(), 1u);  // no temporary file left beside it

  write_image(Image{t, std::nullopt}, dir / "out.npy");  // .npy keeps every dtype
  EXPECT_TRUE(same_values(read_npy(dir / "out.npy"), t));
}

TEST(WriteImage, ReplacesAnExistingFile) {
  testing::ScratchDir dir;
  std::ofstream(dir / "out.tif") << "old content";
  const Tensor t(DType::u8, {3, 4}, "yx");
  write_image(Image{t, std::nullopt}, dir / "out.tif");
  EXPECT_TRUE(same_values(read_image(dir / "out.tif").pixels, t));
  EXPECT_EQ(dir.file_count(), 1u);
}

TEST(WriteImage, FailuresLeaveNoFileBehind) {
  testing::ScratchDir dir;
  const Tensor t(DType::u8, {3, 4}, "yx");
  EXPECT_TRUE(throws_error([&] { write_image(Image{t, std::nullopt}, dir / "missing" / "out.tif"); },
                           ErrorCode::not_found, "missing"));
  // The writer refuses the tensor; its message names the target, not the temporary file.
  EXPECT_TRUE(throws_error([&] { write_image(Image{Tensor(DType::u8, {2, 3, 4}, "byx"), std::nullopt}, dir / "b.tif"); },
                           ErrorCode::invalid_argument, "TIFF \"" + (dir / "b.tif").string() + "\""));
  EXPECT_EQ(dir.file_count(), 0u);
  // The rename fails after the temporary file was written: the target is a non-empty folder.
  std::filesystem::create_directories(dir / "taken.tif" / "inside");
  EXPECT_TRUE(throws_error([&] { write_image(Image{t, std::nullopt}, dir / "taken.tif"); }, ErrorCode::io,
                           "taken.tif"));
  EXPECT_EQ(dir.file_count(), 1u);  // only the folder that was there
  EXPECT_TRUE(std::filesystem::is_directory(dir / "taken.tif"));
  EXPECT_TRUE(throws_error([&] { write_image(Image{t, std::nullopt}, dir / "out.czi"); }, ErrorCode::unsupported,
                           "out.czi"));
  EXPECT_EQ(dir.file_count(), 1u);
}

}  // namespace
}  // namespace deepimage::io
