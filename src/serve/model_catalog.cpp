#include "serve/model_catalog.hpp"

#include <algorithm>

#include "deepimage/architecture.hpp"
#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"
#include "model/bundle.hpp"

namespace deepimage::server {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

std::string cover_url(const std::string& id) { return "/api/models/" + id + "/cover"; }

std::string image_type(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // An SVG cover could carry script run in the app's origin: not served.
  return ext == ".png" ? "image/png" : ext == ".jpg" || ext == ".jpeg" ? "image/jpeg" : ext == ".gif" ? "image/gif" : "";
}

// The first cover the bundle really holds in a format served, or "" (an rdf may name covers that were
// not shipped with it).
std::string first_cover(const fs::path& model, const json& covers) {
  if (covers.empty() || is_url(covers[0].get<std::string>()) || image_type(covers[0].get<std::string>()).empty()) return "";
  try {
    const std::string name = covers[0].get<std::string>();
    return model::Bundle::open(model).contains(name) ? name : "";
  } catch (const Error&) {
    return "";
  }
}

// The bundle's own text of `name` (a README the rdf names), or "" for a URL or a missing entry.
std::string bundle_text(const fs::path& model, const std::string& name) {
  if (name.empty() || is_url(name)) return "";
  try {
    return model::Bundle::open(model).read_text(name);
  } catch (const Error&) {
    return "";
  }
}

// A tensor of the card with "shape": the size rule of each axis, in axis order ("512", "64 + n*16").
json with_shape(json tensor) {
  json shape = json::array();
  for (const auto& a : tensor["axis_details"]) shape.push_back(a["size"]);
  tensor["shape"] = shape;
  if (!tensor.contains("preprocessing")) tensor["preprocessing"] = json::array();
  if (!tensor.contains("postprocessing")) tensor["postprocessing"] = json::array();
  return tensor;
}

}  // namespace

ModelCatalog::ModelCatalog(fs::path folder) : folder_(std::move(folder)) {}

void ModelCatalog::list_locked() {
  const json listing = list_models(folder_);
  std::map<std::string, fs::path> paths;
  for (const auto& m : listing["models"]) {
    const fs::path p = m["path"].get<std::string>();
    paths[p.filename().string()] = p;
  }
  paths_ = std::move(paths);
}

fs::path ModelCatalog::path_locked(const std::string& id) {
  if (!paths_.count(id)) list_locked();  // installed since the last listing?
  const auto it = paths_.find(id);
  if (it == paths_.end())
    throw Error(ErrorCode::not_found, "model \"" + id + "\" is not in the models folder (GET /api/models lists them)");
  return it->second;
}

fs::path ModelCatalog::path_of(const std::string& id) {
  std::lock_guard lock(mutex_);
  return path_locked(id);
}

json ModelCatalog::gallery() {
  std::lock_guard lock(mutex_);
  const json listing = list_models(folder_);
  std::map<std::string, fs::path> paths;
  json models = json::array();
  for (const auto& m : listing["models"]) {
    const fs::path path = m["path"].get<std::string>();
    const std::string id = path.filename().string();
    paths[id] = path;
    json entry = {{"id", id},
                  {"name", m.value("name", id)},
                  {"description", m.value("description", "")},
                  {"task", m.value("task", "")},
                  {"kind", m.value("kind", "")},
                  {"tags", json::array()},
                  {"formats", json::array()},
                  {"runnable", false},
                  {"why_not_runnable", ""},
                  {"cover", nullptr}};
    if (m.contains("error")) {
      entry["why_not_runnable"] = m["error"];
      models.push_back(entry);
      continue;
    }
    std::string why_not;
    for (const auto& w : m["weights"]) {
      entry["formats"].push_back(w["format"]);
      if (w["runs_here"].get<bool>()) entry["runnable"] = true;
      else if (why_not.empty() && w.contains("why_not")) why_not = w["format"].get<std::string>() + ": " + w["why_not"].get<std::string>();
    }
    if (!entry["runnable"].get<bool>()) entry["why_not_runnable"] = why_not.empty() ? "the model lists no weights" : why_not;
    try {
      const json card = describe_model(path);
      entry["tags"] = card["tags"];
      if (!first_cover(path, card["covers"]).empty()) entry["cover"] = cover_url(id);
    } catch (const Error&) {  // listed already; the card's own error shows on its page
    }
    models.push_back(entry);
  }
  paths_ = std::move(paths);
  return models;
}

json ModelCatalog::card(const std::string& id) {
  std::unique_lock lock(mutex_);
  const fs::path path = path_locked(id);
  std::error_code ec;
  const fs::file_time_type modified = fs::last_write_time(path, ec);
  if (const auto it = cards_.find(id); it != cards_.end() && !ec && it->second.first == modified) return it->second.second;
  lock.unlock();  // describing and loading take a while; other requests go on meanwhile
  const json c = describe_model(path, /*load_weights=*/true);
  json card = {{"id", id},
               {"name", c["name"]},
               {"description", c["description"]},
               {"authors", c["authors"]},
               {"cite", c["cite"]},
               {"license", c["license"]},
               {"tags", c["tags"]},
               {"format_version", c["format_version"]},
               {"version", c["version"]},
               {"documentation", bundle_text(path, c["documentation"].get<std::string>())},
               {"inputs", json::array()},
               {"outputs", json::array()},
               {"weights", json::array()},
               {"weights_details", c["weights"]},
               {"runnable", false},
               {"cover", first_cover(path, c["covers"]).empty() ? json(nullptr) : json(cover_url(id))},
               {"has_example", !c["inputs"].empty()},
               {"architecture", ""}};
  for (const auto& t : c["inputs"]) {
    card["inputs"].push_back(with_shape(t));
    if (!t.contains("test_tensor")) card["has_example"] = false;
  }
  for (const auto& t : c["outputs"]) card["outputs"].push_back(with_shape(t));
  for (const auto& w : c["weights"]) {
    card["weights"].push_back(w["format"]);
    if (w["runs_here"].get<bool>()) card["runnable"] = true;
  }
  if (card["runnable"].get<bool>()) {
    try {
      card["architecture"] = to_text(describe_architecture(path));
    } catch (const Error&) {  // a network whose layers cannot be listed still has a card
    }
  }
  lock.lock();
  if (!ec) cards_[id] = {modified, card};
  return card;
}

std::optional<CoverImage> ModelCatalog::cover(const std::string& id) {
  const fs::path path = path_of(id);
  try {
    const std::string name = first_cover(path, describe_model(path)["covers"]);
    if (name.empty()) return std::nullopt;
    const std::vector<std::byte> bytes = model::Bundle::open(path).read(name, std::uint64_t{32} << 20);
    return CoverImage{std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()), image_type(name)};
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::size_t ModelCatalog::output_count(const std::string& id) {
  return describe_model(path_of(id))["outputs"].size();
}

}  // namespace deepimage::server
