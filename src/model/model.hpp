// A model as the runner needs it: its bundle and its description, checked against each other.
//
//   Model m = open_model("unet2d_nuclei_broad/");
//   m.spec.name;  m.bundle.read(m.spec.weights[0].source);
#pragma once

#include <filesystem>

#include "deepimage/model_spec.hpp"
#include "model/bundle.hpp"

namespace deepimage::model {

struct Model {
  Bundle bundle;
  ModelSpec spec;
};

// Opens the bundle and parses its rdf. Weights and test tensors are read (and sha256-checked) lazily,
// by read_checked below, so `info` on a bundle stays fast.
Model open_model(const std::filesystem::path& path);

// Reads an entry named in the rdf and verifies its sha256 when one is given; a mismatch is bad_model
// naming the entry, the expected and the actual hash. Exception: rdf format 0.3, whose tools never
// checked hashes and whose published bundles carry stale ones (the tiktorch unet2d fixtures do), gets
// a warning on stderr instead.
std::vector<std::byte> read_checked(const Model& model, const std::string& name, const std::string& sha256);

}  // namespace deepimage::model
