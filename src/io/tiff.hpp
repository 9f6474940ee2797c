// TIFF through libtiff.
//
// Read: 8/16/32/64-bit unsigned and signed integers, 32/64-bit float, 1-bit bilevel; strips or tiles;
// any compression libtiff decodes; multi-page stacks; RGB and other multi-sample pixels (-> a "c"
// axis). The axes of the pages come from the first page's ImageDescription (tiff_page_axes.hpp):
//   ImageJ hyperstack            pages -> t, z, c (c fastest, then z, then t)
//   OME-XML                      pages -> DimensionOrder (XYCZT: "tzc", XYZCT: "tcz", ...)
//   tifffile {"shape", "axes"}   pages -> its axes before Y X ("ZCYX": "zc")
//   several pages, none of these pages -> z                       ("zyx", "zcyx" with RGB pages)
//   RGB / multi-sample pixels    samples -> c, after any channel pages (c = c_page * samples + s)
// Axes come back in page order, a permutation of a subsequence of "tzc" then "yx" (size-1 axes
// dropped, y and x always kept).
// Palette images give their indices, bilevel images the stored bit as uint8 0/1, JPEG YCbCr gives RGB.
// Reduced-resolution pages (pyramid levels, thumbnails) are skipped. Pages of different size or type
// are an error. Calibration: ImageJ unit/spacing/finterval with X/YResolution as pixels per unit, OME
// PhysicalSizeX/Y/Z and TimeIncrement (in microns and seconds), or X/YResolution in centimetres
// (reported in microns); inch resolutions (screen dpi) are ignored.
// libtiff's messages go into the Error(io) naming the file, never to stderr.
// Sizes the file declares are checked before they are used: ImageJ counts must multiply to the page
// count without overflow, a tile may hold at most 4 pages' worth of bytes (64 MiB at least), a stack
// at most 2^63 bytes. Pages are reached by their directory offset, so reading a long stack is linear.
//
// Write: uint8, uint16, float32 (others: unsupported; write_image and create_image convert them to
// float32), as an uncompressed ImageJ hyperstack, all pixel data in one contiguous block as ImageJ
// reads it, written whole or box by box in any order: axes any subset/order of "tzcyx" plus size-1 others (dropped),
// pages in czt order, ImageDescription with images/channels/slices/frames/hyperstack, min/max for
// floats, calibration, frame interval, time unit and display mode when known; the IJMetadata tag with
// channel names as page labels and, for float channels, a display range per channel; BigTIFF when
// the pixel data nears 4 GB.
#pragma once

#include <filesystem>
#include <memory>
#include <tiffio.h>
#include <vector>

#include "core/box.hpp"
#include "io/image.hpp"
#include "io/image_region.hpp"
#include "io/imagej_metadata.hpp"
#include "io/positional_file.hpp"
#include "io/tiff_directory.hpp"

namespace deepimage::io {

class TiffFile;

// A TIFF opened for reading page by page: the header (axes, shape, type, calibration) at once, the
// pixels when asked, so a stack larger than memory can be processed slice by slice.
//
//   TiffPages pages("stack.tif");                       // axes "zcyx", shape {40, 2, 2048, 2048}
//   Tensor plane = pages.read_slice("z", 7);            // "cyx": pages 14 and 15 only
class TiffPages {
 public:
  explicit TiffPages(const std::filesystem::path& path);
  ~TiffPages();
  const Shape& shape() const { return shape_; }
  const std::string& axes() const { return axes_; }
  DType dtype() const { return dtype_; }
  const std::optional<Calibration>& calibration() const { return calibration_; }
  std::int64_t page_count() const;
  std::int64_t samples_per_pixel() const { return samples_; }
  // Every page, with the image's axes and calibration: what read_tiff returns.
  Image read_image() const;
  // Pages [first, first + count) as [count][samples][y][x], without axes.
  Tensor read(std::int64_t first, std::int64_t count) const;
  // Rows [y0, y1) of pages [first, first + count) as [count][samples][y1 - y0][x]: only the strips or
  // tiles holding those rows are decoded (region reads of an image larger than memory).
  Tensor read_rows(std::int64_t first, std::int64_t count, std::int64_t y0, std::int64_t y1) const;
  // Slice `index` (row-major) along `leading_axes`, which must be the first of axes() and only t/z:
  // then a slice is a run of whole pages. The slice has the remaining axes.
  Tensor read_slice(const std::string& leading_axes, std::int64_t index) const;

