// PNG through libpng's classic interface (its simplified png_image interface converts 16-bit samples to
// linear light, and we want the stored values).
//
// libpng reports errors by longjmp. Every function below that calls setjmp holds only plain C values,
// so the jump skips no destructor; the C++ objects (the Tensor, the row pointers, the guards that free
// libpng's structures and close the file) live in the caller.
#include <png.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "deepimage/error.hpp"
#include "io/png_jpeg.hpp"

namespace deepimage::io {
namespace {

struct PngState {
  png_structp png = nullptr;
  png_infop info = nullptr;
  char message[256] = "";
};

void on_png_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message);
  png_longjmp(png, 1);
}

void ignore_png_warning(png_structp, png_const_charp) {}  // e.g. "iCCP: known incorrect sRGB profile"

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

struct PngLayout {
  png_uint_32 width = 0, height = 0;
  int channels = 0, bit_depth = 0;
};

// Reads the header and asks libpng for what we return: palette -> RGB(A), grey below 8 bits -> 8 bits,
// a tRNS transparent colour -> alpha, grey with alpha -> RGBA, 16-bit samples in host (little-endian)
// order. False on error, the reason in state.message.
bool read_png_header(PngState& state, std::FILE* file, PngLayout& layout) {
  if (setjmp(png_jmpbuf(state.png))) return false;
  png_init_io(state.png, file);
  png_read_info(state.png, state.info);
  const int color_type = png_get_color_type(state.png, state.info);
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(state.png);
  if (color_type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(state.png, state.info) < 8)
    png_set_expand_gray_1_2_4_to_8(state.png);
  const bool transparent_colour = png_get_valid(state.png, state.info, PNG_INFO_tRNS) != 0;
  if (transparent_colour) png_set_tRNS_to_alpha(state.png);
  if (color_type == PNG_COLOR_TYPE_GRAY_ALPHA || (color_type == PNG_COLOR_TYPE_GRAY && transparent_colour))
    png_set_gray_to_rgb(state.png);
  if (png_get_bit_depth(state.png, state.info) == 16) png_set_swap(state.png);
  png_set_interlace_handling(state.png);
  png_read_update_info(state.png, state.info);
  layout = {png_get_image_width(state.png, state.info), png_get_image_height(state.png, state.info),
            png_get_channels(state.png, state.info), png_get_bit_depth(state.png, state.info)};
  return true;
}

bool read_png_rows(PngState& state, png_bytepp rows) {
  if (setjmp(png_jmpbuf(state.png))) return false;
  png_read_image(state.png, rows);
  png_read_end(state.png, nullptr);
  return true;
}

bool write_png_rows(PngState& state, std::FILE* file, png_uint_32 width, png_uint_32 height, int color_type,
                    png_bytepp rows) {
  if (setjmp(png_jmpbuf(state.png))) return false;
  png_init_io(state.png, file);
  png_set_IHDR(state.png, state.info, width, height, 8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(state.png, state.info);
  png_write_image(state.png, rows);
  png_write_end(state.png, nullptr);
  return true;
}

File open_file(const std::filesystem::path& path, const char* mode, const std::string& doing) {
  File file(std::fopen(path.c_str(), mode));
  if (!file) throw Error(ErrorCode::io, doing + " \"" + path.string() + "\": " + std::strerror(errno));
  return file;
}

}  // namespace

Image read_png(const std::filesystem::path& path) {
  const File file = open_file(path, "rb", "cannot read");
  PngState state;
  state.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_png_error, ignore_png_warning);
  if (state.png) state.info = png_create_info_struct(state.png);
  const auto destroy = [](PngState* s) { png_destroy_read_struct(&s->png, &s->info, nullptr); };
  const std::unique_ptr<PngState, decltype(destroy)> guard(&state, destroy);
  if (!state.info) throw Error(ErrorCode::out_of_memory, "libpng could not start reading \"" + path.string() + "\"");

  const auto cannot_decode = [&] {
    return Error(ErrorCode::io, "\"" + path.string() + "\" cannot be decoded: libpng says \"" + state.message +
                                    "\" (a corrupt or truncated PNG)");
  };
  PngLayout layout;
  if (!read_png_header(state, file.get(), layout)) throw cannot_decode();
  if (layout.bit_depth != 8 && layout.bit_depth != 16)  // cannot happen after the transforms; say so if it does
    throw Error(ErrorCode::internal, "\"" + path.string() + "\" decodes to " + std::to_string(layout.bit_depth) + "-bit samples");

  const DType dtype = layout.bit_depth == 16 ? DType::u16 : DType::u8;
  const auto h = static_cast<std::int64_t>(layout.height), w = static_cast<std::int64_t>(layout.width);
  const std::int64_t c = layout.channels;
  Tensor pixels = c == 1 ? Tensor(dtype, {h, w}, "yx") : Tensor(dtype, {h, w, c}, "yxc");
  const std::size_t row_bytes = static_cast<std::size_t>(w * c) * dtype_size(dtype);
  std::vector<png_bytep> rows(static_cast<std::size_t>(h));
  for (std::size_t y = 0; y < rows.size(); ++y) rows[y] = reinterpret_cast<png_bytep>(pixels.bytes() + y * row_bytes);
  if (!read_png_rows(state, rows.data())) throw cannot_decode();
  return {std::move(pixels), std::nullopt};
}

void write_png(const Tensor& pixels, const std::filesystem::path& path) {
  const bool rgb = pixels.axes() == "yxc" && pixels.size('c') == 3;
  if (pixels.dtype() != DType::u8 || !(pixels.axes() == "yx" || rgb))
    throw Error(ErrorCode::internal, "write_png takes uint8 yx or yxc with 3 channels, got " + std::string(to_string(pixels.dtype())) +
                                         " \"" + pixels.axes() + "\"");
  const File file = open_file(path, "wb", "cannot write");
  PngState state;
  state.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_png_error, ignore_png_warning);
  if (state.png) state.info = png_create_info_struct(state.png);
  const auto destroy = [](PngState* s) { png_destroy_write_struct(&s->png, &s->info); };
  const std::unique_ptr<PngState, decltype(destroy)> guard(&state, destroy);
  if (!state.info) throw Error(ErrorCode::out_of_memory, "libpng could not start writing \"" + path.string() + "\"");

  const std::int64_t h = pixels.size('y'), w = pixels.size('x');
  const std::size_t row_bytes = static_cast<std::size_t>(w) * (rgb ? 3 : 1);
  std::vector<png_bytep> rows(static_cast<std::size_t>(h));
  // libpng's row pointers are not const, but writing only reads them.
  auto* bytes = const_cast<std::byte*>(pixels.bytes());
  for (std::size_t y = 0; y < rows.size(); ++y) rows[y] = reinterpret_cast<png_bytep>(bytes + y * row_bytes);
  if (!write_png_rows(state, file.get(), static_cast<png_uint_32>(w), static_cast<png_uint_32>(h),
                      rgb ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, rows.data()))
    throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\": libpng says \"" + state.message + "\"");
  if (std::fflush(file.get()) != 0 || std::ferror(file.get()))
    throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\": " + std::strerror(errno));
}

}  // namespace deepimage::io
