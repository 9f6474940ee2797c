// An OME-Zarr image written a box at a time, with its pyramid. Boxes rarely line up with chunks (a run
// writes bands of rows), so each chunk is assembled in memory until all its pixels inside the image
// have arrived, then compressed and written; only the chunks a band has partly filled are held at once.
#include <algorithm>
#include <fstream>
#include <map>
#include <span>

#include <nlohmann/json.hpp>

#include "deepimage/error.hpp"
#include "io/box_copy.hpp"
#include "io/zarr.hpp"
#include "io/zarr_array.hpp"
#include "io/zarr_chunks.hpp"
#include "io/zarr_pyramid.hpp"

namespace deepimage::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ImageJ's unit names as NGFF (UDUNITS) spells them; empty: not one NGFF knows, left out.
std::string ngff_unit(const std::string& unit, bool time) {
  static const std::pair<const char*, const char*> space[] = {
      {"micron", "micrometer"}, {"um", "micrometer"}, {"\xC2\xB5m", "micrometer"}, {"micrometer", "micrometer"},
      {"nm", "nanometer"},      {"nanometer", "nanometer"}, {"mm", "millimeter"}, {"millimeter", "millimeter"},
      {"cm", "centimeter"},     {"m", "meter"},         {"meter", "meter"}};
  static const std::pair<const char*, const char*> times[] = {
      {"", "second"}, {"sec", "second"}, {"s", "second"}, {"second", "second"}, {"ms", "millisecond"},
      {"millisecond", "millisecond"}, {"min", "minute"}, {"minute", "minute"}, {"h", "hour"}, {"hour", "hour"}};
  using Names = std::span<const std::pair<const char*, const char*>>;
  for (const auto& [from, to] : time ? Names(times) : Names(space))
    if (unit == from) return to;
  return "";
}

// `axes` (stored order) with their types, units and level 0's scale; one dataset per level, each
// twice the scale of the level above along y and x.
json multiscales_attrs(const std::string& axes_order, const std::optional<Calibration>& c, int levels, DType dtype) {
  json axes = json::array();
  std::vector<double> scale;
  for (char a : axes_order) {
    json axis = {{"name", std::string(1, a)}};
    double s = 1.0;
    if (a == 't') {
      axis["type"] = "time";
      if (c && c->frame_interval > 0) {
        s = c->frame_interval;
        if (const std::string u = ngff_unit(c->time_unit, true); !u.empty()) axis["unit"] = u;
      }
    } else if (a == 'c') {
      axis["type"] = "channel";
    } else if (a == 'z' || a == 'y' || a == 'x') {
      axis["type"] = "space";
      if (c && c->spatial) {
        s = a == 'x' ? c->x : a == 'y' ? c->y : c->z;
        if (const std::string u = ngff_unit(c->unit, false); !u.empty()) axis["unit"] = u;
      }
    }
    axes.push_back(axis);
    scale.push_back(s);
  }
  json datasets = json::array();
  for (int k = 0; k < levels; ++k) {
    datasets.push_back({{"path", std::to_string(k)}, {"coordinateTransformations", json::array({{{"type", "scale"}, {"scale", scale}}})}});
    for (std::size_t d = 0; d < axes_order.size(); ++d)
      if (axes_order[d] == 'y' || axes_order[d] == 'x') scale[d] *= 2;
  }
  json multiscale = {{"version", "0.4"}, {"name", "image"}, {"axes", axes}, {"datasets", datasets}};
  if (levels > 1) {  // how the levels were made (zarr_pyramid.hpp), in ome-zarr-py's names
    const bool mean = is_float(dtype);
    multiscale["type"] = mean ? "local_mean" : "nearest";
    multiscale["metadata"] = {{"description", mean ? "each level the mean of 2 x 2 blocks of the level above (y, x)"
                                                   : "each level the top-left pixel of 2 x 2 blocks of the level above (y, x)"}};
  }
  json attrs = {{"multiscales", json::array({multiscale})}};
  if (c && !c->channel_names.empty()) {
    json channels = json::array();
    for (const auto& name : c->channel_names) channels.push_back({{"label", name}});
    attrs["omero"] = {{"channels", channels}};
  }
  return attrs;
}

void write_json(const fs::path& file, const json& value) {
  std::ofstream f(file, std::ios::trunc);
  f << value.dump(4) << "\n";
  f.close();
  if (!f) throw Error(ErrorCode::io, "cannot write \"" + file.string() + "\"");
}

