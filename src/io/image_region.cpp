// What every source and sink shares: the box and pixel checks, dtype conversion, and the temporary
// file renamed at commit. The formats supply read_box / write_box / finish (tiff_source.cpp, ...).
#include "io/image_region.hpp"

#include <algorithm>

#include "deepimage/error.hpp"
#include "io/box_copy.hpp"
#include "io/temp_file.hpp"

namespace deepimage::io {
void check_box(const std::filesystem::path& path, const char* verb, const Box& box, const Shape& shape) {
  bool inside = box.begin.size() == shape.size() && box.end.size() == shape.size();
  for (std::size_t d = 0; inside && d < shape.size(); ++d)
    inside = box.begin[d] >= 0 && box.begin[d] <= box.end[d] && box.end[d] <= shape[d];
  if (inside) return;
  const std::string box_text = box.begin.size() == box.end.size() ? box.to_string() : "with " + std::to_string(box.begin.size()) +
                                                                                           " begins and " + std::to_string(box.end.size()) + " ends";
  throw Error(ErrorCode::invalid_argument, std::string("cannot ") + verb + " box " + box_text + " of \"" + path.string() +
                                               "\": outside its shape " + shape_to_string(shape));
}

Tensor ImageSource::read(const Box& box) const {
  check_box(path_, "read", box, info_.shape);
  Tensor pixels = is_empty(box) ? Tensor(info_.dtype, box.shape()) : read_box(box);
  pixels.set_axes(info_.axes);
  return pixels;
}

Image ImageSource::read_all() const { return {read(whole_box(info_.shape)), info_.calibration}; }

ImageSink::ImageSink(std::filesystem::path path, ImageInfo info)
    : path_(std::move(path)), temp_(claim_temp_path(path_)), info_(std::move(info)) {}

ImageSink::~ImageSink() {
  std::error_code ec;
  if (!done_) std::filesystem::remove_all(temp_, ec);  // a folder for OME-Zarr
}

void ImageSink::write(const Box& box, const Tensor& pixels) {
  check_box(path_, "write", box, info_.shape);
  const bool axes_match = pixels.axes().empty() || info_.axes.empty() || pixels.axes() == info_.axes;
  if (pixels.shape() != box.shape() || !axes_match)
    throw Error(ErrorCode::invalid_argument, "cannot write pixels of shape " + shape_to_string(pixels.shape()) +
                                                 (pixels.axes().empty() ? "" : " \"" + pixels.axes() + "\"") + " into box " +
                                                 box.to_string() + " of \"" + path_.string() + "\" (shape " +
                                                 shape_to_string(info_.shape) +
                                                 (info_.axes.empty() ? "" : " \"" + info_.axes + "\"") +
                                                 "): expected shape " + shape_to_string(box.shape()));
  if (done_) throw Error(ErrorCode::internal, "\"" + path_.string() + "\" written after commit");
  if (is_empty(box)) return;
  try {
    write_box(box, pixels.dtype() == info_.dtype ? pixels : pixels.converted(info_.dtype));
  } catch (const Error& e) {
    throw Error(e.code(), naming_target(e.what(), temp_, path_));
  }
}

void ImageSink::commit() {
  if (done_) throw Error(ErrorCode::internal, "\"" + path_.string() + "\" committed twice");
  std::error_code ec;
  try {
    finish();
    replace_with(temp_, path_);
  } catch (const std::filesystem::filesystem_error& e) {
    std::filesystem::remove_all(temp_, ec);
    done_ = true;
    throw Error(ErrorCode::io, "cannot write \"" + path_.string() + "\": " + e.code().message());
  } catch (const Error& e) {
    std::filesystem::remove_all(temp_, ec);
    done_ = true;
    throw Error(e.code(), naming_target(e.what(), temp_, path_));
  }
  done_ = true;
}

std::unique_ptr<ImageSource> open_image(const std::filesystem::path& path) {
  const ImageFormat& format = format_for(path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))  // a file, or a folder for OME-Zarr
    throw Error(ErrorCode::not_found, "image file \"" + path.string() + "\" does not exist");
  return format.open(path);
}

std::unique_ptr<ImageSink> create_image(const std::filesystem::path& path, const ImageInfo& info) {
  const ImageFormat& format = writable_format_for(path);
  check_output_folder(path);
  const auto& writable = format.writable_dtypes;
  ImageInfo stored = info;
  if (std::find(writable.begin(), writable.end(), info.dtype) == writable.end()) stored.dtype = DType::f32;
  try {
    return format.create(path, stored);
  } catch (const Error& e) {
    throw Error(e.code(), naming_target(e.what(), temp_path_for(path), path));
  }
}

}  // namespace deepimage::io
