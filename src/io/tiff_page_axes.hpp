// Which axes a TIFF's pages run along, from the metadata in the first page's ImageDescription.
//
//   PageAxes p = page_axes(description, 24, 1, "cells.ome.tif");   // p.axes "zc", p.sizes {12, 2}
//
// Three writers say it, each its own way; the first that applies wins:
//   ImageJ      "ImageJ=...\nchannels=2\nslices=12\n"  pages t, z, c (c fastest)
//   OME-XML     <Pixels DimensionOrder="XYCZT" SizeC="2" SizeZ="12" SizeT="1" PhysicalSizeX="0.2" ...>
//               the order names the fastest axis first: pages here run c fastest, then z, then t
//   tifffile    {"shape": [12, 2, 512, 512], "axes": "ZCYX"}  (the "shaped" description): the
//               letters before Y X are the pages, outer first; S (or a C/S just before Y when the
//               samples are stored as separate planes) is the samples of a pixel
// Without any of them every page is a z-slice. The number of pages must equal what the metadata
// says, else the file is an error (never a silent re-interpretation of its pages).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "deepimage/tensor.hpp"
#include "io/image.hpp"

namespace deepimage::io {

struct PageAxes {
  std::string axes;  // page axes, outer first, letters from "tzc" (sizes of 1 kept); "z" by default
  Shape sizes;       // their sizes; the product is the page count
  std::string source = "none";  // "imagej", "ome", "tifffile" or "none"
  // Physical sizes from OME-XML (lengths in microns, time in seconds); ImageJ calibration is read
  // with the TIFF's resolution tags by the reader.
  std::optional<Calibration> ome_calibration;
};

// `samples` is the TIFF's SamplesPerPixel (an RGB page holds 3 channels, not 3 pages).
PageAxes page_axes(const std::string& description, std::int64_t page_count, std::int64_t samples,
                   const std::filesystem::path& file);

}  // namespace deepimage::io
