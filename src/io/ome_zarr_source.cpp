// An OME-Zarr image read a box at a time: .zattrs and level 0's .zarray at open, then for each box
// only the chunks it overlaps are read and decoded. A folder holding a bare zarr array (.zarray, no
// multiscales) reads like a .npy: its axes unnamed.
#include <cmath>

#include <nlohmann/json.hpp>

#include "deepimage/error.hpp"
#include "io/box_copy.hpp"
#include "io/zarr.hpp"
#include "io/zarr_array.hpp"
#include "io/zarr_chunks.hpp"

namespace deepimage::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// NGFF units (UDUNITS names) as ImageJ writes them, where they differ.
std::string imagej_unit(const std::string& unit) {
  if (unit == "micrometer") return "micron";
  if (unit == "second") return "sec";
  return unit;
}

// The level-0 array, its axis letters and calibration, from multiscales[0] of .zattrs.
struct Multiscale {
  fs::path level;
  std::string axes;
  std::optional<Calibration> calibration;
  int levels = 1;  // datasets listed
};

Multiscale read_multiscale(const fs::path& root) {
  const fs::path file = root / ".zattrs";
  const json attrs = read_zarr_json(file);
  if (!attrs.is_object() || !attrs.contains("multiscales") || !attrs["multiscales"].is_array() || attrs["multiscales"].empty())
    zarr_file_error(file, "has no \"multiscales\" list: not an OME-Zarr image");
  const json& ms = attrs["multiscales"][0];
  if (!ms.contains("datasets") || !ms["datasets"].is_array() || ms["datasets"].empty() || !ms["datasets"][0].contains("path") ||
      !ms["datasets"][0]["path"].is_string())
    zarr_file_error(file, "multiscales[0] has no \"datasets\" with a \"path\"");
  const json& level0 = ms["datasets"][0];
  Multiscale m;
  m.level = root / level0["path"].get<std::string>();
  m.levels = static_cast<int>(ms["datasets"].size());
  if (!ms.contains("axes") || !ms["axes"].is_array()) zarr_file_error(file, "multiscales[0] has no \"axes\" list");
  std::vector<std::string> units;
  for (const auto& axis : ms["axes"]) {
    const json name = axis.is_object() ? axis.value("name", json()) : axis;  // 0.3 lists bare names
    const std::string text = name.is_string() ? name.get<std::string>() : name.dump();
    if (text.size() != 1 || std::string("tczyx").find(text[0]) == std::string::npos)
      zarr_file_error(file, "axis name \"" + text + "\" is not one of t, c, z, y, x");
    if (m.axes.find(text[0]) != std::string::npos) zarr_file_error(file, "axis \"" + text + "\" appears twice");
    m.axes += text[0];
    units.push_back(axis.is_object() && axis.contains("unit") && axis["unit"].is_string() ? axis["unit"].get<std::string>() : "");
  }
  // The pixel size: level 0's scale, times the multiscale's own scale when it has one.
  std::vector<double> scale(m.axes.size(), 1.0);
  bool scaled = false;
  const auto apply = [&](const json& holder) {
    if (!holder.contains("coordinateTransformations")) return;
    const json& transforms = holder["coordinateTransformations"];
    if (!transforms.is_array()) zarr_file_error(file, "coordinateTransformations " + transforms.dump() + " is not a list");
    for (const auto& t : transforms) {
      if (!t.is_object() || t.value("type", json()) != json("scale") || !t.contains("scale")) continue;
      const json& s = t["scale"];
      if (!s.is_array() || s.size() != m.axes.size())
        zarr_file_error(file, "scale " + s.dump() + " does not have one number per axis (" + std::to_string(m.axes.size()) + ")");
      for (std::size_t d = 0; d < s.size(); ++d) {
        if (!s[d].is_number()) zarr_file_error(file, "scale " + s.dump() + " holds " + s[d].dump() + ", not a number");
        scale[d] *= s[d].get<double>();
      }
      scaled = true;
    }
  };
  apply(level0);
  apply(ms);
  Calibration c;
  c.spatial = scaled;
  for (std::size_t d = 0; d < m.axes.size(); ++d) {
    const char a = m.axes[d];
    if (a == 'x') c.x = scale[d];
    if (a == 'y') c.y = scale[d];
    if (a == 'z') c.z = scale[d];
    if ((a == 'x' || a == 'y' || a == 'z') && c.unit.empty()) c.unit = imagej_unit(units[d]);
    if (a == 't' && scaled) {
      c.frame_interval = scale[d];
      c.time_unit = imagej_unit(units[d]);
    }
  }
  if (attrs.contains("omero") && attrs["omero"].contains("channels") && attrs["omero"]["channels"].is_array())
    for (const auto& ch : attrs["omero"]["channels"])
      if (ch.contains("label") && ch["label"].is_string()) c.channel_names.push_back(ch["label"].get<std::string>());
  if (scaled || !c.channel_names.empty()) m.calibration = c;
  return m;
}

