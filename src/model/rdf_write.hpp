// ModelSpec -> rdf.yaml text in bioimage.io format 0.5 (the inverse of parse_rdf for 0.5 files).
//
//   std::string yaml = write_rdf_v05(spec);
//   parse_rdf(yaml, "rdf.yaml") gives back every field written below.
//
// Written: format_version (kRdfWriteVersion), type, name, description, authors, cite, license,
// documentation, covers, tags, version, git_repo, timestamp, attachments; inputs/outputs with id,
// description, axes (batch and channel with their 0.5 ids "batch", "channel", ...; space axes as
// z, y, x), size (int, {min, step} or {tensor_id, axis_id, offset} with the axis `scale` that gives
// the factor), halo, data {type, range}, test_tensor / sample_tensor {source, sha256} and pre/
// postprocessing {id, kwargs}; weights {format: {source, sha256, pytorch_version | opset_version}};
// config. Op kwargs name axes by letter in a ModelSpec: they are written with the ids the axes get
// here, a 0.4-style axes string ("yx") as a list.
#pragma once

#include <string>

#include "deepimage/model_spec.hpp"

namespace deepimage::model {

inline constexpr const char* kRdfWriteVersion = "0.5.4";

std::string write_rdf_v05(const ModelSpec& spec);

}  // namespace deepimage::model
