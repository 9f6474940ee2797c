// Image — pixels with their axes and the metadata we carry from input to output.
//
//   Image img = read_image("stack.tif");          // img.pixels.axes() == "zyx", say
//   write_image(img, "result.tif");               // temp file in the same folder, then rename
//
// Axis letters follow bioimage.io (t z c y x; readers drop size-1 axes except y and x). A reader may
// return an empty axes string when the file does not say (a .npy), and the caller infers them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"
#include "io/temp_file.hpp"

namespace deepimage::io {

struct ImageInfo;
class ImageSource;
class ImageSink;

// Physical pixel size, when the file has it (ImageJ calibration, OME-XML, TIFF resolution), and how
// ImageJ is to show the image: carried from input to output, extended by the run (channel names).
struct Calibration {
  bool spatial = true;               // false: x, y, z and unit are unknown (only what follows is set)
  double x = 1.0, y = 1.0, z = 1.0;  // pixel size along each axis
  std::string unit;                  // "micron", ...; empty when unknown
  double frame_interval = 0.0;       // time between frames in time_unit, 0 when unknown
  std::string time_unit;             // ImageJ's tunit ("sec", "min"); empty: seconds
  std::string display_mode;          // ImageJ's mode= for several channels ("composite"); empty: grayscale
  std::vector<std::string> channel_names;  // one per channel of the image written: ImageJ's labels
  // ImageJ's colour table for every channel (256 reds, 256 greens, 256 blues), or empty for grey. A
  // 16-bit image with one is shown over 0..its largest value (label images: objects/label_lut.hpp).
  std::vector<std::uint8_t> lut;
};

// `calibration` with these channel names, made (without a spatial calibration) when there is none.
std::optional<Calibration> with_channel_names(std::optional<Calibration> calibration, std::vector<std::string> names);

struct Image {
  Tensor pixels;
  std::optional<Calibration> calibration;
};

// One image file format. Registered in one list, register_builtin_formats() in formats.cpp.
// Region access (image_region.hpp): `open` and `create`, used by open_image and create_image.
struct ImageFormat {
  std::string name;                      // "tiff"
  std::vector<std::string> extensions;   // lower case with the dot: ".tif", ".tiff"
  std::function<Image(const std::filesystem::path&)> read;
  // Writes exactly to `path` (no temp file here; write_image does that). Empty: a format we only read.
  std::function<void(const Image&, const std::filesystem::path&)> write;
  std::vector<DType> writable_dtypes;    // others are converted to float32 by write_image
  // The header only; boxes read on demand.
  std::function<std::unique_ptr<ImageSource>(const std::filesystem::path&)> open;
  // An output of `info` (its dtype one of writable_dtypes), written to a temporary file until commit.
  // Empty exactly when `write` is.
  std::function<std::unique_ptr<ImageSink>(const std::filesystem::path&, const ImageInfo&)> create;
};

const std::vector<ImageFormat>& image_formats();
// By extension (case-insensitive); nullptr when no format has it.
const ImageFormat* find_format(const std::filesystem::path& path);
// The same; throws unsupported listing the known formats.
const ImageFormat& format_for(const std::filesystem::path& path);
// The same for an output: throws unsupported naming the formats that can be written.
const ImageFormat& writable_format_for(const std::filesystem::path& path);

Image read_image(const std::filesystem::path& path);
// Writes to a temporary file in the target folder (claim_temp_path: leftovers of killed runs for the
// same target go) and renames it into place, so a failure never leaves a partial file. Does not check whether `path` exists: callers decide about overwriting.
void write_image(const Image& image, const std::filesystem::path& path);

}  // namespace deepimage::io
