// TIFF reader: raw samples strip by strip or tile by tile (never TIFFReadRGBA*, which would turn
// 16-bit and float data into 8-bit RGBA), pages stacked, then axes named from ImageJ metadata.
//
// Layout we build first:  pixels[page][sample][y][x]
//   pages  -> the axes ImageJ, OME-XML or tifffile metadata give them (tiff_page_axes.hpp), "z" without
//   sample -> "c" (RGB and other multi-sample pixels); with channel pages as well, c = c_page * S + s
// Axes come out in page order ("zcyx", "czyx", "tzcyx", ...); size-1 axes other than y and x are dropped.
// Pages flagged as reduced-resolution (pyramid levels, thumbnails) are skipped.
// Palette images give their indices; bilevel (1-bit) images give the stored bit as uint8 0/1.
#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <vector>

#include "core/checked_math.hpp"
#include "deepimage/error.hpp"
#include "io/imagej_metadata.hpp"
#include "io/tiff.hpp"
#include "io/tiff_file.hpp"
#include "io/tiff_page_axes.hpp"

namespace deepimage::io {
namespace {

struct PageLayout {
  std::uint32_t width = 0, height = 0;
  std::uint16_t bits = 1, samples = 1, sample_format = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG;
  std::uint16_t compression = COMPRESSION_NONE;
  DType dtype = DType::u8;

  bool same_pixels(const PageLayout& o) const {
    return width == o.width && height == o.height && bits == o.bits && samples == o.samples &&
           sample_format == o.sample_format;
  }
  std::string describe() const {
    return std::to_string(width) + "x" + std::to_string(height) + " " + std::to_string(samples) +
           " sample(s) of " + std::string(to_string(dtype));
  }
};

DType dtype_for(const TiffFile& f, std::uint16_t bits, std::uint16_t format) {
  if (bits == 1 && format != SAMPLEFORMAT_IEEEFP) return DType::u8;
  const bool is_uint = format == SAMPLEFORMAT_UINT || format == SAMPLEFORMAT_VOID;
  if (format == SAMPLEFORMAT_IEEEFP) {
    if (bits == 32) return DType::f32;
    if (bits == 64) return DType::f64;
  } else if (is_uint || format == SAMPLEFORMAT_INT) {
    switch (bits) {
      case 8: return is_uint ? DType::u8 : DType::i8;
      case 16: return is_uint ? DType::u16 : DType::i16;
      case 32: return is_uint ? DType::u32 : DType::i32;
      case 64: return is_uint ? DType::u64 : DType::i64;
      default: break;
    }
  }
  throw Error(ErrorCode::unsupported, "\"" + f.path().string() + "\" has " + std::to_string(bits) +
                                          "-bit samples of sample format " + std::to_string(format) +
                                          " (expected 1-bit, 8/16/32/64-bit integers or 32/64-bit floats)");
}

PageLayout page_layout(const TiffFile& f) {
  TIFF* tif = f.get();
  PageLayout p;
  std::uint16_t& compression = p.compression;
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &p.width) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &p.height))
    f.fail("has a page without ImageWidth/ImageLength");
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &p.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &p.samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &p.sample_format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &p.planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
  TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
  if (!TIFFIsCODECConfigured(compression))
    throw Error(ErrorCode::unsupported, "\"" + f.path().string() + "\" uses TIFF compression " +
                                            std::to_string(compression) + ", which this libtiff cannot decode");
  if (photometric == PHOTOMETRIC_YCBCR) {
    // JPEG-in-TIFF stores YCbCr; the codec converts to RGB when asked, which is what users expect.
    if (compression != COMPRESSION_JPEG)
      throw Error(ErrorCode::unsupported, "\"" + f.path().string() + "\" stores YCbCr pixels without JPEG compression");
    TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  }
  if (p.width == 0 || p.height == 0 || p.samples == 0) f.fail("has an empty page");
  p.dtype = dtype_for(f, p.bits, p.sample_format);
  // Sizes are the file's word: 2^32 x 2^32 pixels of 65535 samples would wrap around in 64 bits.
  if (!checked_product(std::array<std::int64_t, 4>{p.width, p.height, p.samples,
                                                   static_cast<std::int64_t>(dtype_size(p.dtype))}))
    f.fail("declares a page of " + p.describe() + ", more than 2^63 bytes");
  return p;
}

