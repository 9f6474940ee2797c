// Images too large for memory, a slice at a time: read from a TIFF's pages, written as a TIFF's pages.
//
//   auto reader = SliceReader::header("stack.tif");        // nullptr: not a TIFF, read it whole
//   if (reader->can_slice("z")) plane = reader->read("z", 7);   // slice 7 along z, the other axes
//   else image = reader->read_image();                     // whole, without reading the header again
//
//   SliceWriter out("result.tif", DType::f32, {40, 512, 512}, "zyx", calibration);
//   out.append(result_0); ... out.commit();                // temporary file, renamed at commit
//
// Like write_image, the writer converts types TIFF cannot hold (int32, float64, ...) to float32.
//
// A slice is a run of whole TIFF pages when the slice axes are the image's first axes and only t/z
// (ImageJ stores pages t, z, c with c fastest), which is what a 2D model on a stack, or a 3D model on
// a time-lapse, loops over.
#pragma once

#include <filesystem>
#include <memory>

#include "io/image.hpp"

namespace deepimage::io {

class TiffPages;
class TiffStackWriter;

class SliceReader {
 public:
  // Only the header of `path` (shape, axes, calibration) when it is a TIFF; nullptr otherwise.
  static std::unique_ptr<SliceReader> header(const std::filesystem::path& path);
  ~SliceReader();

  const Shape& shape() const;
  const std::string& axes() const;
  const std::optional<Calibration>& calibration() const;
  bool can_slice(const std::string& slice_axes) const;
  Tensor read(const std::string& slice_axes, std::int64_t index) const;
  Image read_image() const;  // the whole image, as read_image(path) gives it
  DType dtype() const;
  // Rows [y0, y1) of a single-plane image (no t or z axis), with the image's axes.
  Tensor read_rows(std::int64_t y0, std::int64_t y1) const;

 private:
  explicit SliceReader(std::unique_ptr<TiffPages> pages);
  std::unique_ptr<TiffPages> pages_;
};

class SliceWriter {
 public:
  static bool can_write(const std::filesystem::path& path);  // TIFF outputs
  // `dtype` is what the slices will hold; one TIFF cannot store is written as float32.
  SliceWriter(const std::filesystem::path& path, DType dtype, const Shape& shape, const std::string& axes,
              const std::optional<Calibration>& calibration);
  ~SliceWriter();  // without commit(): the temporary file is removed
  void append(const Tensor& slice);
  void append_rows(const Tensor& rows);  // the next rows, top to bottom: the image's shape but for y
  void commit();

 private:
  std::filesystem::path path_, temp_;
  std::unique_ptr<TiffStackWriter> writer_;
  DType stored_;  // the type written: the slices' type, or float32 when TIFF cannot hold it
  bool committed_ = false;
};

}  // namespace deepimage::io
