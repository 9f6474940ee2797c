#include "io/slice_io.hpp"

#include <algorithm>

#include "deepimage/error.hpp"
#include "io/tiff.hpp"

namespace deepimage::io {

std::unique_ptr<SliceReader> SliceReader::header(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || format_for(path).name != "tiff") return nullptr;
  return std::unique_ptr<SliceReader>(new SliceReader(std::make_unique<TiffPages>(path)));
}

SliceReader::SliceReader(std::unique_ptr<TiffPages> pages) : pages_(std::move(pages)) {}
SliceReader::~SliceReader() = default;

const Shape& SliceReader::shape() const { return pages_->shape(); }
const std::string& SliceReader::axes() const { return pages_->axes(); }
const std::optional<Calibration>& SliceReader::calibration() const { return pages_->calibration(); }

bool SliceReader::can_slice(const std::string& slice_axes) const {
  return !slice_axes.empty() && slice_axes.find_first_not_of("tz") == std::string::npos &&
         pages_->axes().compare(0, slice_axes.size(), slice_axes) == 0;
}

Tensor SliceReader::read(const std::string& slice_axes, std::int64_t index) const { return pages_->read_slice(slice_axes, index); }

Image SliceReader::read_image() const { return pages_->read_image(); }

DType SliceReader::dtype() const { return pages_->dtype(); }

Tensor SliceReader::read_rows(std::int64_t y0, std::int64_t y1) const {
  const std::string& axes = pages_->axes();
  if (axes.find_first_of("tz") != std::string::npos)
    throw Error(ErrorCode::internal, "rows of a stack (\"" + axes + "\") asked for as rows of one plane");
  Tensor rows = pages_->read_rows(0, pages_->page_count(), y0, y1);
  Shape shape = pages_->shape();
  shape[axes.find('y')] = y1 - y0;
  rows.reshape(shape, axes);
  return rows;
}

bool SliceWriter::can_write(const std::filesystem::path& path) { return format_for(path).name == "tiff"; }

SliceWriter::SliceWriter(const std::filesystem::path& path, DType dtype, const Shape& shape, const std::string& axes,
                         const std::optional<Calibration>& calibration)
    : path_(path), temp_(claim_temp_path(path)) {
  const auto& writable = format_for(path).writable_dtypes;
  stored_ = std::find(writable.begin(), writable.end(), dtype) != writable.end() ? dtype : DType::f32;
  writer_ = std::make_unique<TiffStackWriter>(temp_, stored_, shape, axes, calibration);
}

SliceWriter::~SliceWriter() {
  writer_.reset();  // closes the file before it is removed
  std::error_code ec;
  if (!committed_) std::filesystem::remove(temp_, ec);
}

void SliceWriter::append(const Tensor& slice) {
  writer_->append(slice.dtype() == stored_ ? slice : slice.converted(stored_));
}

void SliceWriter::append_rows(const Tensor& rows) {
  writer_->append_rows(rows.dtype() == stored_ ? rows : rows.converted(stored_));
}

void SliceWriter::commit() {
  writer_->finish();
  writer_.reset();
  std::error_code ec;
  std::filesystem::rename(temp_, path_, ec);
  if (ec) throw Error(ErrorCode::io, "cannot write \"" + path_.string() + "\": " + ec.message());
  committed_ = true;
}

}  // namespace deepimage::io
