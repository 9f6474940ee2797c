// TIFF writer: an uncompressed ImageJ hyperstack that ImageJ/Fiji, tifffile and our reader open with
// the same axes. One sample per pixel; pages in ImageJ order (c fastest, then z, then t).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>

#include "deepimage/error.hpp"
#include "io/imagej_metadata.hpp"
#include "io/tiff.hpp"
#include "io/tiff_file.hpp"

namespace deepimage::io {
namespace {

constexpr std::string_view kHyperstackOrder = "tzcyx";
// Strips of at most this size keep a reader's buffers small without thousands of strip offsets.
constexpr std::size_t kStripBytes = 8u << 20;
// Classic TIFF offsets are 32-bit; past this much pixel data (leaving room for tags) use BigTIFF.
constexpr std::uint64_t kBigTiffThreshold = (std::uint64_t{1} << 32) - (std::uint64_t{64} << 20);
// ImageJ's private tags: per-image labels and per-channel ranges, and the byte counts of their parts.
constexpr ttag_t kIJMetadataByteCounts = 50838, kIJMetadata = 50839;

// The pixels as a contiguous t,z,c,y,x array: a view of the tensor's bytes when its axes are
// already in that order (the common case, no copy of a possibly huge image), else a transposed copy.
struct Hyperstack {
  Shape shape;  // t, z, c, y, x
  Tensor storage;
  const std::byte* data = nullptr;
};

// How an image with these axes maps to t, z, c, y, x: the axes kept (size-1 unknown axes dropped),
// and the order they are stored in.
struct HyperstackLayout {
  Shape shape;           // t, z, c, y, x
  Shape kept_shape;
  std::string kept_axes;
  std::string order;     // kept_axes in t, z, c, y, x order
};

HyperstackLayout hyperstack_layout(const Shape& shape, std::string axes, const std::filesystem::path& path) {
  if (axes.empty()) {
    if (shape.size() != 2)
      throw Error(ErrorCode::invalid_argument, "cannot write \"" + path.string() + "\": a tensor of shape " +
                                                   shape_to_string(shape) + " needs axis names");
    axes = "yx";
  }
  HyperstackLayout h;
  for (std::size_t d = 0; d < axes.size(); ++d) {
    const char a = axes[d];
    const bool known = kHyperstackOrder.find(a) != std::string_view::npos;
    if (!known && shape[d] == 1) continue;  // a size-1 batch or index axis carries nothing
    if (!known || h.kept_axes.find(a) != std::string::npos)
      throw Error(ErrorCode::invalid_argument, "cannot write axes \"" + axes + "\" with shape " +
                                                   shape_to_string(shape) + " to TIFF \"" + path.string() +
                                                   "\" (expected distinct axes from \"tzcyx\", other axes of size 1)");
    h.kept_shape.push_back(shape[d]);
    h.kept_axes += a;
  }
  for (char a : {'y', 'x'})
    if (h.kept_axes.find(a) == std::string::npos)
      throw Error(ErrorCode::invalid_argument, "cannot write axes \"" + axes + "\" to TIFF \"" + path.string() +
                                                   "\": an image needs \"y\" and \"x\"");
  for (char a : kHyperstackOrder) {
    const auto at = h.kept_axes.find(a);
    if (at != std::string::npos) h.order += a;
    h.shape.push_back(at == std::string::npos ? 1 : h.kept_shape[at]);
  }
  return h;
}

Hyperstack to_hyperstack(const Tensor& pixels, const std::filesystem::path& path) {
  const HyperstackLayout layout = hyperstack_layout(pixels.shape(), pixels.axes(), path);
  Hyperstack h;
  h.shape = layout.shape;
  if (layout.order == layout.kept_axes) {
    h.data = pixels.bytes();
  } else {
    h.storage = pixels;
    h.storage.reshape(layout.kept_shape, layout.kept_axes);
    h.storage = h.storage.transposed(layout.order);
    h.data = h.storage.bytes();
  }
  return h;
}

std::pair<double, double> finite_range(const float* v, std::int64_t n) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::int64_t i = 0; i < n; ++i)
    if (std::isfinite(v[i])) lo = std::min<double>(lo, v[i]), hi = std::max<double>(hi, v[i]);
  if (lo > hi) return {0.0, 0.0};
  return {lo, hi};
}

}  // namespace

// Spaces reserved after the ImageJ description of a float stack written slice by slice, where min
// and max are known only at the end: they are written into this room then (a line without "=",
// which ImageJ, tifffile and our reader skip).
constexpr std::size_t kRangeRoom = 96;

