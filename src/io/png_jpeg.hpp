// PNG and JPEG images through libpng and libjpeg (Debian libpng16, libjpeg62-turbo).
//
//   Image img = read_png_jpeg("cells.png");   // "yx" grey, "yxc" RGB or RGBA, uint8 or uint16
//
// Grey images give "yx"; colour images "yxc" with channels in R, G, B (, A) order. Grey with alpha,
// or with a transparent grey value (tRNS), comes back as RGBA, the grey in R, G and B. 8 and 16-bit
// PNGs keep their depth, grey below 8 bits is scaled to 8; JPEG is 8-bit. A palette PNG gives its
// colours, not indices. No gamma or colour profile is applied, nor a JPEG's EXIF orientation: pixels
// are as stored. A CMYK JPEG is refused. Results of runs are written as TIFF or .npy; write_png is for
// pictures about a model (a bundle's cover).
#pragma once

#include <filesystem>

#include "io/image.hpp"

namespace deepimage::io {

// A PNG or JPEG, told apart by the file's first bytes.
Image read_png_jpeg(const std::filesystem::path& path);
Image read_png(const std::filesystem::path& path);   // png_file.cpp
Image read_jpeg(const std::filesystem::path& path);  // jpeg_file.cpp

// An 8-bit "yx" grey or "yxc" RGB picture to `path`, exactly there (the caller handles temporary names).
void write_png(const Tensor& pixels, const std::filesystem::path& path);

}  // namespace deepimage::io
