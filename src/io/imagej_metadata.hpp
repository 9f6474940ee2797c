// ImageJ hyperstack metadata — the "key=value" lines ImageJ keeps in the first page's ImageDescription.
//
//   ImageJ=1.11a        images=24   channels=2   slices=3   frames=4   hyperstack=true   mode=grayscale
//   unit=micron         spacing=0.5 (z pixel size)   finterval=2.0 (seconds between frames)
//   min=0.0  max=1.0    (display range, written for float data)
//
// Pages are stored channel fastest, then slice, then frame: page = (t * slices + z) * channels + c.
// X/Y pixel sizes are not here but in the XResolution/YResolution tags (pixels per unit).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace deepimage::io {

struct ImageJMetadata {
  std::int64_t images = 1, channels = 1, slices = 1, frames = 1;
  std::string unit;                 // empty when absent
  std::optional<double> spacing;    // z pixel size
  std::optional<double> finterval;  // seconds
  std::optional<double> min, max;   // display range
};

// nullopt when `description` is not ImageJ's (does not start with "ImageJ=").
// images= alone (without channels/slices/frames) means that many slices, as ImageJ reads it.
std::optional<ImageJMetadata> parse_imagej_description(const std::string& description);
// Only the keys that apply: images always; channels/slices/frames when > 1; hyperstack when images > 1.
std::string imagej_description(const ImageJMetadata& metadata);

}  // namespace deepimage::io
