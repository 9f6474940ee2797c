#include "pull/collection.hpp"

#include "deepimage/error.hpp"

namespace deepimage::pull {
namespace {

std::string text(const nlohmann::json& entry, const char* key) {
  const auto it = entry.find(key);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

CollectionEntry find_in_collection(const nlohmann::json& index, const std::string& name, const std::string& shown) {
  if (!index.is_object() || !index.contains("collection") || !index["collection"].is_array())
    throw Error(ErrorCode::bad_model, shown + " is not a bioimage.io collection index: expected a JSON object with a "
                                              "\"collection\" list");
  for (const auto& e : index["collection"]) {
    if (!e.is_object()) continue;
    const bool match = name == text(e, "id") || name == text(e, "nickname") || name == text(e, "concept_doi") ||
                       name == text(e, "doi");
    if (!match) continue;
    CollectionEntry entry{.id = text(e, "id"), .nickname = text(e, "nickname"), .concept_doi = text(e, "concept_doi"),
                          .name = text(e, "name"), .type = text(e, "type"), .rdf_source = text(e, "rdf_source"),
                          .rdf_sha256 = text(e, "rdf_sha256"), .download_url = text(e, "download_url")};
    if (!entry.type.empty() && entry.type != "model")
      throw Error(ErrorCode::bad_model, "\"" + name + "\" in " + shown + " is a " + entry.type + ", not a model");
    if (entry.rdf_source.empty() && entry.download_url.empty())
      throw Error(ErrorCode::bad_model, "\"" + name + "\" in " + shown + " has neither an rdf_source nor a download_url");
    if (entry.id.empty()) entry.id = name;
    return entry;
  }
  throw Error(ErrorCode::not_found, "no model \"" + name + "\" in the collection " + shown +
                                        " (looked for it as an id, nickname or DOI among " +
                                        std::to_string(index["collection"].size()) + " entries)");
}

}  // namespace deepimage::pull
