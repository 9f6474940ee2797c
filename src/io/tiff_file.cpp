#include "io/tiff_file.hpp"

#include <cstdarg>
#include <cstdio>

#include "deepimage/error.hpp"

namespace deepimage::io {
namespace {

std::string format_message(const char* module, const char* fmt, va_list ap) {
  char buffer[1024];
  std::vsnprintf(buffer, sizeof buffer, fmt, ap);
  std::string text = buffer;
  // libtiff's module is usually the function or file name; the text alone reads better for users.
  (void)module;
  return text;
}

int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  static_cast<TiffFile*>(user)->add_error(format_message(module, fmt, ap));
  return 1;  // handled: libtiff must not also print it
}

int on_warning(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  static_cast<TiffFile*>(user)->add_warning(format_message(module, fmt, ap));
  return 1;
}

}  // namespace

TiffFile::TiffFile(const std::filesystem::path& path, const char* mode) : path_(path) {
  TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(options, on_error, this);
  TIFFOpenOptionsSetWarningHandlerExtR(options, on_warning, this);
  tif_ = TIFFOpenExt(path.string().c_str(), mode, options);
  TIFFOpenOptionsFree(options);
  if (!tif_) {
    const bool reading = mode[0] == 'r';
    fail(reading ? "is not a readable TIFF file" : "cannot be created");
  }
}

TiffFile::~TiffFile() {
  if (tif_) TIFFClose(tif_);
}

void TiffFile::close() {
  if (!tif_) return;
  TIFF* tif = tif_;
  tif_ = nullptr;
  TIFFClose(tif);  // flushes pending directories of a file being written
  if (has_errors()) fail("cannot be completed");
}

void TiffFile::fail(const std::string& what) const {
  std::string message = "\"" + path_.string() + "\" " + what;
  if (!errors_.empty()) message += " (" + errors_ + ")";
  throw Error(ErrorCode::io, message);
}

void TiffFile::add_error(std::string message) {
  if (errors_.find(message) != std::string::npos) return;  // libtiff repeats itself ("Computed scanline size is zero" thrice)
  if (!errors_.empty()) errors_ += "; ";
  errors_ += message;
}

void TiffFile::add_warning(std::string) {
  // Warnings (unknown tags, odd but readable values) do not stop reading and are not worth a user's
  // attention; real problems also raise an error.
}

}  // namespace deepimage::io