TiffStackWriter::TiffStackWriter(const std::filesystem::path& path, DType dtype, const Shape& shape, const std::string& axes,
                                 const std::optional<Calibration>& calibration, std::optional<std::pair<double, double>> range)
    : path_(path), dtype_(dtype), calibration_(calibration), range_(range) {
  if (dtype != DType::u8 && dtype != DType::u16 && dtype != DType::f32)
    throw Error(ErrorCode::unsupported, "cannot write " + std::string(to_string(dtype)) + " to TIFF \"" +
                                            path.string() + "\" (expected uint8, uint16 or float32)");
  // The whole image's page structure, from a tensor of its shape that holds no pixels.
  const auto s = hyperstack_layout(shape, axes, path).shape;
  height_ = s[3], width_ = s[4];
  page_count_ = s[0] * s[1] * s[2];
  if (height_ > std::numeric_limits<std::uint32_t>::max() || width_ > std::numeric_limits<std::uint32_t>::max() ||
      height_ == 0 || width_ == 0 || page_count_ == 0)
    throw Error(ErrorCode::invalid_argument, "cannot write an image of shape " + shape_to_string(shape) + " to TIFF \"" +
                                                 path.string() + "\"");
  ij_.images = page_count_, ij_.channels = s[2], ij_.slices = s[1], ij_.frames = s[0];
  if (calibration) {
    if (calibration->spatial) {
      ij_.unit = calibration->unit;
      ij_.spacing = calibration->z;  // also marks the file as calibrated when the unit is unknown
    }
    if (calibration->frame_interval > 0) ij_.finterval = calibration->frame_interval, ij_.tunit = calibration->time_unit;
    ij_.mode = calibration->display_mode;
    // Names that fit the channels become each page's label (ImageJ shows it as the channel's name).
    if (static_cast<std::int64_t>(calibration->channel_names.size()) == ij_.channels)
      for (std::int64_t page = 0; page < page_count_; ++page)
        labels_.push_back(calibration->channel_names[static_cast<std::size_t>(page % ij_.channels)]);
  }
  // Float channels each get their display range (ImageJ's composite view uses one per channel).
  if (dtype == DType::f32 && ij_.channels > 1)
    channel_min_.assign(static_cast<std::size_t>(ij_.channels), 1e300), channel_max_.assign(static_cast<std::size_t>(ij_.channels), -1e300);
  if (range) ij_.min = range->first, ij_.max = range->second;
  const std::uint64_t bytes = static_cast<std::uint64_t>(element_count(shape)) * dtype_size(dtype);
  file_ = std::make_unique<TiffFile>(path, bytes > kBigTiffThreshold ? "w8" : "w");
}

TiffStackWriter::~TiffStackWriter() = default;

void TiffStackWriter::append(const Tensor& slice) {
  const Hyperstack pages = to_hyperstack(slice, path_);
  const std::int64_t count = pages.shape[0] * pages.shape[1] * pages.shape[2];
  if (slice.dtype() != dtype_ || pages.shape[3] != height_ || pages.shape[4] != width_ || pages_written_ + count > page_count_)
    throw Error(ErrorCode::internal, "slice " + shape_to_string(slice.shape()) + " does not fit the stack being written to \"" +
                                         path_.string() + "\"");
  if (dtype_ == DType::f32 && !range_) {
    const auto [lo, hi] = finite_range(reinterpret_cast<const float*>(pages.data), slice.element_count());
    if (lo <= hi) seen_min_ = std::min(seen_min_, lo), seen_max_ = std::max(seen_max_, hi);
  }
  const std::size_t row_bytes = static_cast<std::size_t>(width_) * dtype_size(dtype_);
  const std::size_t page_bytes = row_bytes * static_cast<std::size_t>(height_);
  for (std::int64_t i = 0; i < count; ++i) {
    if (!channel_min_.empty()) {
      const auto c = static_cast<std::size_t>(pages_written_ % ij_.channels);  // write_page counts the pages
      const auto [lo, hi] = finite_range(reinterpret_cast<const float*>(pages.data + static_cast<std::size_t>(i) * page_bytes),
                                         height_ * width_);
      if (lo <= hi) channel_min_[c] = std::min(channel_min_[c], lo), channel_max_[c] = std::max(channel_max_[c], hi);
    }
    write_page(pages.data + static_cast<std::size_t>(i) * page_bytes);
  }
}

