// TIFF writer: an uncompressed ImageJ hyperstack that ImageJ/Fiji, tifffile and our reader open with
// the same axes. One sample per pixel; pages in ImageJ order (c fastest, then z, then t).
#include <algorithm>
#include <cmath>
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

// The pixels as a contiguous t,z,c,y,x array: a view of the tensor's bytes when its axes are
// already in that order (the common case, no copy of a possibly huge image), else a transposed copy.
struct Hyperstack {
  Shape shape;  // t, z, c, y, x
  Tensor storage;
  const std::byte* data = nullptr;
};

Hyperstack to_hyperstack(const Tensor& pixels, const std::filesystem::path& path) {
  std::string axes = pixels.axes();
  if (axes.empty()) {
    if (pixels.rank() != 2)
      throw Error(ErrorCode::invalid_argument, "cannot write \"" + path.string() + "\": a tensor of shape " +
                                                   shape_to_string(pixels.shape()) + " needs axis names");
    axes = "yx";
  }
  Shape kept_shape;
  std::string kept_axes;
  for (std::size_t d = 0; d < axes.size(); ++d) {
    const char a = axes[d];
    const bool known = kHyperstackOrder.find(a) != std::string_view::npos;
    if (!known && pixels.shape()[d] == 1) continue;  // a size-1 batch or index axis carries nothing
    if (!known || kept_axes.find(a) != std::string::npos)
      throw Error(ErrorCode::invalid_argument, "cannot write axes \"" + axes + "\" with shape " +
                                                   shape_to_string(pixels.shape()) + " to TIFF \"" + path.string() +
                                                   "\" (expected distinct axes from \"tzcyx\", other axes of size 1)");
    kept_shape.push_back(pixels.shape()[d]);
    kept_axes += a;
  }
  for (char a : {'y', 'x'})
    if (kept_axes.find(a) == std::string::npos)
      throw Error(ErrorCode::invalid_argument, "cannot write axes \"" + axes + "\" to TIFF \"" + path.string() +
                                                   "\": an image needs \"y\" and \"x\"");
  std::string order;
  for (char a : kHyperstackOrder)
    if (kept_axes.find(a) != std::string::npos) order += a;
  Hyperstack h;
  for (char a : kHyperstackOrder) {
    const auto at = kept_axes.find(a);
    h.shape.push_back(at == std::string::npos ? 1 : kept_shape[at]);
  }
  if (order == kept_axes) {
    h.data = pixels.bytes();
  } else {
    h.storage = pixels;
    h.storage.reshape(kept_shape, kept_axes);
    h.storage = h.storage.transposed(order);
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

void write_tiff(const Image& image, const std::filesystem::path& path) {
  const DType dtype = image.pixels.dtype();
  if (dtype != DType::u8 && dtype != DType::u16 && dtype != DType::f32)
    throw Error(ErrorCode::unsupported, "cannot write " + std::string(to_string(dtype)) + " to TIFF \"" +
                                            path.string() + "\" (expected uint8, uint16 or float32)");
  const Hyperstack t = to_hyperstack(image.pixels, path);
  const auto& s = t.shape;
  const std::int64_t frames = s[0], slices = s[1], channels = s[2], height = s[3], width = s[4];
  const std::int64_t page_count = frames * slices * channels;
  if (height > std::numeric_limits<std::uint32_t>::max() || width > std::numeric_limits<std::uint32_t>::max() ||
      height == 0 || width == 0 || page_count == 0)
    throw Error(ErrorCode::invalid_argument, "cannot write an image of shape " + shape_to_string(image.pixels.shape()) +
                                                 " to TIFF \"" + path.string() + "\"");

  ImageJMetadata ij;
  ij.images = page_count, ij.channels = channels, ij.slices = slices, ij.frames = frames;
  const auto& cal = image.calibration;
  if (cal) {
    ij.unit = cal->unit;
    ij.spacing = cal->z;  // also marks the file as calibrated when the unit is unknown
    if (cal->frame_interval > 0) ij.finterval = cal->frame_interval;
  }
  if (dtype == DType::f32) {
    // ImageJ shows floats over min..max; without them it picks a range from the first page only.
    const auto [lo, hi] = finite_range(reinterpret_cast<const float*>(t.data), image.pixels.element_count());
    ij.min = lo, ij.max = hi;
  }
  const std::string description = imagej_description(ij);

  const std::uint16_t bits = static_cast<std::uint16_t>(dtype_size(dtype) * 8);
  const std::uint16_t format = dtype == DType::f32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT;
  const std::size_t row_bytes = static_cast<std::size_t>(width) * dtype_size(dtype);
  const std::size_t page_bytes = row_bytes * static_cast<std::size_t>(height);
  const auto rows_per_strip =
      static_cast<std::uint32_t>(std::clamp<std::size_t>(kStripBytes / row_bytes, 1, static_cast<std::size_t>(height)));
  const bool big = static_cast<std::uint64_t>(image.pixels.byte_count()) > kBigTiffThreshold;

  TiffFile f(path, big ? "w8" : "w");
  TIFF* tif = f.get();
  for (std::int64_t page = 0; page < page_count; ++page) {
    TIFFSetField(tif, TIFFTAG_SUBFILETYPE, 0);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(width));
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(height));
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bits);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, format);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
    if (page == 0) TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, description.c_str());
    if (cal && cal->x > 0 && cal->y > 0) {
      // ImageJ's convention: pixels per unit, the unit itself in the description.
      TIFFSetField(tif, TIFFTAG_XRESOLUTION, static_cast<float>(1.0 / cal->x));
      TIFFSetField(tif, TIFFTAG_YRESOLUTION, static_cast<float>(1.0 / cal->y));
      TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_NONE);
    }
    const std::byte* data = t.data + static_cast<std::size_t>(page) * page_bytes;
    for (std::uint32_t y = 0, strip = 0; y < height; y += rows_per_strip, ++strip) {
      const std::size_t rows = std::min<std::size_t>(rows_per_strip, static_cast<std::size_t>(height) - y);
      // libtiff's API takes a non-const buffer but does not modify it when writing uncompressed data.
      auto* strip_data = const_cast<std::byte*>(data + y * row_bytes);
      if (TIFFWriteEncodedStrip(tif, strip, strip_data, static_cast<tmsize_t>(rows * row_bytes)) < 0)
        f.fail("cannot be written (page " + std::to_string(page + 1) + ")");
    }
    if (!TIFFWriteDirectory(tif)) f.fail("cannot be written (page " + std::to_string(page + 1) + " directory)");
  }
  f.close();
}

}  // namespace deepimage::io
