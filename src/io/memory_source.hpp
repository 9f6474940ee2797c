// MemorySource — region access to an image read whole, for formats that cannot decode part of a file
// (PNG, JPEG): boxes are cut from memory.
//
//   {.name = "png", ..., .open = [](const auto& path) { return open_in_memory(path, read_png_jpeg(path)); }}
#pragma once

#include <filesystem>
#include <memory>

#include "io/image_region.hpp"

namespace deepimage::io {

std::unique_ptr<ImageSource> open_in_memory(const std::filesystem::path& path, Image image);

}  // namespace deepimage::io