 private:
  std::unique_ptr<TiffFile> file_;
  std::vector<std::uint64_t> pages_;  // IFD offset of each full-resolution page
  Shape shape_;
  std::string axes_;
  DType dtype_ = DType::u8;
  std::int64_t samples_ = 1, height_ = 1, width_ = 1;
  std::optional<Calibration> calibration_;
};

Image read_tiff(const std::filesystem::path& path);

// A TIFF written in parts: the whole image's shape is given first, then boxes of it in any order
// (bands of rows across every page, tiles, slices), each pixel once, so a result larger than memory
// never has to be held at once. Writes `path` itself; callers write to a temporary name and rename
// (create_image does).
//
//   TiffStackWriter w(tmp, DType::f32, {2, 40, 512, 512}, "czyx", calibration);
//   w.write(Box{{0, 0, 0, 0}, {2, 40, 256, 512}}, top);      // "czyx" pixels of the box's shape
//   w.write(Box{{0, 0, 256, 0}, {2, 40, 512, 512}}, bottom);
//   w.finish();                      // float min/max go into the ImageJ description at the end
//
// append / append_rows write the next box for a writer going through the image in order.
class TiffStackWriter {
 public:
  TiffStackWriter(const std::filesystem::path& path, DType dtype, const Shape& shape, const std::string& axes,
                  const std::optional<Calibration>& calibration,
                  std::optional<std::pair<double, double>> range = std::nullopt);
  ~TiffStackWriter();
  // `pixels` (of `dtype`, the box's shape, in the image's axes) into `box` of the image.
  void write(const Box& box, const Tensor& pixels);
  // The next slice along the leading axes (row-major): the slice has the image's remaining axes.
  void append(const Tensor& slice);
  // The next rows along y, top to bottom, any number at a time: the image's shape but for y.
  void append_rows(const Tensor& rows);
  // Throws internal when some pixel was never written.
  void finish();

 private:
  std::uint32_t rows_per_strip() const;
  TiffDirectory directory(std::int64_t page, bool with_description) const;
  // write() without the box checks; `pixels` hold the box's elements in the image's axes order.
  void store(const Box& box, const Tensor& pixels);
  // Folds `count` values (floats; 16-bit with a colour table) into the whole image's range and, for
  // floats, into channel `channel`'s.
  void note_range(const std::byte* data, std::int64_t count, std::int64_t channel);

  std::filesystem::path path_;
  DType dtype_;
  Shape shape_;
  std::string axes_;
  std::optional<Calibration> calibration_;
  std::optional<std::pair<double, double>> range_;
  // The image as t, z, c, y, x: its shape, the axes kept (size-1 others dropped) in the image's order
  // and in t, z, c, y, x order, and each image axis's place in t, z, c, y, x (-1: dropped).
  Shape hyperstack_shape_, kept_shape_;
  std::string kept_axes_, order_;
  std::vector<int> hyperstack_axis_;
  ImageJMetadata ij_;
  std::unique_ptr<PositionalFile> file_;
  bool big_ = false;
  std::int64_t height_ = 0, width_ = 0, page_count_ = 0;
  std::int64_t next_slice_ = 0, rows_done_ = 0;           // append, append_rows: how far they got
  std::vector<std::int64_t> page_pixels_written_;          // per page: finish() needs all of them
  std::uint64_t page_bytes_ = 0, data_start_ = 0, description_at_ = 0, ij_tag_at_ = 0;
  std::string description_;
  double seen_min_ = 1e300, seen_max_ = -1e300;
  std::vector<double> channel_min_, channel_max_;  // float stacks of several channels: each one's range
  std::vector<std::string> labels_;                // one per page, from the calibration's channel names
  std::vector<std::uint8_t> lut_;                  // the calibration's colour table, for every channel
  bool labelled_range_ = false;                    // a 16-bit image with a colour table: shown over 0..max
  ImageJMetadataTag ij_tag_;                       // as written into the first directory
};
void write_tiff(const Image& image, const std::filesystem::path& path);

// Region access (image_region.hpp): boxes read through TiffPages, decoding only the pages and rows of
// the box; boxes written through TiffStackWriter into a temporary file renamed at commit.
std::unique_ptr<ImageSource> open_tiff(const std::filesystem::path& path);
std::unique_ptr<ImageSink> create_tiff(const std::filesystem::path& path, const ImageInfo& info);

}  // namespace deepimage::io
