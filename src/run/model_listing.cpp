// `deepimage models`: what a models folder holds (include/deepimage/catalog.hpp).
#include <algorithm>
#include <cstdlib>

#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"
#include "engine/engine.hpp"
#include "model/deepimagej_config.hpp"
#include "model/model.hpp"
#include "run/why_not_runnable.hpp"

namespace deepimage {
namespace {

namespace fs = std::filesystem;

// Tags bioimage.io uses for what a model does, in the order they are looked for.
constexpr const char* kTasks[] = {"segmentation", "instance-segmentation", "semantic-segmentation", "denoising",
                                  "restoration", "super-resolution", "deconvolution", "classification", "detection",
                                  "pixel-classification", "image-to-image"};

std::uint64_t size_on_disk(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return fs::file_size(path, ec);
  std::uint64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  return total;
}

// Whether the folder holds a bioimage.io rdf (which wins over a config.xml beside it).
bool has_rdf(const fs::path& folder) {
  try {
    return model::Bundle::open(folder).rdf_name() != model::kDeepImageJConfigName;
  } catch (const Error&) {
    return false;
  }
}

nlohmann::json bundle_entry(const fs::path& path) {
  // A folder with config.xml and no rdf is a legacy DeepImageJ bundle (model/bundle.hpp), read or not.
  std::error_code ec;
  const bool legacy = fs::is_directory(path, ec) && fs::exists(path / model::kDeepImageJConfigName, ec) && !has_rdf(path);
  nlohmann::json entry = {{"path", path.string()}, {"kind", legacy ? "deepimagej" : "bioimage.io"}, {"size_bytes", size_on_disk(path)}};
  try {
    const model::Model m = model::open_model(path);
    if (model::is_deepimagej_config(m.spec)) entry["kind"] = "deepimagej";
    const ModelSpec& s = m.spec;
    std::string task;
    for (const char* t : kTasks)
      if (task.empty() && std::find(s.tags.begin(), s.tags.end(), t) != s.tags.end()) task = t;
    nlohmann::json inputs = nlohmann::json::array(), weights = nlohmann::json::array();
    for (const auto& in : s.inputs) inputs.push_back({{"id", in.id}, {"axes", in.axes_string()}});
    for (const auto& w : s.weights) {
      const engine::EngineInfo* e = engine::engine_for_format(w.format);
      nlohmann::json j = {{"format", w.format}, {"runs_here", e != nullptr}};
      if (!e) j["why_not"] = run::why_not_runnable(w.format);
      weights.push_back(j);
    }
    const std::string first_line = s.description.substr(0, s.description.find('\n'));
    entry.update({{"name", s.name}, {"id", s.id}, {"task", task}, {"description", first_line}, {"inputs", inputs},
                  {"weights", weights}});
  } catch (const Error& e) {
    entry.update({{"name", path.filename().string()}, {"error", e.what()}});
  }
  return entry;
}

}  // namespace

fs::path default_models_folder() {
  if (const char* dir = std::getenv("DEEPIMAGE_MODELS"); dir && *dir) return dir;
  if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data) return fs::path(data) / "deepimage" / "models";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".local" / "share" / "deepimage" / "models";
}

nlohmann::json list_models(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw Error(ErrorCode::not_found, "models folder \"" + folder.string() + "\" does not exist (give one with --dir, or set "
                                                                             "DEEPIMAGE_MODELS)");
  std::vector<fs::path> candidates;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    const fs::path p = e.path();
    if (p.filename().string().front() == '.') continue;
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if ((e.is_directory(ec) && (has_rdf(p) || fs::exists(p / model::kDeepImageJConfigName, ec))) || (e.is_regular_file(ec) && ext == ".zip"))
      candidates.push_back(p);
  }
  std::sort(candidates.begin(), candidates.end());
  nlohmann::json models = nlohmann::json::array();
  for (const fs::path& p : candidates)
    models.push_back(bundle_entry(p));
  return {{"folder", folder.string()}, {"models", models}};
}

}  // namespace deepimage