std::uint32_t TiffStackWriter::rows_per_strip() const {
  const std::size_t row_bytes = static_cast<std::size_t>(width_) * dtype_size(dtype_);
  return static_cast<std::uint32_t>(std::clamp<std::size_t>(kStripBytes / row_bytes, 1, static_cast<std::size_t>(height_)));
}

void TiffStackWriter::begin_page() {
  TIFF* tif = file_->get();
  const std::uint16_t bits = static_cast<std::uint16_t>(dtype_size(dtype_) * 8);
  const std::uint16_t format = dtype_ == DType::f32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT;
  TIFFSetField(tif, TIFFTAG_SUBFILETYPE, 0);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(width_));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(height_));
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bits);
  TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, format);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip());
  if (pages_written_ == 0) {
    description_ = imagej_description(ij_);
    if (dtype_ == DType::f32 && !range_) description_ += std::string(kRangeRoom, ' ');
    TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, description_.c_str());
    // Channel ranges are known at the end: zeros now, the values written over them in finish().
    ij_tag_ = imagej_metadata_tag(labels_, std::vector<double>(2 * channel_min_.size(), 0.0));
    if (ij_tag_.byte_counts.size() > 1) {
      static const TIFFFieldInfo fields[] = {
          {kIJMetadataByteCounts, TIFF_VARIABLE2, TIFF_VARIABLE2, TIFF_LONG, FIELD_CUSTOM, 1, 1, const_cast<char*>("IJMetadataByteCounts")},
          {kIJMetadata, TIFF_VARIABLE2, TIFF_VARIABLE2, TIFF_BYTE, FIELD_CUSTOM, 1, 1, const_cast<char*>("IJMetadata")}};
      if (TIFFMergeFieldInfo(tif, fields, 2) != 0) file_->fail("cannot be written (ImageJ metadata tags)");
      TIFFSetField(tif, kIJMetadataByteCounts, static_cast<std::uint32_t>(ij_tag_.byte_counts.size()), ij_tag_.byte_counts.data());
      TIFFSetField(tif, kIJMetadata, static_cast<std::uint32_t>(ij_tag_.data.size()), ij_tag_.data.data());
    }
  }
  const auto& cal = calibration_;
  if (cal && cal->spatial && cal->x > 0 && cal->y > 0) {
    // ImageJ's convention: pixels per unit, the unit itself in the description.
    TIFFSetField(tif, TIFFTAG_XRESOLUTION, static_cast<float>(1.0 / cal->x));
    TIFFSetField(tif, TIFFTAG_YRESOLUTION, static_cast<float>(1.0 / cal->y));
    TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_NONE);
  }
}

void TiffStackWriter::write_strip(std::uint32_t strip, const std::byte* data, std::size_t rows) {
  const std::size_t row_bytes = static_cast<std::size_t>(width_) * dtype_size(dtype_);
  // libtiff's API takes a non-const buffer but does not modify it when writing uncompressed data.
  if (TIFFWriteEncodedStrip(file_->get(), strip, const_cast<std::byte*>(data), static_cast<tmsize_t>(rows * row_bytes)) < 0)
    file_->fail("cannot be written (page " + std::to_string(pages_written_ + 1) + ")");
}

void TiffStackWriter::end_page() {
  // libtiff writes a directory and its tag data at the end of the file: the description lies in
  // between these two sizes.
  const bool first = pages_written_ == 0;
  if (first) description_from_ = std::filesystem::file_size(path_);
  if (!TIFFWriteDirectory(file_->get())) file_->fail("cannot be written (page " + std::to_string(pages_written_ + 1) + " directory)");
  if (first) description_to_ = std::filesystem::file_size(path_);
  ++pages_written_;
}

void TiffStackWriter::write_page(const std::byte* data) {
  begin_page();
  const std::size_t row_bytes = static_cast<std::size_t>(width_) * dtype_size(dtype_);
  const std::uint32_t per_strip = rows_per_strip();
  for (std::uint32_t y = 0, strip = 0; y < height_; y += per_strip, ++strip)
    write_strip(strip, data + y * row_bytes, std::min<std::size_t>(per_strip, static_cast<std::size_t>(height_) - y));
  end_page();
}

