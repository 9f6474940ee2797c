// TIFF writer: an uncompressed ImageJ hyperstack that ImageJ/Fiji, tifffile and our reader open with
// the same axes. One sample per pixel; pages in ImageJ order (c fastest, then z, then t). The one TIFF
// writer: write_tiff and the region sink (tiff_sink.cpp) both use it.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "deepimage/error.hpp"
#include "io/imagej_metadata.hpp"
#include "io/tiff.hpp"
#include "io/tiff_directory.hpp"
#include "io/box_copy.hpp"
#include "io/image_region.hpp"
#include "io/positional_file.hpp"

namespace deepimage::io {
namespace {

constexpr std::string_view kHyperstackOrder = "tzcyx";
// Strips of at most this size keep a reader's buffers small without thousands of strip offsets.
constexpr std::size_t kStripBytes = 8u << 20;
// Classic TIFF offsets are 32-bit; past this much pixel data (leaving room for tags) use BigTIFF.
constexpr std::uint64_t kBigTiffThreshold = (std::uint64_t{1} << 32) - (std::uint64_t{64} << 20);
// ImageJ's private tags: per-image labels and per-channel ranges, and the byte counts of their parts.
constexpr std::uint16_t kIJMetadataByteCounts = 50838, kIJMetadata = 50839;

// How an image with these axes maps to t, z, c, y, x: the axes kept (size-1 unknown axes dropped),
// and the order they are stored in.
struct HyperstackLayout {
  Shape shape;           // t, z, c, y, x
  Shape kept_shape;
  std::string kept_axes;
  std::string order;     // kept_axes in t, z, c, y, x order
  std::vector<int> hyperstack_axis;  // per axis of the image: its index in t, z, c, y, x, or -1 (dropped)
};

HyperstackLayout hyperstack_layout(const Shape& shape, std::string axes, const std::filesystem::path& path) {
  if (axes.empty()) {
    if (shape.size() != 2)
      throw Error(ErrorCode::invalid_argument, "cannot write \"" + path.string() + "\": a tensor of shape " +
                                                   shape_to_string(shape) + " needs axis names");
    axes = "yx";
  }
  HyperstackLayout h;
  if (axes.size() != shape.size())
    throw Error(ErrorCode::invalid_argument, "cannot write axes \"" + axes + "\" with shape " + shape_to_string(shape) +
                                                 " to TIFF \"" + path.string() + "\" (one letter per axis expected)");
  for (std::size_t d = 0; d < axes.size(); ++d) {
    const char a = axes[d];
    const auto at = kHyperstackOrder.find(a);
    const bool known = at != std::string_view::npos;
    h.hyperstack_axis.push_back(known ? static_cast<int>(at) : -1);
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

// The smallest and largest finite value. Branch-free over 16 lanes (NaN and +-Inf become the
// neutral +-Inf first), which the compiler turns into vector min/max: a range pass over every float
// page written costs a fraction of writing it (bench/tiff_bench.cpp).
std::pair<double, double> finite_range(const float* v, std::int64_t n) {
  constexpr int kLanes = 16;
  constexpr float kInf = std::numeric_limits<float>::infinity(), kMax = std::numeric_limits<float>::max();
  float lo[kLanes], hi[kLanes];
  std::fill_n(lo, kLanes, kInf);
  std::fill_n(hi, kLanes, -kInf);
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) {
      const float x = v[i + k];
      const bool finite = x >= -kMax && x <= kMax;  // false for NaN and +-Inf
      const float low = finite ? x : kInf, high = finite ? x : -kInf;
      lo[k] = low < lo[k] ? low : lo[k];
      hi[k] = high > hi[k] ? high : hi[k];
    }
  for (; i < n; ++i)
    if (std::isfinite(v[i])) lo[0] = std::min(lo[0], v[i]), hi[0] = std::max(hi[0], v[i]);
  const float low = *std::min_element(lo, lo + kLanes), high = *std::max_element(hi, hi + kLanes);
  if (low > high) return {0.0, 0.0};
  return {low, high};
}

}  // namespace

// Spaces reserved after the ImageJ description of a float stack written in parts, where min and max
// are known only at the end: they are written into this room then (a line without "=", which ImageJ,
// tifffile and our reader skip).
constexpr std::size_t kRangeRoom = 96;

// The file, laid out as ImageJ writes it and reads it (tiff_directory.hpp says why libtiff cannot):
//
//   header | directory 0 (with the description) | pixels of page 0, 1, ..., n-1 | directories 1..n-1
//                                                 ^ data_start_
//   pixel (page p, row y, column x) is at  data_start_ + (p * height + y) * width + x  (times its bytes)
//   with p = (t * slices + z) * channels + c: the block is the image as a C-ordered t,z,c,y,x array.
//
// Every offset is known before the first pixel arrives (pages are uncompressed, of one size), so any
// box is written straight to its place, in any order; the directories of pages 1..n-1 at the end.
TiffStackWriter::TiffStackWriter(const std::filesystem::path& path, DType dtype, const Shape& shape, const std::string& axes,
                                 const std::optional<Calibration>& calibration, std::optional<std::pair<double, double>> range)
    : path_(path), dtype_(dtype), shape_(shape), calibration_(calibration), range_(range) {
  if (dtype != DType::u8 && dtype != DType::u16 && dtype != DType::f32)
    throw Error(ErrorCode::unsupported, "cannot write " + std::string(to_string(dtype)) + " to TIFF \"" +
                                            path.string() + "\" (expected uint8, uint16 or float32)");
  const HyperstackLayout layout = hyperstack_layout(shape, axes, path);
  axes_ = axes.empty() ? "yx" : axes;
  hyperstack_shape_ = layout.shape, kept_shape_ = layout.kept_shape, kept_axes_ = layout.kept_axes, order_ = layout.order;
  hyperstack_axis_ = layout.hyperstack_axis;
  const Shape& s = hyperstack_shape_;
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
    if (calibration->lut.size() == 768) lut_ = calibration->lut;
  }
  labelled_range_ = dtype == DType::u16 && !lut_.empty() && !range;
  // Float channels each get their display range (ImageJ's composite view uses one per channel).
  if (dtype == DType::f32 && ij_.channels > 1)
    channel_min_.assign(static_cast<std::size_t>(ij_.channels), 1e300), channel_max_.assign(static_cast<std::size_t>(ij_.channels), -1e300);
  if (range) ij_.min = range->first, ij_.max = range->second;
  page_bytes_ = static_cast<std::uint64_t>(width_) * static_cast<std::uint64_t>(height_) * dtype_size(dtype);
  big_ = page_bytes_ * static_cast<std::uint64_t>(page_count_) > kBigTiffThreshold;
  page_pixels_written_.assign(static_cast<std::size_t>(page_count_), 0);

