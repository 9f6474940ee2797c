// Feeds an OME-Zarr image's metadata and one chunk: the input is `.zattrs`, "\n----\n", level 0's
// `.zarray`, "\n----\n", the bytes of its first chunk (0.0... or 0/0/...). open_ome_zarr reads the
// metadata; then a box at the origin (inside the first chunk or beyond it: missing chunks hold the
// fill value) decodes the chunk with the declared compressor, and the whole image when small.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/fuzz_targets.hpp"
#include "io/zarr.hpp"

namespace deepimage::fuzz {

void fuzz_ome_zarr(Bytes bytes) {
  const std::vector<Bytes> parts = split(bytes, 3);
  const auto root = fresh_scratch_folder() / "fuzz.ome.zarr";
  const std::string zgroup = "{\"zarr_format\": 2}";
  write_file(root / ".zgroup", Bytes(reinterpret_cast<const std::uint8_t*>(zgroup.data()), zgroup.size()));
  write_file(root / ".zattrs", parts[0]);
  write_file(root / "0" / ".zarray", parts[1]);
  const auto source = io::open_ome_zarr(root);

  // The first chunk's key, as the .zarray names it; a .zarray the reader accepted is valid JSON.
  const auto zarray = nlohmann::json::parse(parts[1].begin(), parts[1].end(), nullptr, false);
  if (zarray.is_object() && zarray.contains("shape") && zarray["shape"].is_array() && !zarray["shape"].empty()) {
    const bool slash = zarray.value("dimension_separator", nlohmann::json(".")) == nlohmann::json("/");
    std::filesystem::path chunk = root / "0";
    std::string dotted;
    for (std::size_t d = 0; d < zarray["shape"].size(); ++d) {
      if (slash) chunk /= "0";
      else dotted += d == 0 ? "0" : ".0";
    }
    if (!slash) chunk /= dotted;
    write_file(chunk, parts[2]);
  }
  const io::ImageInfo& info = source->info();
  const Box box = box_from(bytes.last(std::min<std::size_t>(bytes.size(), 8)), info.shape, std::int64_t{1} << 16);
  if (box.rank() == info.shape.size()) source->read(box);
  if (byte_count(info.shape, dtype_size(info.dtype)) <= kMaxWholeReadBytes) source->read_all();
}

}  // namespace deepimage::fuzz
