// Region access to image files: open a file, learn its shape, axes, type and calibration at once,
// read any box of it; create an output of a known shape and write boxes into it in any order, then
// commit. What OpenImageIO's ImageInput/ImageOutput do, for the formats of the registry (formats.cpp).
//
//   std::unique_ptr<ImageSource> in = open_image("huge.tif");       // header only
//   const ImageInfo& info = in->info();                              // "cyx", {2, 90000, 90000}, u16
//   Tensor band = in->read(Box{{0, 1000, 0}, {2, 1256, 90000}});    // rows 1000..1255, both channels
//
//   std::unique_ptr<ImageSink> out = create_image("result.tif", {.shape = {2, 90000, 90000}, .axes = "cyx",
//                                                 .dtype = DType::f32, .calibration = info.calibration});
//   out->write(Box{{0, 1000, 0}, {2, 1256, 90000}}, band_result);  // any box, any order, each pixel once
//   out->commit();                                                    // temp file renamed into place
//
// A source reads only what a box needs where the format allows: TIFF decodes only the pages and the
// strips or tiles holding the box; .npy is memory-mapped. Formats without region access (PNG, JPEG)
// are read whole at open. A sink writes to a temporary file beside the target (claim_temp_path) and
// renames it at commit; destroyed without commit, it removes the temporary file. A sink stores a type
// its format cannot hold (int32, float64 in TIFF) as float32, as write_image does.
//
// A format plugs in by deriving: a source implements read_box, a sink write_box and finish; the checks,
// conversions and the temporary file are done here once (tiff_source.cpp and tiff_sink.cpp are the
// examples, memory_source.cpp the smallest).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/box.hpp"
#include "io/image.hpp"

namespace deepimage::io {

struct ImageInfo {
  Shape shape;
  std::string axes;  // as read_image gives them; empty when the file does not say (.npy)
  DType dtype = DType::u8;
  std::optional<Calibration> calibration;
  // Resolution levels (OME-Zarr's multiscale pyramid, zarr_pyramid.hpp). A sink: how many to write, 0
  // for the format's default (OME-Zarr: down to one chunk), 1 for full resolution only; formats
  // without levels ignore it. A source: how many an OME-Zarr image lists (0 for other formats).
  int pyramid_levels = 0;
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  const ImageInfo& info() const { return info_; }
  const std::filesystem::path& path() const { return path_; }
  // The pixels inside `box` (one [begin, end) per axis of info().shape, inside the image), with
  // info().axes. Throws invalid_argument naming the file, the box and the shape for a box outside
  // the image. Safe to call from several threads.
  Tensor read(const Box& box) const;
  // The whole image, as read_image(path) gives it.
  Image read_all() const;

 protected:
  ImageSource(std::filesystem::path path, ImageInfo info) : path_(std::move(path)), info_(std::move(info)) {}
  // `box` is inside the image and not empty; the tensor has its shape (axes are set by read()).
  virtual Tensor read_box(const Box& box) const = 0;

 private:
  std::filesystem::path path_;
  ImageInfo info_;
};

// One thread at a time.
class ImageSink {
 public:
  virtual ~ImageSink();  // without commit(): the temporary file is removed
  const ImageInfo& info() const { return info_; }
  const std::filesystem::path& path() const { return path_; }
  // `pixels` (the box's shape, info().axes or none, any dtype) into `box`. Throws invalid_argument
  // naming the file, the box and the shapes for a box outside the image or pixels of another shape.
  void write(const Box& box, const Tensor& pixels);
  // Finishes the file and renames it into place. Throws internal when some pixel was never written
  // (and removes the temporary file: never a partial output).
  void commit();

 protected:
  // Claims the temporary path; `info.dtype` is the type stored.
  ImageSink(std::filesystem::path path, ImageInfo info);
  const std::filesystem::path& temp_path() const { return temp_; }
  // `box` inside the image, not empty; `pixels` of its shape in info().dtype. Writes the temporary file.
  virtual void write_box(const Box& box, const Tensor& pixels) = 0;
  // Completes and closes the temporary file (throwing when pixels are missing).
  virtual void finish() = 0;

 private:
  std::filesystem::path path_, temp_;
  ImageInfo info_;  // dtype: as stored
  bool done_ = false;  // committed, or failed and removed
};

// By extension through the format registry; throws like format_for / writable_format_for. create_image
// stores a type the format cannot hold (its writable_dtypes) as float32, as write_image does.
std::unique_ptr<ImageSource> open_image(const std::filesystem::path& path);
std::unique_ptr<ImageSink> create_image(const std::filesystem::path& path, const ImageInfo& info);

// Throws invalid_argument unless `box` has one [begin, end) per axis of `shape`, inside it:
// `cannot <verb> box [0:5, 0:3] of "in.tif": outside its shape (2, 4)`.
void check_box(const std::filesystem::path& path, const char* verb, const Box& box, const Shape& shape);

}  // namespace deepimage::io
