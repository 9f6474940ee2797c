// TIFF through libtiff.
//
// Read: 8/16/32/64-bit unsigned and signed integers, 32/64-bit float, 1-bit bilevel; strips or tiles;
// any compression libtiff decodes; multi-page stacks; RGB and other multi-sample pixels (-> a "c"
// axis); ImageJ hyperstack metadata (images=, channels=, slices=, frames= in the first page's
// ImageDescription) and calibration (unit=, spacing=, finterval=, X/YResolution).
// Axes come back as a subsequence of "tzcyx" (size-1 axes dropped, y and x always kept).
//
// Write: uint8, uint16, float32, as an ImageJ hyperstack (pages in czt order, ImageDescription with
// images/channels/slices/frames/hyperstack, calibration when known), BigTIFF when over 4 GB.
#pragma once

#include <filesystem>

#include "io/image.hpp"

namespace deepimage::io {

Image read_tiff(const std::filesystem::path& path);
void write_tiff(const Image& image, const std::filesystem::path& path);

}  // namespace deepimage::io
