// ModelCatalog — the models folder as the web app sees it: a gallery entry and a card per model.
//
// A model's id in the API is its name in the folder (the bundle folder's or the .zip's file name), as
// `deepimage models --json` lists it; a client's id is only ever looked up in this catalog's own
// list, never joined to a path. The folder is listed again on every gallery request (and after
// installs), so models added by `deepimage pull` meanwhile appear.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace deepimage::server {

struct CoverImage {
  std::string bytes;
  std::string content_type;  // image/png, image/jpeg, ...
};

class ModelCatalog {
 public:
  explicit ModelCatalog(std::filesystem::path folder);

  const std::filesystem::path& folder() const { return folder_; }
  // GET /api/models: [{id, name, description, tags, formats, runnable, why_not_runnable, cover, task,
  // kind}], listing the folder again.
  nlohmann::json gallery();
  // The model's bundle path; not_found naming the id when the folder does not list it.
  std::filesystem::path path_of(const std::string& id);
  // GET /api/models/{id}: describe_model's card in the API's shape (docs/server.md).
  nlohmann::json card(const std::string& id);
  // The first cover image; nullopt when the model has none (or it cannot be read).
  std::optional<CoverImage> cover(const std::string& id);
  // How many outputs the model has (runs name them output0.tif, output1.tif, ...).
  std::size_t output_count(const std::string& id);

 private:
  void list_locked();
  std::filesystem::path path_locked(const std::string& id);

  std::filesystem::path folder_;
  std::mutex mutex_;
  std::map<std::string, std::filesystem::path> paths_;    // id -> bundle
  // Cards, made once per model (loading every weights file and listing the layers takes seconds):
  // id -> the bundle's modification time and its card.
  std::map<std::string, std::pair<std::filesystem::file_time_type, nlohmann::json>> cards_;
};

}  // namespace deepimage::server
