// `deepimage models`: what a models folder holds (include/deepimage/catalog.hpp).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"
#include "engine/engine.hpp"
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

bool has_rdf(const fs::path& folder) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) {
    const std::string n = e.path().filename().string();
    if (n == "rdf.yaml" || n == "bioimageio.yaml" || n == "model.yaml" ||
        (n.size() > 16 && n.compare(n.size() - 16, 16, ".bioimageio.yaml") == 0) ||
        (n.size() > 11 && n.compare(n.size() - 11, 11, ".model.yaml") == 0))
      return true;
  }
  return false;
}

// The text of <tag>...</tag> in a DeepImageJ config.xml, or empty.
std::string xml_text(const std::string& xml, const std::string& tag) {
  const std::regex pattern("<" + tag + ">\\s*([^<]*?)\\s*</" + tag + ">");
  std::smatch m;
  return std::regex_search(xml, m, pattern) ? m[1].str() : std::string();
}

nlohmann::json legacy_entry(const fs::path& folder) {
  std::ifstream in(folder / "config.xml");
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  xml.resize(std::min<std::size_t>(xml.size(), 1 << 20));  // the fields sit at the top; a huge file is not read
  const std::string name = xml_text(xml, "Name");
  return {{"path", folder.string()},
          {"kind", "deepimagej"},
          {"name", name.empty() ? folder.filename().string() : name},
          {"id", ""},
          {"task", ""},
          {"description", xml_text(xml, "ModelInfo")},
          {"inputs", nlohmann::json::array()},
          {"weights", nlohmann::json::array({{{"format", "tensorflow_saved_model_bundle"}, {"runs_here", false},
                                             {"why_not", "legacy DeepImageJ bundles (config.xml) are not read yet"}}})},
          {"size_bytes", size_on_disk(folder)}};
}

nlohmann::json bundle_entry(const fs::path& path) {
  nlohmann::json entry = {{"path", path.string()}, {"kind", "bioimage.io"}, {"size_bytes", size_on_disk(path)}};
  try {
    const model::Model m = model::open_model(path);
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
    if ((e.is_directory(ec) && (has_rdf(p) || fs::exists(p / "config.xml", ec))) || (e.is_regular_file(ec) && ext == ".zip"))
      candidates.push_back(p);
  }
  std::sort(candidates.begin(), candidates.end());
  nlohmann::json models = nlohmann::json::array();
  for (const fs::path& p : candidates)
    models.push_back(fs::is_directory(p, ec) && !has_rdf(p) ? legacy_entry(p) : bundle_entry(p));
  return {{"folder", folder.string()}, {"models", models}};
}

}  // namespace deepimage
