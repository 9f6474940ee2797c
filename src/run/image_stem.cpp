#include "run/image_stem.hpp"

#include <algorithm>
#include <cctype>

namespace deepimage::run {

std::string image_stem(const std::filesystem::path& image) {
  const std::filesystem::path file = image.has_filename() ? image : image.parent_path();
  std::string name = file.filename().string(), lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* ext : {".ome.zarr", ".ome.tiff", ".ome.tif"}) {
    const std::string e = ext;
    if (lower.size() > e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0) return name.substr(0, name.size() - e.size());
  }
  return file.stem().string();
}

}  // namespace deepimage::run
