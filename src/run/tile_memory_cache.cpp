#include "run/tile_memory_cache.hpp"

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/cpu_features.hpp"
#include "engine/engine.hpp"
#include "io/temp_file.hpp"
#include "model/bundle.hpp"

namespace deepimage::run {
namespace {

namespace fs = std::filesystem;

// Where the weights come from: their sha256 when the rdf gives one, else the file's identity.
std::string weights_identity(const Predictor& predictor) {
  const WeightsSpec& w = predictor.weights();
  if (!w.sha256.empty()) return w.sha256;
  std::error_code ec;
  const fs::path path = fs::absolute(w.source, ec);
  const auto size = fs::file_size(path, ec);
  const auto time = fs::last_write_time(path, ec).time_since_epoch().count();
  return path.string() + ":" + std::to_string(ec ? 0 : size) + ":" + std::to_string(ec ? 0 : time);
}

std::string key_of(const Predictor& predictor, const std::vector<tiling::AxisTiling>& axes,
                   const std::vector<Shape>& slice_shapes, const RunOptions& o) {
  nlohmann::json shapes = nlohmann::json::array();
  for (std::size_t i = 0; i < slice_shapes.size(); ++i) {
    Shape s = slice_shapes[i];
    const std::string ids = predictor.spec().inputs.at(i).axes_string();
    for (const auto& a : axes)  // the image's extent along tiled axes does not change the probes
      if (const auto at = ids.find(a.id); at != std::string::npos && at < s.size()) s[at] = 0;
    shapes.push_back(s);
  }
  const engine::EngineInfo* e = engine::engine_for_format(predictor.weights().format);
  const nlohmann::json key = {{"weights", weights_identity(predictor)}, {"format", predictor.weights().format},
                              {"engine", e ? e->library : ""},           {"version", DEEPIMAGE_VERSION},
                              {"precision", to_string(o.precision)},      {"threads", resolved_thread_count(o.threads)},
                              {"shapes", shapes}};
  const std::string text = key.dump();
  return model::sha256_hex(std::vector<std::byte>(reinterpret_cast<const std::byte*>(text.data()),
                                                  reinterpret_cast<const std::byte*>(text.data() + text.size())));
}

nlohmann::json to_json(const TileMemory& m) {
  return {{"fixed_bytes", m.fixed_bytes}, {"bytes_per_pixel", m.bytes_per_pixel},
          {"output_values_per_pixel", m.output_values_per_pixel}};
}

std::optional<TileMemory> read_entry(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  TileMemory m;
  m.measured = true;
  m.fixed_bytes = j.value("fixed_bytes", -1.0);
  m.bytes_per_pixel = j.value("bytes_per_pixel", -1.0);
  m.output_values_per_pixel = j.value("output_values_per_pixel", -1.0);
  if (m.fixed_bytes < 0 || m.bytes_per_pixel < 0 || m.output_values_per_pixel <= 0) return std::nullopt;
  return m;
}

}  // namespace

fs::path cache_dir() {
  if (const char* dir = std::getenv("DEEPIMAGE_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "deepimage";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "deepimage";
  return fs::temp_directory_path() / "deepimage-cache";
}

TileMemory cached_tile_memory(Predictor& predictor, const std::vector<tiling::AxisTiling>& axes,
                              const std::vector<Shape>& slice_shapes, const RunOptions& options) {
  const fs::path file = cache_dir() / "tile-memory" / (key_of(predictor, axes, slice_shapes, options) + ".json");
  if (auto cached = read_entry(file)) return *cached;
  const TileMemory m = measure_tile_memory(predictor, axes, slice_shapes);
  if (!m.measured) return m;  // nothing measured (no peak RSS here): nothing worth keeping
  try {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    io::write_file_via_temp(file, to_json(m).dump());
  } catch (const std::exception&) {
    // A read-only or full cache folder costs the next run a probe, nothing else.
  }
  return m;
}

}  // namespace deepimage::run