void TiffStackWriter::append_rows(const Tensor& rows) {
  const Hyperstack h = to_hyperstack(rows, path_);
  if (page_count_ != 1 || h.shape[0] * h.shape[1] * h.shape[2] != 1 || h.shape[4] != width_ || rows.dtype() != dtype_ ||
      rows_done_ + h.shape[3] > height_)
    throw Error(ErrorCode::internal, "rows " + shape_to_string(rows.shape()) + " do not fit the single-page image being written to \"" +
                                         path_.string() + "\"");
  if (dtype_ == DType::f32 && !range_) {
    const auto [lo, hi] = finite_range(reinterpret_cast<const float*>(h.data), rows.element_count());
    if (lo <= hi) seen_min_ = std::min(seen_min_, lo), seen_max_ = std::max(seen_max_, hi);
  }
  if (rows_done_ == 0 && pending_.empty()) begin_page();
  const std::size_t row_bytes = static_cast<std::size_t>(width_) * dtype_size(dtype_);
  pending_.insert(pending_.end(), h.data, h.data + static_cast<std::size_t>(h.shape[3]) * row_bytes);
  // Whole strips go out as soon as they are complete; the last one may be short.
  const std::uint32_t per_strip = rows_per_strip();
  const auto pending_rows = [&] { return static_cast<std::int64_t>(pending_.size() / row_bytes); };
  while (pending_rows() >= per_strip || (pending_rows() > 0 && rows_done_ + pending_rows() == height_)) {
    const std::int64_t n = std::min<std::int64_t>(per_strip, pending_rows());
    write_strip(static_cast<std::uint32_t>(rows_done_ / per_strip), pending_.data(), static_cast<std::size_t>(n));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(n) * row_bytes));
    rows_done_ += n;
  }
  if (rows_done_ == height_) end_page();
}

void TiffStackWriter::finish() {
  if (pages_written_ != page_count_)
    throw Error(ErrorCode::internal, "\"" + path_.string() + "\" got " + std::to_string(pages_written_) + " of " +
                                         std::to_string(page_count_) + " pages");
  file_->close();
  const bool complete_range = dtype_ == DType::f32 && !range_, complete_channels = !channel_min_.empty();
  if (!complete_range && !complete_channels) return;
  // Now the ranges are known: write them over what the first directory holds in their place (the
  // description with room after it, the IJMetadata tag with zeros), both between these offsets.
  std::fstream file(path_, std::ios::in | std::ios::out | std::ios::binary);
  std::string region(description_to_ - description_from_, '\0');
  file.seekg(static_cast<std::streamoff>(description_from_));
  file.read(region.data(), static_cast<std::streamsize>(region.size()));
  const auto overwrite = [&](const std::string& before, const std::string& after, const char* what) {
    const auto at = region.find(before);
    if (!file || at == std::string::npos || after.size() != before.size())
      throw Error(ErrorCode::io, "\"" + path_.string() + "\": cannot find the " + what + " to complete it");
    file.seekp(static_cast<std::streamoff>(description_from_ + at));
    file.write(after.data(), static_cast<std::streamsize>(after.size()));
  };
  if (complete_range) {
    ij_.min = seen_min_ <= seen_max_ ? seen_min_ : 0.0;
    ij_.max = seen_min_ <= seen_max_ ? seen_max_ : 0.0;
    std::string final_text = imagej_description(ij_);
    if (final_text.size() <= description_.size()) {  // always, with kRangeRoom; else keep the file valid
      final_text.resize(description_.size(), ' ');
      overwrite(description_, final_text, "description");
    }
  }
  if (complete_channels) {
    std::vector<double> ranges;
    for (std::size_t c = 0; c < channel_min_.size(); ++c) {
      const bool seen = channel_min_[c] <= channel_max_[c];
      ranges.push_back(seen ? channel_min_[c] : 0.0);
      ranges.push_back(seen ? channel_max_[c] : 0.0);
    }
    const auto bytes = [](const std::vector<std::byte>& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); };
    overwrite(bytes(ij_tag_.data), bytes(imagej_metadata_tag(labels_, ranges).data), "ImageJ metadata");
  }
  if (!file.flush()) throw Error(ErrorCode::io, "\"" + path_.string() + "\" cannot be written (description)");
}

void write_tiff(const Image& image, const std::filesystem::path& path) {
  std::optional<std::pair<double, double>> range;
  if (image.pixels.dtype() == DType::f32) {
    // ImageJ shows floats over min..max; without them it picks a range from the first page only.
    range = finite_range(image.pixels.data<float>(), image.pixels.element_count());
  }
  TiffStackWriter writer(path, image.pixels.dtype(), image.pixels.shape(), image.pixels.axes(), image.calibration, range);
  writer.append(image.pixels);
  writer.finish();
}

}  // namespace deepimage::io
