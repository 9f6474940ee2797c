// OME-Zarr (NGFF 0.4) images stored as zarr v2 arrays: a folder `image.ome.zarr/` holding `.zgroup`,
// `.zattrs` (the "multiscales" metadata: axes, one dataset per resolution level with its scale) and
// one folder per level (`0/`), each a zarr array (`.zarray` and one file per chunk).
//
//   auto in = open_ome_zarr("cells.ome.zarr");        // level 0; reads .zattrs and 0/.zarray only
//   Tensor part = in->read(box);                       // decodes the chunks the box touches, no others
//   auto out = create_ome_zarr("out.ome.zarr", info);  // chunks 1 x C x 256 x 256, blosc-lz4, pyramid
//
// Read (.zarray): zarr_format 2; dtype "<u1" "|u1" "<i1" "<u2" "<i2" "<u4" "<i4" "<u8" "<i8" "<f4"
// "<f8" "|b1" (">" big endian too); order "C" or "F"; fill_value a number, null (0), "NaN",
// "Infinity", "-Infinity"; compressor null, zlib, gzip or blosc (lz4, lz4hc, zstd, zlib, blosclz,
// snappy where libblosc has it); dimension_separator "." (default) or "/"; no filters. A chunk file
// that does not exist holds fill_value. (.zattrs): multiscales[0].axes names (one letter each: t c z
// y x as bioimage.io names them), the scale of datasets[0] (times the multiscale's own scale, when
// given) as the pixel size along x, y, z (unit "micrometer" is ImageJ's "micron") and t.
// Axes of size 1 other than y and x are dropped, as every reader does (image.hpp).
//
// Write: the same layout, axes in NGFF order (t, c, z, y, x; only those the image has, typed time,
// channel, space; the image's own order is transposed into it box by box), scale from the calibration
// (1 when none), chunks of 1 along t and z, the whole of c, 256 along y and x, blosc-lz4 with byte
// shuffle, dimension_separator "/". A multiscale pyramid: levels 1, 2, ... halve y and x, each with
// twice the scale of the one above, down to a level that fits one chunk (ImageInfo::pyramid_levels
// sets another count), built from level 0's chunks as they are completed (zarr_pyramid.hpp says how).
// Written into a temporary folder renamed into place at commit (image_region.hpp), so nothing partial
// ever has the final name.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "io/image.hpp"
#include "io/image_region.hpp"

namespace deepimage::io {

std::unique_ptr<ImageSource> open_ome_zarr(const std::filesystem::path& path);
std::unique_ptr<ImageSink> create_ome_zarr(const std::filesystem::path& path, const ImageInfo& info);
Image read_ome_zarr(const std::filesystem::path& path);
// Writes exactly to `path` (a folder made here), as ImageFormat::write does.
void write_ome_zarr(const Image& image, const std::filesystem::path& path);
// Adds levels 1, 2, ... (`pyramid_levels` as ImageInfo's: 0 down to one chunk) to an OME-Zarr image
// that lists level 0 alone, from its chunks read one at a time, exactly as the sink would have made
// them, and lists them in .zattrs (written last). For outputs written chunk by chunk by several
// processes (sharded runs), which cannot build the levels themselves. Throws unsupported unless the
// axes end in y, x with chunks along them even (or whole).
void add_ome_zarr_pyramid(const std::filesystem::path& path, int pyramid_levels = 0);
// `axes` in the order an OME-Zarr output stores them: t, c (or an axis of another kind), z, y, x;
// "zcyx" -> "czyx". Whoever writes level 0's chunks itself transposes its boxes so.
std::string ngff_axis_order(std::string axes);

}  // namespace deepimage::io
