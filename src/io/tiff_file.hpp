// TiffFile — one open libtiff handle whose error and warning messages are collected, not printed.
//
//   TiffFile f(path, "r");
//   if (!TIFFReadEncodedStrip(f.get(), 0, buf, -1)) f.fail("cannot read strip 0");  // throws Error(io)
//
// libtiff reports problems through callbacks; by default they go to stderr. Per-handle handlers
// (TIFFOpenOptions, libtiff >= 4.5) keep them with the file so the exception can say what went wrong.
#pragma once

#include <filesystem>
#include <string>

#include <tiffio.h>

namespace deepimage::io {

class TiffFile {
 public:
  // mode as for TIFFOpen ("r", "w", "w8"); throws Error(io) naming the file when it cannot be opened.
  TiffFile(const std::filesystem::path& path, const char* mode);
  ~TiffFile();
  TiffFile(const TiffFile&) = delete;
  TiffFile& operator=(const TiffFile&) = delete;

  TIFF* get() const { return tif_; }
  const std::filesystem::path& path() const { return path_; }
  // Throws Error(io): "<file>": <what>: <libtiff's last error>.
  [[noreturn]] void fail(const std::string& what) const;
  bool has_errors() const { return !errors_.empty(); }
  // Closes now (flushing a file being written); errors during the flush throw.
  void close();

  // libtiff calls these through the handlers; public only so the C callbacks can reach them.
  void add_error(std::string message);
  void add_warning(std::string message);

 private:
  std::filesystem::path path_;
  TIFF* tif_ = nullptr;
  std::string errors_;
};

}  // namespace deepimage::io