std::int64_t page_bytes(const PageLayout& p) {
  return static_cast<std::int64_t>(p.width) * p.height * p.samples * static_cast<std::int64_t>(dtype_size(p.dtype));
}

// The bytes a page's samples take undecoded (at least): 1-bit pages hold 8 pixels a byte, other depths
// whole bytes; page_layout checked the product fits.
std::uintmax_t raw_bytes(const PageLayout& p) {
  const auto pixels = static_cast<std::uintmax_t>(p.width) * p.height * p.samples;
  return p.bits == 1 ? (pixels + 7) / 8 : static_cast<std::uintmax_t>(page_bytes(p));
}

// The bytes an uncompressed page's samples take in the file; 0 for a compressed page.
std::uintmax_t uncompressed_bytes(const PageLayout& p) { return p.compression == COMPRESSION_NONE ? raw_bytes(p) : 0; }

// The most a codec can expand its bytes, for codecs with a bound: deflate (zlib's 1032:1), LZW (a code
// of 9 bits or more never stands for more than 4096 bytes), PackBits (2 bytes for a run of 128). 0 for
// codecs without a useful bound (JPEG, ZSTD, LZMA, CCITT fax on 1-bit pages, ...).
struct CodecBound {
  const char* name;
  std::uintmax_t ratio;
};
CodecBound codec_bound(std::uint16_t compression) {
  switch (compression) {
    case COMPRESSION_ADOBE_DEFLATE:
    case COMPRESSION_DEFLATE: return {"deflate", 1032};
    case COMPRESSION_LZW: return {"LZW", 4096 * 8 / 9};
    case COMPRESSION_PACKBITS: return {"PackBits", 64};
    default: return {"", 0};
  }
}

// The fewest bytes a compressed page with a bounded codec can be stored in; 0 otherwise.
std::uintmax_t least_compressed_bytes(const PageLayout& p) {
  const CodecBound bound = codec_bound(p.compression);
  if (p.compression == COMPRESSION_NONE || bound.ratio == 0) return 0;
  return (raw_bytes(p) + bound.ratio - 1) / bound.ratio;
}

// A tile is allocated before it is read, so its declared size must make sense for the page: a 5 KB
// file declaring TileLength 167772176 would otherwise cost gigabytes. Tiles may overhang the page (they
// are multiples of 16), so the bound is generous: 4 pages' worth, and never less than 64 MiB.
constexpr std::int64_t kMinTileCap = std::int64_t{64} << 20;

void check_tile_size(const TiffFile& f, const PageLayout& p, std::uint32_t tw, std::uint32_t th, tmsize_t tile_bytes,
                     const std::string& where) {
  const std::int64_t cap = std::max(kMinTileCap, 4 * page_bytes(p));
  if (tile_bytes > cap)
    f.fail("declares tiles of " + std::to_string(tw) + "x" + std::to_string(th) + " pixels (" +
           std::to_string(tile_bytes) + " bytes)" + where + ", too large for a page of " + p.describe() +
           " (at most " + std::to_string(cap) + " bytes)");
}

// Copies the samples of one decoded strip or tile into planes[sample][y][x].
struct Segment {
  std::uint32_t x0, y0;         // where the segment starts in the page
  std::uint32_t width, rows;    // its size in the buffer (a tile's full width even at the edge)
  std::uint16_t first_sample;   // planar separate: the sample it holds; contig: 0
  std::uint16_t sample_count;   // samples per pixel in the buffer
};

