// An OME-Zarr image written a box at a time. Boxes rarely line up with chunks (a run writes bands of
// rows), so each chunk is assembled in memory until all its pixels inside the image have arrived,
// then compressed and written; only the chunks a band has partly filled are held at once.
#include <fstream>
#include <map>
#include <span>

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

constexpr std::int64_t kPlaneChunk = 256;  // along y and x

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

json multiscales_attrs(const ImageInfo& info) {
  json axes = json::array();
  std::vector<double> scale;
  const auto& c = info.calibration;
  for (char a : info.axes) {
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
  json attrs = {{"multiscales", json::array({{{"version", "0.4"},
                                              {"name", "image"},
                                              {"axes", axes},
                                              {"datasets", json::array({{{"path", "0"},
                                                                         {"coordinateTransformations",
                                                                          json::array({{{"type", "scale"}, {"scale", scale}}})}}})}}})}};
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

// The image's folder, its metadata and its chunks as they fill.
class OmeZarrWriter {
 public:
  OmeZarrWriter(const fs::path& folder, const ImageInfo& info) : folder_(folder), info_(info) {
    if (info.axes.size() != info.shape.size())
      throw Error(ErrorCode::invalid_argument, "cannot write \"" + folder.string() + "\" as OME-Zarr: its axes are not known (shape " +
                                                   shape_to_string(info.shape) + ")");
    array_.folder = folder / "0";
    array_.shape = info.shape;
    for (std::size_t d = 0; d < info.shape.size(); ++d) {
      const char a = info.axes[d];
      const std::int64_t along = a == 'y' || a == 'x' ? kPlaneChunk : a == 'c' ? info.shape[d] : 1;
      array_.chunks.push_back(std::max<std::int64_t>(1, std::min(along, info.shape[d])));
    }
    array_.dtype = info.dtype;
    array_.compressor = {.id = "blosc", .cname = "lz4", .level = 5, .shuffle = 1};
    array_.separator = '/';
    fs::create_directories(array_.folder);
    write_json(folder / ".zgroup", {{"zarr_format", 2}});
    write_json(folder / ".zattrs", multiscales_attrs(info));
    write_zarr_array(array_);
  }

  void write(const Box& box, const Tensor& pixels) {
    const std::size_t es = dtype_size(array_.dtype);
    const auto chunk_strides = strides_of(array_.chunks), box_strides = strides_of(pixels.shape());
    for_each_chunk(array_.shape, array_.chunks, box, [&](const ChunkPart& p) {
      Pending& chunk = pending_[p.index];
      if (chunk.values.empty()) chunk.values.resize(static_cast<std::size_t>(array_.chunk_elements()) * es);  // zeros
      std::vector<std::byte> part(static_cast<std::size_t>(element_count(p.in_box.shape())) * es);
      copy_box_out(pixels.bytes(), pixels.shape(), box_strides, es, p.in_box, part.data());
      copy_box_in(chunk.values.data(), array_.chunks, chunk_strides, es, p.in_chunk, part.data());
      chunk.filled += element_count(p.in_chunk.shape());
      if (chunk.filled > p.chunk_valid)
        throw Error(ErrorCode::internal, "\"" + folder_.string() + "\": box " + box.to_string() + " writes some pixels twice");
      if (chunk.filled == p.chunk_valid) {
        array_.write_chunk(p.index, chunk.values);
        pending_.erase(p.index);
      }
    });
    written_ += pixels.element_count();
  }

  void finish() {
    const std::int64_t total = element_count(info_.shape);
    if (written_ < total || !pending_.empty())
      throw Error(ErrorCode::internal, "\"" + folder_.string() + "\": " + std::to_string(total - written_) + " of " +
                                           std::to_string(total) + " pixels never written");
  }

 private:
  struct Pending {
    std::vector<std::byte> values;
    std::int64_t filled = 0;
  };
  fs::path folder_;
  ImageInfo info_;
  ZarrArray array_;
  std::map<std::vector<std::int64_t>, Pending> pending_;
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

std::unique_ptr<ImageSink> create_ome_zarr(const fs::path& path, const ImageInfo& info) {
  return std::make_unique<OmeZarrSink>(path, info);
}

void write_ome_zarr(const Image& image, const fs::path& path) {
  const ImageInfo info{.shape = image.pixels.shape(), .axes = image.pixels.axes(), .dtype = image.pixels.dtype(),
                       .calibration = image.calibration};
  OmeZarrWriter writer(path, info);
  if (element_count(info.shape) > 0) writer.write(whole_box(info.shape), image.pixels);
  writer.finish();
}

}  // namespace deepimage::io
