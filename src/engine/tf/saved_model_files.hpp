// SavedModelFiles — the files of one TensorFlow SavedModel (saved_model.pb, variables/...), wherever
// they lie: a folder inside the model's bundle, a .zip entry of the bundle (the rdf's
// tensorflow_saved_model_bundle source), the bundle root itself (legacy DeepImageJ bundles: source "."),
// or a folder or .zip on disk (a bare SavedModel).
//
//   SavedModelFiles files = SavedModelFiles::in_model(model, weights);
//   std::vector<std::byte> pb = files.read("saved_model.pb");
//   files.shown("variables/variables.index");   // "\"variables/variables.index\" in \"weights.zip\"" for errors
//
// A zip is read in memory (never unpacked to disk) with the bundle's own size limits; when its
// saved_model.pb sits in a folder of the zip ("model/saved_model.pb"), that folder is the root.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "model/model.hpp"

namespace deepimage::engine::tf {

class SavedModelFiles {
 public:
  // weights.source: a .zip entry (its sha256 is checked), a folder holding saved_model.pb, or "." for the
  // bundle root. not_found naming the source when none holds a saved_model.pb.
  static SavedModelFiles in_model(const model::Model& model, const WeightsSpec& weights);
  // A SavedModel folder or a .zip of one on disk.
  static SavedModelFiles at_path(const std::filesystem::path& path);

  bool contains(const std::string& name) const;
  // not_found naming the file (shown()) when it is missing.
  std::vector<std::byte> read(const std::string& name) const;
  // `name` quoted with where it was looked for, for error messages.
  std::string shown(const std::string& name) const;
  // Where the SavedModel is, quoted ("\"weights.zip\" in \"model/\"").
  const std::string& where() const { return where_; }

  class Storage;

 private:
  std::shared_ptr<const Storage> storage_;
  std::string where_;
};

}  // namespace deepimage::engine::tf