void scatter(const PageLayout& p, const Segment& s, const std::byte* buffer, std::byte* planes) {
  const std::size_t es = dtype_size(p.dtype);
  const std::size_t plane = static_cast<std::size_t>(p.width) * p.height;
  const std::size_t bits_per_pixel = static_cast<std::size_t>(p.bits) * s.sample_count;
  const std::size_t row_bytes = (s.width * bits_per_pixel + 7) / 8;
  const std::uint32_t rows = std::min(s.rows, p.height - s.y0);
  const std::uint32_t cols = std::min(s.width, p.width - s.x0);
  for (std::uint32_t r = 0; r < rows; ++r) {
    const std::byte* src = buffer + r * row_bytes;
    const std::size_t out_row = static_cast<std::size_t>(s.y0 + r) * p.width + s.x0;
    for (std::uint16_t k = 0; k < s.sample_count; ++k) {
      std::byte* dst = planes + (static_cast<std::size_t>(s.first_sample + k) * plane + out_row) * es;
      if (p.bits == 1) {
        for (std::uint32_t c = 0; c < cols; ++c) {
          const std::size_t bit = static_cast<std::size_t>(c) * s.sample_count + k;
          const auto byte = std::to_integer<unsigned>(src[bit / 8]);
          dst[c] = static_cast<std::byte>((byte >> (7 - bit % 8)) & 1u);
        }
      } else if (s.sample_count == 1) {
        std::memcpy(dst, src, cols * es);
      } else {
        for (std::uint32_t c = 0; c < cols; ++c)
          std::memcpy(dst + c * es, src + (static_cast<std::size_t>(c) * s.sample_count + k) * es, es);
      }
    }
  }
}

// Decodes rows [y0, y1) of the current page into planes[sample][y - y0][x]: only the strips or tiles
// that hold those rows are read.
void read_page_rows(const TiffFile& f, const PageLayout& p, std::size_t page_index, std::uint32_t y0, std::uint32_t y1,
                    std::byte* planes) {
  TIFF* tif = f.get();
  const bool separate = p.planar == PLANARCONFIG_SEPARATE && p.samples > 1;
  const std::uint16_t per_segment = separate ? 1 : p.samples;
  const std::uint16_t sample_groups = separate ? p.samples : 1;
  const std::string where = " on page " + std::to_string(page_index + 1);
  PageLayout band = p;
  band.height = y1 - y0;
  const std::size_t bits_per_pixel = static_cast<std::size_t>(p.bits) * per_segment;
  // Copies the rows of one decoded segment (rows [seg_y, seg_y + seg_rows) of the page) that fall in
  // [y0, y1), one row at a time.
  const auto copy_rows = [&](const std::byte* buffer, std::uint32_t x, std::uint32_t seg_y, std::uint32_t seg_width,
                             std::uint32_t seg_rows, std::uint16_t g) {
    const std::size_t row_bytes = (seg_width * bits_per_pixel + 7) / 8;
    const std::uint32_t from = std::max(seg_y, y0), to = std::min({seg_y + seg_rows, y1, p.height});
    for (std::uint32_t y = from; y < to; ++y)
      scatter(band, {x, y - y0, seg_width, 1, g, per_segment}, buffer + (y - seg_y) * row_bytes, planes);
  };
  if (TIFFIsTiled(tif)) {
    std::uint32_t tw = 0, th = 0;
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    const tmsize_t tile_bytes = TIFFTileSize(tif);
    if (tw == 0 || th == 0 || tile_bytes <= 0) f.fail("has invalid tile sizes" + where);
    check_tile_size(f, p, tw, th, tile_bytes, where);
    std::vector<std::byte> buffer(static_cast<std::size_t>(tile_bytes));
    for (std::uint16_t g = 0; g < sample_groups; ++g)
      for (std::uint32_t y = y0 / th * th; y < y1; y += th)
        for (std::uint32_t x = 0; x < p.width; x += tw) {
          const ttile_t tile = TIFFComputeTile(tif, x, y, 0, g);
          if (TIFFReadEncodedTile(tif, tile, buffer.data(), tile_bytes) != tile_bytes)
            f.fail("is truncated or corrupt: tile " + std::to_string(tile) + where + " cannot be decoded");
          copy_rows(buffer.data(), x, y, tw, th, g);
        }
    return;
  }
  std::uint32_t rows_per_strip = p.height;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  rows_per_strip = std::clamp<std::uint32_t>(rows_per_strip, 1, p.height);
  const tmsize_t strip_bytes = TIFFStripSize(tif);
  if (strip_bytes <= 0) f.fail("has an invalid strip size" + where);
  std::vector<std::byte> buffer(static_cast<std::size_t>(strip_bytes));
  for (std::uint16_t g = 0; g < sample_groups; ++g)
    for (std::uint32_t y = y0 / rows_per_strip * rows_per_strip; y < y1; y += rows_per_strip) {
      const std::uint32_t rows = std::min(rows_per_strip, p.height - y);
      const tstrip_t strip = TIFFComputeStrip(tif, y, g);
      const tmsize_t expected = TIFFVStripSize(tif, rows);
      if (TIFFReadEncodedStrip(tif, strip, buffer.data(), expected) != expected)
        f.fail("is truncated or corrupt: strip " + std::to_string(strip) + where + " cannot be decoded");
      copy_rows(buffer.data(), 0, y, p.width, rows, g);
    }
}