// The image's folder, its metadata and its chunks as they fill: level 0 as written, and each lower
// level from the chunks of the level above as they are completed (zarr_pyramid.hpp).
//
//   box in the image's axes ("zcyx") ──transpose──> level 0 (NGFF order "czyx") ──chunk done──>
//   downsampled chunk ──> level 1 ──chunk done──> ... ──> level n-1
//
// A level holds only its partly filled chunks: with rows arriving in order, one chunk row each
// (ome_zarr_values_held), never the image.
class OmeZarrWriter {
 public:
  OmeZarrWriter(const fs::path& folder, const ImageInfo& info) : folder_(folder), info_(info) {
    if (info.axes.size() != info.shape.size())
      throw Error(ErrorCode::invalid_argument, "cannot write \"" + folder.string() + "\" as OME-Zarr: its axes are not known (shape " +
                                                   shape_to_string(info.shape) + ")");
    for (std::size_t d = 0; d < info.axes.size(); ++d)
      if (info.axes.find(info.axes[d]) != d)
        throw Error(ErrorCode::invalid_argument, "cannot write axes \"" + info.axes + "\" to OME-Zarr \"" + folder.string() +
                                                     "\": axis \"" + std::string(1, info.axes[d]) + "\" appears twice");
    stored_axes_ = ngff_axis_order(info.axes);
    Shape shape;
    for (char a : stored_axes_) shape.push_back(info.shape[info.axes.find(a)]);
    plan_levels(shape, info.dtype, info.pyramid_levels);
    fs::create_directories(folder);
    write_json(folder / ".zgroup", {{"zarr_format", 2}});
    write_json(folder / ".zattrs", multiscales_attrs(stored_axes_, info.calibration, static_cast<int>(levels_.size()), info.dtype));
    for (const Level& level : levels_) write_zarr_array(level.array);
  }

  // The levels below a level 0 already stored as `level0` (axes `axes`, NGFF order): their arrays are
  // made now, their chunks by add_levels_below_level0. Nothing else of the image is written.
  OmeZarrWriter(const fs::path& folder, const ZarrArray& level0, const std::string& axes, int pyramid_levels)
      : folder_(folder), info_{.shape = level0.shape, .axes = axes, .dtype = level0.dtype, .calibration = {}}, stored_axes_(axes) {
    plan_levels(level0.shape, level0.dtype, pyramid_levels);
    levels_[0].array = level0;
    for (std::size_t k = 1; k < levels_.size(); ++k) write_zarr_array(levels_[k].array);
  }

  int level_count() const { return static_cast<int>(levels_.size()); }

  // Level 0's chunks read one at a time, in order, each passed down as if just written.
  void add_levels_below_level0() {
    const ZarrArray& array = levels_[0].array;
    for_each_chunk(array.shape, array.chunks, whole_box(array.shape), [&](const ChunkPart& p) {
      pass_down(0, p.index, array.read_chunk(p.index));
    });
  }

  void write(const Box& box, const Tensor& pixels) {
    if (stored_axes_ == info_.axes) {
      write_level(0, box, pixels.bytes());
      written_ += pixels.element_count();
      return;
    }
    Tensor named;  // pixels may come without axes names (image_region.hpp): named, a copy
    if (pixels.axes() != info_.axes) {
      named = pixels;
      named.set_axes(info_.axes);
    }
    const Tensor stored = (pixels.axes() == info_.axes ? pixels : named).transposed(stored_axes_);
    Box stored_box;
    for (char a : stored_axes_) {
      const auto d = info_.axes.find(a);
      stored_box.begin.push_back(box.begin[d]);
      stored_box.end.push_back(box.end[d]);
    }
    write_level(0, stored_box, stored.bytes());
    written_ += pixels.element_count();
  }

  void finish() {
    const std::int64_t total = element_count(info_.shape);
    bool pending = false;
    for (const Level& level : levels_) pending |= !level.pending.empty();
    if (written_ < total || pending)
      throw Error(ErrorCode::internal, "\"" + folder_.string() + "\": " + std::to_string(total - written_) + " of " +
                                           std::to_string(total) + " pixels never written");
  }

 private:
  struct Pending {
    std::vector<std::byte> values;
    std::int64_t filled = 0;
  };
  struct Level {
    ZarrArray array;
    std::map<std::vector<std::int64_t>, Pending> pending;
  };

