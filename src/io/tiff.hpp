// TIFF through libtiff.
//
// Read: 8/16/32/64-bit unsigned and signed integers, 32/64-bit float, 1-bit bilevel; strips or tiles;
// any compression libtiff decodes; multi-page stacks; RGB and other multi-sample pixels (-> a "c"
// axis); ImageJ hyperstack metadata (images=, channels=, slices=, frames= in the first page's
// ImageDescription) and calibration (unit=, spacing=, finterval=, X/YResolution).
// Axes come back as a subsequence of "tzcyx" (size-1 axes dropped, y and x always kept):
//   ImageJ hyperstack            pages -> t, z, c (c fastest, then z, then t)
//   several pages, no ImageJ     pages -> z                       ("zyx", "zcyx" with RGB pages)
//   RGB / multi-sample pixels    samples -> c, after any ImageJ channels (c = c_imagej * samples + s)
// Palette images give their indices, bilevel images the stored bit as uint8 0/1, JPEG YCbCr gives RGB.
// Reduced-resolution pages (pyramid levels, thumbnails) are skipped. Pages of different size or type
// are an error. Calibration: ImageJ unit/spacing/finterval with X/YResolution as pixels per unit, or
// X/YResolution in centimetres (reported in microns); inch resolutions (screen dpi) are ignored.
// libtiff's messages go into the Error(io) naming the file, never to stderr.
//
// Write: uint8, uint16, float32 (others: unsupported; write_image converts them to float32), as an
// uncompressed ImageJ hyperstack: axes any subset/order of "tzcyx" plus size-1 others (dropped),
// pages in czt order, ImageDescription with images/channels/slices/frames/hyperstack, min/max for
// floats, calibration when known; BigTIFF when the pixel data nears 4 GB.
#pragma once

#include <filesystem>

#include "io/image.hpp"

namespace deepimage::io {

Image read_tiff(const std::filesystem::path& path);
void write_tiff(const Image& image, const std::filesystem::path& path);

}  // namespace deepimage::io