// Decodes the current page into planes[sample][y][x] (samples * height * width elements).
void read_page(const TiffFile& f, const PageLayout& p, std::size_t page_index, std::byte* planes) {
  read_page_rows(f, p, page_index, 0, p.height, planes);
}

std::string first_description(TIFF* tif) {
  const char* text = nullptr;
  if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &text) && text) return text;
  return {};
}

std::optional<Calibration> calibration_of(TIFF* tif, const std::optional<ImageJMetadata>& ij) {
  float xres = 0, yres = 0;
  std::uint16_t res_unit = RESUNIT_INCH;
  const bool has_res = TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) && TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres) &&
                       xres > 0 && yres > 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &res_unit);
  Calibration c;
  bool known = false;
  if (ij && (!ij->unit.empty() || ij->spacing || ij->finterval)) {
    // ImageJ: X/YResolution are pixels per `unit`, whatever ResolutionUnit says.
    known = true;
    c.unit = ij->unit;
    if (has_res) c.x = 1.0 / xres, c.y = 1.0 / yres;
    if (ij->spacing) c.z = *ij->spacing;
    if (ij->finterval) c.frame_interval = *ij->finterval;
    c.spatial = !ij->unit.empty() || ij->spacing || has_res;
  } else if (has_res && res_unit == RESUNIT_CENTIMETER) {
    known = true;
    c.unit = "micron";
    c.x = 1e4 / xres, c.y = 1e4 / yres;
  }
  // Resolution in inches (often a 72 dpi default from the writing software) says nothing about a
  // microscope's pixel size, so it is not reported.
  // How ImageJ shows the channels and its time unit go on to the output; grayscale is the default.
  if (ij && (!ij->tunit.empty() || (!ij->mode.empty() && ij->mode != "grayscale"))) {
    if (!known) c.spatial = false;
    known = true;
    c.time_unit = ij->tunit;
    if (ij->mode != "grayscale") c.display_mode = ij->mode;
  }
  return known ? std::optional<Calibration>(c) : std::nullopt;
}

}  // namespace