  // `pixels`: dense, C order, `box`'s shape, in the stored axes and dtype.
  void write_level(std::size_t k, const Box& box, const std::byte* pixels) {
    Level& level = levels_[k];
    const ZarrArray& array = level.array;
    const std::size_t es = dtype_size(array.dtype);
    const auto chunk_strides = strides_of(array.chunks), box_strides = strides_of(box.shape());
    const auto chunk_bytes = static_cast<std::size_t>(array.chunk_elements()) * es;
    for_each_chunk(array.shape, array.chunks, box, [&](const ChunkPart& p) {
      Pending& chunk = level.pending[p.index];
      if (chunk.values.empty()) chunk.values.resize(chunk_bytes);  // zeros
      std::vector<std::byte> part(static_cast<std::size_t>(element_count(p.in_box.shape())) * es);
      copy_box_out(pixels, box.shape(), box_strides, es, p.in_box, part.data());
      copy_box_in(chunk.values.data(), array.chunks, chunk_strides, es, p.in_chunk, part.data());
      chunk.filled += element_count(p.in_chunk.shape());
      if (chunk.filled > p.chunk_valid)
        throw Error(ErrorCode::internal, "\"" + folder_.string() + "\": box " + box.to_string() + " writes some pixels twice");
      if (chunk.filled < p.chunk_valid) return;
      array.write_chunk(p.index, chunk.values);
      pass_down(k, p.index, chunk.values);
      level.pending.erase(p.index);
    });
  }

  // A completed chunk of level k: its part inside the level, halved along y and x (the last two
  // axes), goes to level k + 1.
  void pass_down(std::size_t k, const std::vector<std::int64_t>& index, const std::vector<std::byte>& values) {
    if (k + 1 >= levels_.size()) return;
    const ZarrArray& array = levels_[k].array;
    Box valid, below;
    for (std::size_t d = 0; d < index.size(); ++d) {
      const std::int64_t origin = index[d] * array.chunks[d];
      const std::int64_t extent = std::min(array.chunks[d], array.shape[d] - origin);
      valid.begin.push_back(0);
      valid.end.push_back(extent);
      const bool halved = d + 2 >= index.size();
      below.begin.push_back(halved ? origin / 2 : origin);
      below.end.push_back(halved ? origin / 2 + half_size(extent) : origin + extent);
    }
    const std::vector<std::byte> half = downsample_chunk(values.data(), array.chunks, valid.shape(), array.dtype);
    write_level(k + 1, below, half.data());
  }

  // Level 0 of `shape` (stored axes) and the levels below it, each halving y and x.
  void plan_levels(Shape shape, DType dtype, int requested) {
    const auto y = stored_axes_.find('y'), x = stored_axes_.find('x');
    // Pyramids need y and x as the last two axes, which NGFF order gives whenever both exist.
    const bool planar = y != std::string::npos && x != std::string::npos;
    const int levels = planar ? pyramid_level_count(shape[y], shape[x], requested) : 1;
    for (int k = 0; k < levels; ++k) {
      Level level;
      level.array.folder = folder_ / std::to_string(k);
      level.array.shape = shape;
      for (std::size_t d = 0; d < shape.size(); ++d) {
        const char a = stored_axes_[d];
        const std::int64_t along = a == 'y' || a == 'x' ? kPyramidChunk : a == 'c' ? shape[d] : 1;
        level.array.chunks.push_back(std::max<std::int64_t>(1, std::min(along, shape[d])));
      }
      level.array.dtype = dtype;
      level.array.compressor = {.id = "blosc", .cname = "lz4", .level = 5, .shuffle = 1};
      level.array.separator = '/';
      levels_.push_back(std::move(level));
      if (planar) shape[y] = half_size(shape[y]), shape[x] = half_size(shape[x]);
    }
  }

  fs::path folder_;
  ImageInfo info_;
  std::string stored_axes_;  // info_.axes in NGFF order
  std::vector<Level> levels_;
  std::int64_t written_ = 0;
};

class OmeZarrSink : public ImageSink {
 public:
  OmeZarrSink(const fs::path& path, const ImageInfo& info) : ImageSink(path, info), writer_(temp_path(), info) {}

 protected:
  void write_box(const Box& box, const Tensor& pixels) override { writer_.write(box, pixels); }
  void finish() override { writer_.finish(); }

 private:
  OmeZarrWriter writer_;
};

}  // namespace

