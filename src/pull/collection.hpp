// Looking up a model in a bioimage.io collection index (collection.json), the file bioimage.io
// publishes and the bioimageio Python tools resolve ids with:
//
//   {"collection": [
//     {"id": "affable-shark", "nickname": "affable-shark", "type": "model", "name": "...",
//      "rdf_source": "https://.../affable-shark/1.1/files/rdf.yaml", "rdf_sha256": "...",
//      "download_url": "https://.../bundle.zip", "concept_doi": "10.5281/zenodo.5764892",
//      "doi": "...", ...}, ...]}
//
// Older indexes use a DOI as "id" and keep the animal name in "nickname"; both are matched. Fields
// other than these are ignored.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace deepimage::pull {

struct CollectionEntry {
  std::string id, nickname, concept_doi, name, type;
  std::string rdf_source, rdf_sha256;  // the rdf and its hash (either may be empty)
  std::string download_url;            // a zip of the bundle (may be empty)
};

// The entry whose id, nickname, concept_doi or doi is `name`. `shown` names the index in errors.
// Throws not_found when none is, bad_model for an index not in this layout or an entry that is not a
// model or names no file.
CollectionEntry find_in_collection(const nlohmann::json& index, const std::string& name, const std::string& shown);

}  // namespace deepimage::pull
