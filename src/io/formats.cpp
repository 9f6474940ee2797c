// The one list of image formats. To add a format: write its reader/writer and its region access
// (tiff_*.cpp is the example; png_jpeg.cpp the smallest, a reader only, its boxes cut from memory by
// open_in_memory), then add one entry here.
#include "io/image.hpp"
#include "io/memory_source.hpp"
#include "io/npy.hpp"
#if DEEPIMAGE_WITH_PNG_JPEG
#include "io/png_jpeg.hpp"
#endif
#include "io/tiff.hpp"
#include "io/zarr.hpp"

namespace deepimage::io {
namespace {

std::vector<ImageFormat> register_builtin_formats() {
  std::vector<ImageFormat> formats;
  formats.push_back({
      .name = "tiff",
      .extensions = {".tif", ".tiff"},
      .read = read_tiff,
      .write = write_tiff,
      .writable_dtypes = {DType::u8, DType::u16, DType::f32},
      .open = open_tiff,
      .create = create_tiff,
  });
  formats.push_back({
      .name = "npy",
      .extensions = {".npy"},
      .read = [](const std::filesystem::path& path) { return Image{read_npy(path), std::nullopt}; },
      .write = [](const Image& image, const std::filesystem::path& path) { write_npy(image.pixels, path); },
      .writable_dtypes = {DType::boolean, DType::u8, DType::i8, DType::u16, DType::i16, DType::u32, DType::i32,
                          DType::u64, DType::i64, DType::f32, DType::f64},
      .open = open_npy,
      .create = create_npy,
  });
  // A folder, not a file: `image.ome.zarr/` (zarr.hpp).
  formats.push_back({
      .name = "ome-zarr",
      .extensions = {".zarr"},
      .read = read_ome_zarr,
      .write = write_ome_zarr,
      .writable_dtypes = {DType::boolean, DType::u8, DType::i8, DType::u16, DType::i16, DType::u32, DType::i32,
                          DType::u64, DType::i64, DType::f32, DType::f64},
      .open = open_ome_zarr,
      .create = create_ome_zarr,
  });
#if DEEPIMAGE_WITH_PNG_JPEG
  // Read only (no .write): results go to TIFF or .npy, which keep float values and axes.
  // Decoded whole at open: boxes are cut from memory.
  const auto open_decoded = [](const std::filesystem::path& path) { return open_in_memory(path, read_png_jpeg(path)); };
  formats.push_back({.name = "png", .extensions = {".png"}, .read = read_png_jpeg, .write = {}, .writable_dtypes = {},
                     .open = open_decoded, .create = {}});
  formats.push_back({.name = "jpeg", .extensions = {".jpg", ".jpeg"}, .read = read_png_jpeg, .write = {},
                     .writable_dtypes = {}, .open = open_decoded, .create = {}});
#endif
  return formats;
}

}  // namespace

const std::vector<ImageFormat>& image_formats() {
  static const std::vector<ImageFormat> formats = register_builtin_formats();
  return formats;
}

}  // namespace deepimage::io