class OmeZarrSource : public ImageSource {
 public:
  OmeZarrSource(const fs::path& path, ImageInfo info, ZarrArray array, std::vector<bool> kept)
      : ImageSource(path, std::move(info)), array_(std::move(array)), kept_(std::move(kept)) {}

 protected:
  Tensor read_box(const Box& box) const override {
    Box stored;  // the box with the dropped size-1 axes put back
    for (std::size_t d = 0, k = 0; d < array_.shape.size(); ++d) {
      stored.begin.push_back(kept_[d] ? box.begin[k] : 0);
      stored.end.push_back(kept_[d] ? box.end[k++] : 1);
    }
    const std::size_t es = dtype_size(array_.dtype);
    Tensor out(array_.dtype, stored.shape());
    const auto chunk_strides = strides_of(array_.chunks), out_strides = strides_of(out.shape());
    for_each_chunk(array_.shape, array_.chunks, stored, [&](const ChunkPart& p) {
      const std::vector<std::byte> chunk = array_.read_chunk(p.index);
      std::vector<std::byte> part(static_cast<std::size_t>(element_count(p.in_chunk.shape())) * es);
      copy_box_out(chunk.data(), array_.chunks, chunk_strides, es, p.in_chunk, part.data());
      copy_box_in(out.bytes(), out.shape(), out_strides, es, p.in_box, part.data());
    });
    out.reshape(box.shape(), "");
    return out;
  }

 private:
  ZarrArray array_;
  std::vector<bool> kept_;  // per stored axis: false for a size-1 axis the image does not show
};

}  // namespace

std::unique_ptr<ImageSource> open_ome_zarr(const fs::path& path) {
  std::error_code ec;
  Multiscale m;
  ZarrArray array;
  // Every field is checked where it is read; a value of a type no check foresaw still becomes the
  // file's one-line error, not nlohmann's exception escaping the reader.
  try {
    if (fs::exists(path / ".zarray", ec)) m.level = path;  // a bare array
    else if (fs::exists(path / ".zattrs", ec)) m = read_multiscale(path);
    else throw Error(ErrorCode::io, "\"" + path.string() + "\" has neither .zattrs nor .zarray: not an OME-Zarr image");
    array = read_zarr_array(m.level);
  } catch (const json::exception& e) {
    zarr_file_error(path, std::string("metadata of an unexpected type (") + e.what() + ")");
  }
  if (!m.axes.empty() && m.axes.size() != array.shape.size())
    zarr_file_error(path / ".zattrs", "names " + std::to_string(m.axes.size()) + " axes \"" + m.axes + "\" but \"" +
                              (m.level / ".zarray").string() + "\" has shape " + shape_to_string(array.shape));
  ImageInfo info{.shape = {}, .axes = "", .dtype = array.dtype, .calibration = m.calibration, .pyramid_levels = m.levels};
  std::vector<bool> kept;
  for (std::size_t d = 0; d < array.shape.size(); ++d) {
    const bool keep = m.axes.empty() || array.shape[d] != 1 || m.axes[d] == 'y' || m.axes[d] == 'x';
    kept.push_back(keep);
    if (!keep) continue;
    info.shape.push_back(array.shape[d]);
    if (!m.axes.empty()) info.axes += m.axes[d];
  }
  return std::make_unique<OmeZarrSource>(path, std::move(info), std::move(array), std::move(kept));
}

Image read_ome_zarr(const fs::path& path) { return open_ome_zarr(path)->read_all(); }

}  // namespace deepimage::io