  description_ = imagej_description(ij_);
  if ((dtype_ == DType::f32 || labelled_range_) && !range_) description_ += std::string(kRangeRoom, ' ');
  // Channel ranges are known at the end: zeros now, the values written over them in finish().
  ij_tag_ = imagej_metadata_tag(labels_, std::vector<double>(2 * channel_min_.size(), 0.0), lut_, ij_.channels);
  // The first directory's size and value offsets do not depend on the strip offsets it holds, so
  // one built before the data start is known places everything; the one written holds the offsets.
  const std::uint64_t first = TiffDirectory::header_size(big_);
  const TiffDirectory sizing = directory(0, true);
  data_start_ = first + sizing.size();
  description_at_ = sizing.value_offset(270, first);
  ij_tag_at_ = sizing.value_offset(kIJMetadata, first);
  const std::uint64_t data_end = data_start_ + page_bytes_ * static_cast<std::uint64_t>(page_count_);
  const std::uint64_t next = page_count_ > 1 ? (data_end + 1) & ~std::uint64_t{1} : 0;

  file_ = std::make_unique<PositionalFile>(path);
  file_->write_at(0, TiffDirectory::header(big_, first));
  file_->write_at(first, directory(0, true).encode(first, next));
}

TiffStackWriter::~TiffStackWriter() = default;

std::uint32_t TiffStackWriter::rows_per_strip() const {
  const std::size_t row_bytes = static_cast<std::size_t>(width_) * dtype_size(dtype_);
  return static_cast<std::uint32_t>(std::clamp<std::size_t>(kStripBytes / row_bytes, 1, static_cast<std::size_t>(height_)));
}

TiffDirectory TiffStackWriter::directory(std::int64_t page, bool with_description) const {
  TiffDirectory d(big_);
  d.add_long(254, 0);  // NewSubfileType: a full-resolution page
  d.add_long(256, static_cast<std::uint32_t>(width_));
  d.add_long(257, static_cast<std::uint32_t>(height_));
  d.add_short(258, static_cast<std::uint16_t>(dtype_size(dtype_) * 8));
  d.add_short(259, 1);  // no compression
  d.add_short(262, 1);  // min-is-black
  if (with_description) {
    d.add_ascii(270, description_);
    if (ij_tag_.byte_counts.size() > 1) {
      d.add_longs(kIJMetadataByteCounts, ij_tag_.byte_counts);
      d.add_bytes(kIJMetadata, ij_tag_.data);
    }
  }
  const std::uint64_t row_bytes = static_cast<std::uint64_t>(width_) * dtype_size(dtype_);
  const std::uint32_t per_strip = rows_per_strip();
  std::vector<std::uint64_t> offsets, counts;
  const std::uint64_t page_at = data_start_ + static_cast<std::uint64_t>(page) * page_bytes_;
  for (std::int64_t y = 0; y < height_; y += per_strip) {
    offsets.push_back(page_at + static_cast<std::uint64_t>(y) * row_bytes);
    counts.push_back(static_cast<std::uint64_t>(std::min<std::int64_t>(per_strip, height_ - y)) * row_bytes);
  }
  d.add_offsets(273, offsets);
  d.add_short(277, 1);
  d.add_long(278, per_strip);
  d.add_offsets(279, counts);
  const auto& cal = calibration_;
  if (cal && cal->spatial && cal->x > 0 && cal->y > 0) {
    // ImageJ's convention: pixels per unit, the unit itself in the description.
    const auto rational = [](double v) {
      std::uint32_t den = 1000000;
      while (den > 1 && v * den > 4.0e9) den /= 10;
      const auto num = static_cast<std::uint32_t>(std::llround(v * den));
      const std::uint32_t g = std::max<std::uint32_t>(1, std::gcd(num, den));
      return std::pair<std::uint32_t, std::uint32_t>(num / g, den / g);
    };
    const auto [xn, xd] = rational(1.0 / cal->x);
    const auto [yn, yd] = rational(1.0 / cal->y);
    d.add_rational(282, xn, xd);
    d.add_rational(283, yn, yd);
    d.add_short(296, 1);  // no absolute unit
  }
  d.add_short(284, 1);  // one plane of samples
  d.add_short(339, dtype_ == DType::f32 ? 3 : 1);
  return d;
}

void TiffStackWriter::note_range(const std::byte* data, std::int64_t count, std::int64_t channel) {
  if (labelled_range_) {
    const auto* v = reinterpret_cast<const std::uint16_t*>(data);
    for (std::int64_t i = 0; i < count; ++i) seen_max_ = std::max(seen_max_, static_cast<double>(v[i]));
    return;
  }
  const bool whole = !range_, per_channel = !channel_min_.empty();
  if (dtype_ != DType::f32 || (!whole && !per_channel)) return;
  const auto [lo, hi] = finite_range(reinterpret_cast<const float*>(data), count);
  if (lo > hi) return;
  if (whole) seen_min_ = std::min(seen_min_, lo), seen_max_ = std::max(seen_max_, hi);
  if (per_channel) {
    const auto c = static_cast<std::size_t>(channel);
    channel_min_[c] = std::min(channel_min_[c], lo), channel_max_[c] = std::max(channel_max_[c], hi);
  }
}

void TiffStackWriter::write(const Box& box, const Tensor& pixels) {
  check_box(path_, "write", box, shape_);
  if (pixels.shape() != box.shape())
    throw Error(ErrorCode::invalid_argument, "cannot write pixels of shape " + shape_to_string(pixels.shape()) + " into box " +
                                                 box.to_string() + " of \"" + path_.string() + "\" (shape " +
                                                 shape_to_string(shape_) + "): expected shape " + shape_to_string(box.shape()));
  store(box, pixels);
}

void TiffStackWriter::store(const Box& box, const Tensor& pixels) {
  if (pixels.dtype() != dtype_)
    throw Error(ErrorCode::internal, std::string(to_string(pixels.dtype())) + " pixels for the " +
                                         std::string(to_string(dtype_)) + " TIFF \"" + path_.string() + "\"");
  if (is_empty(box)) return;
  // The box in t, z, c, y, x, and its pixels in that order: the image's own when its axes come in it.
  Box hyper{{0, 0, 0, 0, 0}, {1, 1, 1, 1, 1}};
  Shape kept_box_shape;
  for (std::size_t d = 0; d < box.rank(); ++d) {
    const int h = hyperstack_axis_[d];
    if (h < 0) continue;
    hyper.begin[static_cast<std::size_t>(h)] = box.begin[d], hyper.end[static_cast<std::size_t>(h)] = box.end[d];
    kept_box_shape.push_back(box.extent(d));
  }
  Tensor reordered;
  const std::byte* data = pixels.bytes();
  if (order_ != kept_axes_) {
    reordered = pixels;
    reordered.reshape(kept_box_shape, kept_axes_);
    reordered = reordered.transposed(order_);
    data = reordered.bytes();
  }

  // Each page of the box: its count of pixels, and its values into the display ranges.
  const std::size_t es = dtype_size(dtype_);
  const std::int64_t plane = hyper.extent(3) * hyper.extent(4);
  std::int64_t k = 0;  // the box's pages in t, z, c order
  for (std::int64_t t = hyper.begin[0]; t < hyper.end[0]; ++t)
    for (std::int64_t z = hyper.begin[1]; z < hyper.end[1]; ++z)
      for (std::int64_t c = hyper.begin[2]; c < hyper.end[2]; ++c, ++k) {
        const std::int64_t page = (t * hyperstack_shape_[1] + z) * hyperstack_shape_[2] + c;
        auto& written = page_pixels_written_[static_cast<std::size_t>(page)];
        written += plane;
        if (written > height_ * width_)
          throw Error(ErrorCode::internal, "\"" + path_.string() + "\": box " + box.to_string() + " brings page " +
                                               std::to_string(page + 1) + " past its pixels: some were written twice");
        note_range(data + static_cast<std::size_t>(k * plane) * es, plane, c);
      }
  for_each_box_run(hyperstack_shape_, strides_of(hyperstack_shape_), hyper, [&](std::int64_t at, std::int64_t from, std::int64_t n) {
    file_->write_at(data_start_ + static_cast<std::uint64_t>(at) * es, data + static_cast<std::size_t>(from) * es,
                    static_cast<std::size_t>(n) * es);
  });
}

void TiffStackWriter::append(const Tensor& slice) {
  const std::size_t leading = shape_.size() - std::min(shape_.size(), slice.rank());
  const Shape rest(shape_.begin() + static_cast<std::ptrdiff_t>(leading), shape_.end());
  const Shape slices(shape_.begin(), shape_.begin() + static_cast<std::ptrdiff_t>(leading));
  if (slice.shape() != rest || next_slice_ >= element_count(slices) || rows_done_ != 0)
    throw Error(ErrorCode::internal, "slice " + shape_to_string(slice.shape()) + " does not fit the stack " +
                                         shape_to_string(shape_) + " being written to \"" + path_.string() + "\"");
  Box box = whole_box(shape_);
  for (std::size_t d = leading, index = static_cast<std::size_t>(next_slice_); d-- > 0;) {  // row-major index
    box.begin[d] = static_cast<std::int64_t>(index % static_cast<std::size_t>(shape_[d]));
    box.end[d] = box.begin[d] + 1;
    index /= static_cast<std::size_t>(shape_[d]);
  }
  store(box, slice);
  ++next_slice_;
}

void TiffStackWriter::append_rows(const Tensor& rows) {
  const auto y = axes_.find('y');
  Shape expected = shape_;
  if (rows.rank() == shape_.size()) expected[y] = rows.shape()[y];
  if (rows.shape() != expected || next_slice_ != 0 || rows_done_ + expected[y] > shape_[y])
    throw Error(ErrorCode::internal, "rows " + shape_to_string(rows.shape()) + " do not fit the image " +
                                         shape_to_string(shape_) + " being written to \"" + path_.string() + "\"");
  Box box = whole_box(shape_);
  box.begin[y] = rows_done_, box.end[y] = rows_done_ + expected[y];
  store(box, rows);
  rows_done_ += expected[y];
}

void TiffStackWriter::finish() {
  std::int64_t missing = 0, first_page = -1;
  for (std::int64_t page = 0; page < page_count_; ++page) {
    const std::int64_t left = height_ * width_ - page_pixels_written_[static_cast<std::size_t>(page)];
    if (left > 0 && first_page < 0) first_page = page;
    missing += left;
  }
  if (missing > 0)
    throw Error(ErrorCode::internal, "\"" + path_.string() + "\": " + std::to_string(missing) + " of " +
                                         std::to_string(height_ * width_ * page_count_) +
                                         " pixels never written (the first on page " + std::to_string(first_page + 1) +
                                         " of " + std::to_string(page_count_) + ")");
  std::uint64_t at = data_start_ + page_bytes_ * static_cast<std::uint64_t>(page_count_);
  if (page_count_ > 1 && at % 2) file_->write_at(at, {std::byte{0}}), ++at;
  for (std::int64_t page = 1; page < page_count_; ++page) {
    const TiffDirectory d = directory(page, false);
    file_->write_at(at, d.encode(at, page + 1 < page_count_ ? at + d.size() : 0));
    at += d.size();
  }
  if ((dtype_ == DType::f32 || labelled_range_) && !range_) {
    // Now min and max are known: put them into the room kept after the description. A colour table
    // starts at 0 (a label image's background), whatever the smallest value.
    ij_.min = labelled_range_ ? 0.0 : seen_min_ <= seen_max_ ? seen_min_ : 0.0;
    ij_.max = labelled_range_ ? std::max(seen_max_, 1.0) : seen_min_ <= seen_max_ ? seen_max_ : 0.0;
    std::string final_text = imagej_description(ij_);
    if (final_text.size() <= description_.size()) {  // always, with kRangeRoom
      final_text.resize(description_.size(), ' ');
      file_->write_at(description_at_, reinterpret_cast<const std::byte*>(final_text.data()), final_text.size());
    }
  }
  if (!channel_min_.empty() && ij_tag_.byte_counts.size() > 1) {
    // The channel ranges go over the zeros the IJMetadata tag holds in their place (same size).
    std::vector<double> ranges;
    for (std::size_t c = 0; c < channel_min_.size(); ++c) {
      const bool seen = channel_min_[c] <= channel_max_[c];
      ranges.push_back(seen ? channel_min_[c] : 0.0);
      ranges.push_back(seen ? channel_max_[c] : 0.0);
    }
    const std::vector<std::byte> data = imagej_metadata_tag(labels_, ranges, lut_, ij_.channels).data;
    if (data.size() == ij_tag_.data.size()) file_->write_at(ij_tag_at_, data);
  }
  file_->close();
}

void write_tiff(const Image& image, const std::filesystem::path& path) {
  std::optional<std::pair<double, double>> range;
  if (image.pixels.dtype() == DType::f32) {
    // ImageJ shows floats over min..max; without them it picks a range from the first page only.
    range = finite_range(image.pixels.data<float>(), image.pixels.element_count());
  }
  TiffStackWriter writer(path, image.pixels.dtype(), image.pixels.shape(), image.pixels.axes(), image.calibration, range);
  writer.write(whole_box(image.pixels.shape()), image.pixels);
  writer.finish();
}

}  // namespace deepimage::io