// "m": no memory-mapping. Pages of a mapped file stay resident (and count as ours) once read, which
// would hold a whole stack in memory when it is processed slice by slice.
TiffPages::TiffPages(const std::filesystem::path& path) : file_(std::make_unique<TiffFile>(path, "rm")) {
  const TiffFile& f = *file_;
  TIFF* tif = f.get();

  // Which pages hold full-resolution data, and do they agree?
  PageLayout layout;
  const std::string description = first_description(tif);
  // Uncompressed samples lie in the file byte for byte, so uncompressed pages cannot need more bytes
  // than the whole file holds: a 4 KB file declaring 100000x100000 pixels is refused below, before a
  // tile plan, an engine or a strip buffer is sized for ten gigabytes. Pages of a codec whose expansion
  // is bounded (deflate, LZW, PackBits) need at least their size over that bound: a 1 KB file claiming
  // 145 GB of deflate is refused too. (Other codecs' strips and tiles are checked as they are decoded.)
  std::uintmax_t stored_bytes = 0;  // saturates: pages of 2^62 bytes each must not wrap around
  std::int64_t stored_pages = 0;
  std::uintmax_t compressed_bytes = 0, compressed_decoded = 0;  // the least the bounded-codec pages need; their size
  std::int64_t compressed_pages = 0;
  PageLayout compressed_layout;  // the first of them, to name its codec
  tdir_t dir = 0;
  do {
    std::uint32_t subfile = 0;
    TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &subfile);
    if (pages_.empty() || !(subfile & FILETYPE_REDUCEDIMAGE)) {
      PageLayout p = page_layout(f);
      constexpr auto kMax = std::numeric_limits<std::uintmax_t>::max();
      const auto add = [](std::uintmax_t& sum, std::uintmax_t bytes) { sum = bytes > kMax - sum ? kMax : sum + bytes; };
      if (const std::uintmax_t bytes = uncompressed_bytes(p)) {
        add(stored_bytes, bytes);
        ++stored_pages;
      } else if (const std::uintmax_t least = least_compressed_bytes(p)) {
        if (compressed_pages++ == 0) compressed_layout = p;
        add(compressed_bytes, least);
        add(compressed_decoded, raw_bytes(p));
      }
      if (pages_.empty()) {
        layout = p;
      } else if (!p.same_pixels(layout)) {
        throw Error(ErrorCode::unsupported, "\"" + path.string() + "\" page " + std::to_string(pages_.size() + 1) +
                                                " is " + p.describe() + " but page 1 is " + layout.describe() +
                                                " (a stack needs pages of one size and type)");
      }
      // Offsets, not directory numbers: TIFFSetDirectory(n) walks the chain from the first page, which
      // makes reading every page of a long stack quadratic; TIFFSetSubDirectory(offset) goes straight there.
      pages_.push_back(TIFFCurrentDirOffset(tif));
    }
    ++dir;
  } while (TIFFReadDirectory(tif));
  if (f.has_errors()) f.fail("has a corrupt page directory after page " + std::to_string(dir));

  const auto page_count = static_cast<std::int64_t>(pages_.size());
  const PageAxes page = page_axes(description, page_count, layout.samples, path);
  if (!TIFFSetSubDirectory(tif, pages_[0])) f.fail("cannot open page 1");
  calibration_ = page.ome_calibration ? page.ome_calibration
                                      : calibration_of(tif, page.source == "imagej" ? parse_imagej_description(description)
                                                                                    : std::nullopt);

  // Name the axes: the page axes (size 1 dropped), then the samples of a pixel as "c". When the
  // pages also run along c, the samples continue it (c = c_page * samples + s), which needs c to be
  // the fastest page axis.
  samples_ = layout.samples, height_ = layout.height, width_ = layout.width;
  dtype_ = layout.dtype;
  for (std::size_t k = 0; k < page.axes.size(); ++k)
    if (page.sizes[k] > 1) axes_ += page.axes[k], shape_.push_back(page.sizes[k]);
  if (samples_ > 1) {
    if (axes_.empty() || axes_.back() != 'c') {
      if (axes_.find('c') != std::string::npos)
        throw Error(ErrorCode::unsupported, "\"" + path.string() + "\" has " + std::to_string(samples_) +
                                                " samples per pixel and pages ordered \"" + axes_ +
                                                "\" (samples need channel pages to be the fastest)");
      axes_ += 'c', shape_.push_back(samples_);
    } else {
      shape_.back() *= samples_;
    }
  }
  axes_ += "yx";
  shape_.push_back(height_);
  shape_.push_back(width_);
  const auto total = checked_product(shape_);
  if (!total || !checked_multiply(*total, static_cast<std::int64_t>(dtype_size(dtype_))))
    f.fail("declares " + std::to_string(page_count) + " pages of " + layout.describe() + ", more than 2^63 bytes");
  std::error_code ec;
  const std::uintmax_t file_bytes = std::filesystem::file_size(path, ec);
  if (!ec && stored_bytes > file_bytes)
    f.fail("declares " + std::to_string(stored_pages) + " uncompressed page(s) of " + layout.describe() + " (" +
           std::to_string(stored_bytes) + " bytes), more than the " + std::to_string(file_bytes) + " bytes the file holds");
  if (!ec && compressed_bytes > file_bytes) {
    const CodecBound bound = codec_bound(compressed_layout.compression);
    f.fail("declares " + std::to_string(compressed_pages) + " " + bound.name + "-compressed page(s) of " + compressed_layout.describe() +
           " (" + std::to_string(compressed_decoded) + " bytes), more than the " + std::to_string(file_bytes) +
           " bytes the file holds can expand to (" + bound.name + ": at most " + std::to_string(bound.ratio) + ":1)");
  }
}

