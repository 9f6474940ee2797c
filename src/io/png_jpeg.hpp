// PNG and JPEG images through OpenCV's imgcodecs (libpng, libjpeg).
//
//   Image img = read_png_jpeg("cells.png");   // "yx" grey, "yxc" RGB or RGBA, uint8 or uint16
//
// Grey images give "yx"; colour images "yxc" with channels in R, G, B (, A) order: OpenCV decodes to
// B, G, R, which is turned round here. Grey with alpha comes back as RGBA (libpng expands it so).
// 8 and 16-bit PNGs keep their depth; JPEG is 8-bit. A palette PNG gives its colours, not indices.
// The EXIF orientation of a JPEG is not applied: pixels are as stored. Results of runs are written
// as TIFF or .npy; write_png is for pictures about a model (a bundle's cover).
#pragma once

#include <filesystem>

#include "io/image.hpp"

namespace deepimage::io {

Image read_png_jpeg(const std::filesystem::path& path);

// An 8-bit "yx" grey or "yxc" RGB picture to `path`, exactly there (the caller handles temporary names).
void write_png(const Tensor& pixels, const std::filesystem::path& path);

}  // namespace deepimage::io
