// Looking a model up in a collection index of the bioimage.io layout, by each name it goes by.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "deepimage/error.hpp"
#include "pull/collection.hpp"

namespace deepimage::testing {
namespace {

const nlohmann::json kIndex = nlohmann::json::parse(R"({"collection": [
  {"id": "affable-shark", "type": "model", "concept_doi": "10.5281/zenodo.5764892", "doi": "10.5281/zenodo.11092896",
   "rdf_source": "https://host/affable-shark/1.1/files/rdf.yaml", "rdf_sha256": "aa"},
  {"id": "10.5281/zenodo.6200999", "nickname": "impartial-shrimp", "type": "model",
   "download_url": "https://zenodo.org/api/records/6200999/files-archive"},
  {"id": "ilastik/livecell_dataset", "type": "dataset", "rdf_source": "https://host/d/rdf.yaml"},
  {"id": "broken-entry", "type": "model"}
]})");

TEST(Collection, FindsAModelByIdNicknameConceptDoiAndDoi) {
  for (const char* name : {"affable-shark", "10.5281/zenodo.5764892", "10.5281/zenodo.11092896"}) {
    const auto e = pull::find_in_collection(kIndex, name, "index");
    EXPECT_EQ(e.id, "affable-shark") << name;
    EXPECT_EQ(e.rdf_source, "https://host/affable-shark/1.1/files/rdf.yaml");
    EXPECT_EQ(e.rdf_sha256, "aa");
  }
  for (const char* name : {"impartial-shrimp", "10.5281/zenodo.6200999"}) {
    const auto e = pull::find_in_collection(kIndex, name, "index");
    EXPECT_EQ(e.id, "10.5281/zenodo.6200999") << name;
    EXPECT_EQ(e.download_url, "https://zenodo.org/api/records/6200999/files-archive");
    EXPECT_TRUE(e.rdf_source.empty());
  }
}

TEST(Collection, RefusesWhatIsNotAPullableModel) {
  const auto message = [](const nlohmann::json& index, const std::string& name) {
    try {
      pull::find_in_collection(index, name, "\"c.json\"");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(kIndex, "affable-sharc"),
            "no model \"affable-sharc\" in the collection \"c.json\" (looked for it as an id, nickname or DOI among 4 entries)");
  EXPECT_EQ(message(kIndex, "ilastik/livecell_dataset"), "\"ilastik/livecell_dataset\" in \"c.json\" is a dataset, not a model");
  EXPECT_EQ(message(kIndex, "broken-entry"), "\"broken-entry\" in \"c.json\" has neither an rdf_source nor a download_url");
  EXPECT_EQ(message(nlohmann::json::array(), "x"),
            "\"c.json\" is not a bioimage.io collection index: expected a JSON object with a \"collection\" list");
}

}  // namespace
}  // namespace deepimage::testing
