// One 2D plane of a run's image for the viewer (GET /api/runs/{id}/slices/{name}?z=&t=&c=): the y-x
// plane at the given index of every other axis, read from the file alone (a stack is never read
// whole), as float32.
//
//   {"width", "height", "min", "max", "axes", "shape", "data": base64 of float32 little-endian, row-major}
//
// min and max are over the plane's finite values (0 and 0 when it has none), for the viewer's contrast.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace deepimage::server {

// `index`: per axis letter, its index (missing: 0). invalid_argument naming the axis for an index
// outside the image, or a letter the image does not have with an index other than 0.
nlohmann::json image_plane(const std::filesystem::path& image, const std::map<char, std::int64_t>& index);

std::string base64(const void* data, std::size_t size);

}  // namespace deepimage::server