TiffPages::~TiffPages() = default;

std::int64_t TiffPages::page_count() const { return static_cast<std::int64_t>(pages_.size()); }

Tensor TiffPages::read(std::int64_t first, std::int64_t count) const {
  if (first < 0 || count < 1 || first + count > page_count())
    throw Error(ErrorCode::internal, "pages " + std::to_string(first) + "+" + std::to_string(count) + " of " +
                                         std::to_string(page_count()) + " requested from \"" + file_->path().string() + "\"");
  Tensor pixels(dtype_, {count, samples_, height_, width_});
  const std::size_t page_bytes = static_cast<std::size_t>(samples_ * height_ * width_) * dtype_size(dtype_);
  for (std::int64_t i = 0; i < count; ++i) {
    const auto page = static_cast<std::size_t>(first + i);
    if (!TIFFSetSubDirectory(file_->get(), pages_[page])) file_->fail("cannot open page " + std::to_string(page + 1));
    const PageLayout p = page_layout(*file_);  // also re-applies JPEGCOLORMODE, which is per directory
    read_page(*file_, p, page, pixels.bytes() + static_cast<std::size_t>(i) * page_bytes);
  }
  return pixels;
}

Tensor TiffPages::read_rows(std::int64_t first, std::int64_t count, std::int64_t y0, std::int64_t y1) const {
  if (first < 0 || count < 1 || first + count > page_count() || y0 < 0 || y1 <= y0 || y1 > height_)
    throw Error(ErrorCode::internal, "rows " + std::to_string(y0) + ".." + std::to_string(y1) + " of pages " +
                                         std::to_string(first) + "+" + std::to_string(count) + " requested from \"" +
                                         file_->path().string() + "\"");
  Tensor pixels(dtype_, {count, samples_, y1 - y0, width_});
  const std::size_t band_bytes = static_cast<std::size_t>(samples_ * (y1 - y0) * width_) * dtype_size(dtype_);
  for (std::int64_t i = 0; i < count; ++i) {
    const auto page = static_cast<std::size_t>(first + i);
    if (!TIFFSetSubDirectory(file_->get(), pages_[page])) file_->fail("cannot open page " + std::to_string(page + 1));
    const PageLayout p = page_layout(*file_);
    read_page_rows(*file_, p, page, static_cast<std::uint32_t>(y0), static_cast<std::uint32_t>(y1),
                   pixels.bytes() + static_cast<std::size_t>(i) * band_bytes);
  }
  return pixels;
}

Tensor TiffPages::read_slice(const std::string& leading_axes, std::int64_t index) const {
  if (axes_.compare(0, leading_axes.size(), leading_axes) != 0 || leading_axes.find_first_not_of("tz") != std::string::npos)
    throw Error(ErrorCode::internal, "slices along \"" + leading_axes + "\" are not runs of pages of \"" + axes_ + "\"");
  Shape rest(shape_.begin() + static_cast<std::ptrdiff_t>(leading_axes.size()), shape_.end());
  const std::int64_t slice_count = element_count(shape_) / element_count(rest);
  const std::int64_t pages_per_slice = page_count() / slice_count;
  Tensor slice = read(index * pages_per_slice, pages_per_slice);
  slice.reshape(rest, axes_.substr(leading_axes.size()));
  return slice;
}

Image TiffPages::read_image() const {
  Tensor pixels = read(0, page_count());
  pixels.reshape(shape_, axes_);
  return {std::move(pixels), calibration_};
}

Image read_tiff(const std::filesystem::path& path) { return TiffPages(path).read_image(); }

}  // namespace deepimage::io