std::string ngff_axis_order(std::string axes) {
  // Where NGFF 0.4 puts an axis: time, then channel (or one axis of another kind), then space z, y, x.
  const auto rank = [](char axis) {
    switch (axis) {
      case 't': return 0;
      case 'c': return 1;
      case 'z': return 3;
      case 'y': return 4;
      case 'x': return 5;
      default: return 2;
    }
  };
  std::stable_sort(axes.begin(), axes.end(), [&](char a, char b) { return rank(a) < rank(b); });
  return axes;
}

std::unique_ptr<ImageSink> create_ome_zarr(const fs::path& path, const ImageInfo& info) {
  return std::make_unique<OmeZarrSink>(path, info);
}

namespace {

// `object[key]` when `object` is an object whose `key` is text; else "" (the file's metadata is not ours
// to trust: a number where a name belongs must not throw nlohmann's type_error out of the reader).
std::string text_field(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

bool all_numbers(const json& list) {
  return list.is_array() && std::all_of(list.begin(), list.end(), [](const json& v) { return v.is_number(); });
}

}  // namespace

void add_ome_zarr_pyramid(const fs::path& path, int pyramid_levels) {
  const fs::path file = path / ".zattrs";
  json attrs = read_zarr_json(file);
  if (!attrs.is_object() || !attrs.contains("multiscales") || !attrs["multiscales"].is_array() || attrs["multiscales"].empty())
    zarr_file_error(file, "has no \"multiscales\" list: not an OME-Zarr image");
  json& ms = attrs["multiscales"][0];
  if (!ms.contains("datasets") || !ms["datasets"].is_array() || ms["datasets"].size() != 1 || text_field(ms["datasets"][0], "path") != "0")
    zarr_file_error(file, "has datasets " + ms.value("datasets", json()).dump() + "; a pyramid is added to level 0 alone, at path \"0\"");
  std::string axes;
  const json axis_list = ms.contains("axes") && ms["axes"].is_array() ? ms["axes"] : json::array();
  for (const auto& axis : axis_list) {
    const std::string name = axis.is_string() ? axis.get<std::string>() : text_field(axis, "name");
    axes += name.empty() ? "?" : name;
  }
  const ZarrArray level0 = read_zarr_array(path / "0");
  const auto y = axes.find('y'), x = axes.find('x');
  const std::size_t rank = level0.shape.size();
  // The 2 x 2 blocks of level 1 lie inside level 0's chunks when those start at even rows and columns.
  if (axes.size() != rank || y != rank - 2 || x != rank - 1 || (level0.chunks[y] % 2 && level0.chunks[y] < level0.shape[y]) ||
      (level0.chunks[x] % 2 && level0.chunks[x] < level0.shape[x]))
    throw Error(ErrorCode::unsupported, "cannot add a pyramid to \"" + path.string() + "\": it needs axes ending in y, x (it has \"" + axes +
                                            "\") and even chunks along them (it has " + shape_to_string(level0.chunks) + ")");
  OmeZarrWriter writer(path, level0, axes, pyramid_levels);
  writer.add_levels_below_level0();
  // Listed last, so an image whose pyramid was cut short still lists only what it has.
  const json& level0_entry = ms["datasets"][0];
  const json scale0 = level0_entry.contains("coordinateTransformations") && level0_entry["coordinateTransformations"].is_array()
                          ? level0_entry["coordinateTransformations"]
                          : json::array();
  std::vector<double> scale(rank, 1.0);
  for (const auto& t : scale0)
    if (text_field(t, "type") == "scale" && t.contains("scale") && all_numbers(t["scale"]) && t["scale"].size() == rank) scale = t["scale"].get<std::vector<double>>();
  const json made = multiscales_attrs(axes, std::nullopt, writer.level_count(), level0.dtype)["multiscales"][0];
  json datasets = json::array();
  for (int k = 0; k < writer.level_count(); ++k, scale[y] *= 2, scale[x] *= 2)
    datasets.push_back({{"path", std::to_string(k)}, {"coordinateTransformations", json::array({{{"type", "scale"}, {"scale", scale}}})}});
  ms["datasets"] = datasets;
  for (const char* key : {"type", "metadata"})
    if (made.contains(key)) ms[key] = made[key];
  write_json(file, attrs);
}

void write_ome_zarr(const Image& image, const fs::path& path) {
  const ImageInfo info{.shape = image.pixels.shape(), .axes = image.pixels.axes(), .dtype = image.pixels.dtype(),
                       .calibration = image.calibration};
  OmeZarrWriter writer(path, info);
  if (element_count(info.shape) > 0) writer.write(whole_box(info.shape), image.pixels);
  writer.finish();
}

}  // namespace deepimage::io
