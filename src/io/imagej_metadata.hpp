// ImageJ hyperstack metadata — the "key=value" lines ImageJ keeps in the first page's ImageDescription.
//
//   ImageJ=1.11a        images=24   channels=2   slices=3   frames=4   hyperstack=true   mode=grayscale
//   unit=micron         spacing=0.5 (z pixel size)   finterval=2.0 (time between frames)  tunit=sec
//   mode=composite      (how channels are shown: composite, color or grayscale)
//   min=0.0  max=1.0    (display range, written for float data)
//
// Pages are stored channel fastest, then slice, then frame: page = (t * slices + z) * channels + c.
// X/Y pixel sizes are not here but in the XResolution/YResolution tags (pixels per unit).
//
// Per-image labels and per-channel display ranges are not in the description but in the binary
// IJMetadata tag (50839) with its byte counts (50838), laid out by ImageJ's TiffEncoder:
//   "IJIJ", then (type, count) pairs: "labl" n (one label per image), "rang" 1 (min, max per channel),
//   "luts" n (one colour table per channel); then the entries: labels as UTF-16, ranges as doubles,
//   colour tables as 768 bytes (256 reds, greens, blues); every number in the file's byte order.
// imagej_metadata_tag() builds both; the byte counts start with the header's size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <cstddef>

namespace deepimage::io {

struct ImageJMetadata {
  std::int64_t images = 1, channels = 1, slices = 1, frames = 1;
  std::string unit;                 // empty when absent
  std::optional<double> spacing;    // z pixel size
  std::optional<double> finterval;  // seconds
  std::optional<double> min, max;   // display range
  std::string tunit;                // time unit of finterval; empty: seconds
  std::string mode;                 // composite, color, grayscale; empty: grayscale (written when channels > 1)
};

// The IJMetadata tag's bytes and its byte counts, in this machine's byte order (libtiff writes files
// that way). `labels`: one per image, or empty; `ranges`: min, max per channel, or empty; `lut`: 768
// bytes written `lut_count` times (one per channel), or empty.
struct ImageJMetadataTag {
  std::vector<std::byte> data;             // tag 50839
  std::vector<std::uint32_t> byte_counts;  // tag 50838
};
ImageJMetadataTag imagej_metadata_tag(const std::vector<std::string>& labels, const std::vector<double>& ranges,
                                      const std::vector<std::uint8_t>& lut = {}, std::int64_t lut_count = 0);

// nullopt when `description` is not ImageJ's (does not start with "ImageJ=").
// images= alone (without channels/slices/frames) means that many slices, as ImageJ reads it.
std::optional<ImageJMetadata> parse_imagej_description(const std::string& description);
// Only the keys that apply: images always; channels/slices/frames when > 1; hyperstack when images > 1.
std::string imagej_description(const ImageJMetadata& metadata);

}  // namespace deepimage::io
