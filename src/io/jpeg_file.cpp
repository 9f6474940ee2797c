// JPEG through libjpeg (Debian's libjpeg62-turbo), decoding to grey or RGB.
//
// libjpeg reports errors by calling error_exit, which must not return: we longjmp. As in png_file.cpp,
// the functions that call setjmp hold only plain C values; the C++ objects live in the caller.
#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

// jpeglib.h needs size_t and FILE declared before it.
#include <jerror.h>
#include <jpeglib.h>

#include "deepimage/error.hpp"
#include "io/png_jpeg.hpp"

namespace deepimage::io {
namespace {

struct JpegErrors {
  jpeg_error_mgr manager;  // first, so that a j_common_ptr's err points to the whole struct
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = "";
};

[[noreturn]] void on_jpeg_error(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

// Warnings are quiet, except a file that ends early: libjpeg would fill the rest with grey and go on,
// and a picture with made-up rows is worse than an error.
void on_jpeg_message(j_common_ptr cinfo, int level) {
  if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_jpeg_error(cinfo);
}

struct JpegLayout {
  JDIMENSION width = 0, height = 0;
  int channels = 0;
  bool cmyk = false;
};

bool create_decompress(jpeg_decompress_struct& cinfo, JpegErrors& errors) {
  if (setjmp(errors.jump)) return false;  // an allocation failure
  jpeg_create_decompress(&cinfo);
  return true;
}

bool read_jpeg_header(jpeg_decompress_struct& cinfo, JpegErrors& errors, std::FILE* file, JpegLayout& layout) {
  if (setjmp(errors.jump)) return false;
  jpeg_stdio_src(&cinfo, file);
  jpeg_read_header(&cinfo, TRUE);
  layout.cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  if (layout.cmyk) return true;
  cinfo.out_color_space = cinfo.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  layout = {cinfo.output_width, cinfo.output_height, cinfo.output_components, false};
  return true;
}

bool read_jpeg_rows(jpeg_decompress_struct& cinfo, JpegErrors& errors, JSAMPLE* pixels, std::size_t row_bytes) {
  if (setjmp(errors.jump)) return false;
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pixels + static_cast<std::size_t>(cinfo.output_scanline) * row_bytes;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  return true;
}

}  // namespace

Image read_jpeg(const std::filesystem::path& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\": " + std::strerror(errno));
  jpeg_decompress_struct cinfo{};
  JpegErrors errors{};
  cinfo.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = on_jpeg_error;
  errors.manager.emit_message = on_jpeg_message;
  const auto destroy = [](jpeg_decompress_struct* c) { jpeg_destroy_decompress(c); };
  const std::unique_ptr<jpeg_decompress_struct, decltype(destroy)> guard(&cinfo, destroy);
  if (!create_decompress(cinfo, errors))
    throw Error(ErrorCode::out_of_memory, "libjpeg could not start reading \"" + path.string() + "\": " + errors.message);

  const auto cannot_decode = [&] {
    return Error(ErrorCode::io, "\"" + path.string() + "\" cannot be decoded: libjpeg says \"" + errors.message +
                                    "\" (a corrupt or truncated JPEG)");
  };
  JpegLayout layout;
  if (!read_jpeg_header(cinfo, errors, file.get(), layout)) throw cannot_decode();
  if (layout.cmyk)
    throw Error(ErrorCode::unsupported, "\"" + path.string() + "\" is a CMYK JPEG (expected grey or RGB; save it as RGB)");
  const auto h = static_cast<std::int64_t>(layout.height), w = static_cast<std::int64_t>(layout.width);
  Tensor pixels = layout.channels == 1 ? Tensor(DType::u8, {h, w}, "yx") : Tensor(DType::u8, {h, w, layout.channels}, "yxc");
  const std::size_t row_bytes = static_cast<std::size_t>(w) * static_cast<std::size_t>(layout.channels);
  if (!read_jpeg_rows(cinfo, errors, reinterpret_cast<JSAMPLE*>(pixels.bytes()), row_bytes)) throw cannot_decode();
  return {std::move(pixels), std::nullopt};
}

}  // namespace deepimage::io
