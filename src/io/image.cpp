#include "io/image.hpp"

#include <algorithm>
#include <cctype>

#include "deepimage/error.hpp"

namespace deepimage::io {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

const ImageFormat* find_format(const std::filesystem::path& path) {
  // "cells.ome.zarr/" names the folder "cells.ome.zarr"
  const std::string ext = lower((path.has_filename() ? path : path.parent_path()).extension().string());
  for (const auto& format : image_formats())
    if (std::find(format.extensions.begin(), format.extensions.end(), ext) != format.extensions.end()) return &format;
  return nullptr;
}

const ImageFormat& format_for(const std::filesystem::path& path) {
  if (const ImageFormat* format = find_format(path)) return *format;
  std::string known;
  for (const auto& format : image_formats())
    for (const auto& e : format.extensions) known += (known.empty() ? "" : ", ") + e;
  throw Error(ErrorCode::unsupported, "\"" + path.string() + "\" is not a known image format (known: " + known + ")");
}

std::optional<Calibration> with_channel_names(std::optional<Calibration> calibration, std::vector<std::string> names) {
  if (names.empty()) return calibration;
  if (!calibration) {
    calibration.emplace();
    calibration->spatial = false;
  }
  calibration->channel_names = std::move(names);
  return calibration;
}

const ImageFormat& writable_format_for(const std::filesystem::path& path) {
  const ImageFormat& format = format_for(path);
  if (format.write) return format;
  std::string writable;
  for (const auto& f : image_formats())
    if (f.write)
      for (const auto& e : f.extensions) writable += (writable.empty() ? "" : ", ") + e;
  throw Error(ErrorCode::unsupported, "cannot write \"" + path.string() + "\": " + format.name +
                                          " is read only (written formats: " + writable + ")");
}

Image read_image(const std::filesystem::path& path) {
  const ImageFormat& format = format_for(path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))  // a file, or a folder for OME-Zarr
    throw Error(ErrorCode::not_found, "image file \"" + path.string() + "\" does not exist");
  return format.read(path);
}

void write_image(const Image& image, const std::filesystem::path& path) {
  const ImageFormat& format = writable_format_for(path);
  check_output_folder(path);
  std::error_code ec;

  const auto& writable = format.writable_dtypes;
  const bool as_is = std::find(writable.begin(), writable.end(), image.pixels.dtype()) != writable.end();
  const Image converted = as_is ? Image{} : Image{image.pixels.converted(DType::f32), image.calibration};
  const Image& to_write = as_is ? image : converted;

  const auto temp = claim_temp_path(path);
  try {
    format.write(to_write, temp);
    replace_with(temp, path);
  } catch (const std::filesystem::filesystem_error& e) {
    std::filesystem::remove_all(temp, ec);
    throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\": " + e.code().message());
  } catch (const Error& e) {
    std::filesystem::remove_all(temp, ec);
    throw Error(e.code(), naming_target(e.what(), temp, path));
  } catch (...) {
    std::filesystem::remove_all(temp, ec);  // never leave a partial file behind; the error goes on
    throw;
  }
}

}  // namespace deepimage::io
