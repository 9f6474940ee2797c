// The one list of image formats. To add a format: write its reader/writer (tiff.cpp is the example),
// then add one entry here.
#include "io/image.hpp"
#include "io/npy.hpp"
#include "io/tiff.hpp"

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
  });
  formats.push_back({
      .name = "npy",
      .extensions = {".npy"},
      .read = [](const std::filesystem::path& path) { return Image{read_npy(path), std::nullopt}; },
      .write = [](const Image& image, const std::filesystem::path& path) { write_npy(image.pixels, path); },
      .writable_dtypes = {DType::boolean, DType::u8, DType::i8, DType::u16, DType::i16, DType::u32, DType::i32,
                          DType::u64, DType::i64, DType::f32, DType::f64},
  });
  return formats;
}

}  // namespace

const std::vector<ImageFormat>& image_formats() {
  static const std::vector<ImageFormat> formats = register_builtin_formats();
  return formats;
}

}  // namespace deepimage::io
