// rdf.yaml -> ModelSpec, for bioimage.io format_version 0.5.x, 0.4.x and the older 0.3.x.
//
//   ModelSpec spec = parse_rdf(yaml_text, "unet2d/rdf.yaml");
//
// Errors are Error(bad_model) naming the file and the field path, e.g.
//   unet2d/rdf.yaml: inputs[0].axes[2].size.step: expected a non-negative integer, got "abc"
// The list of fields read, per version, is at the top of rdf.cpp.
#pragma once

#include <string>

#include "deepimage/model_spec.hpp"

namespace deepimage::model {

ModelSpec parse_rdf(const std::string& yaml_text, const std::string& source_name);

// The type of an axis by its one-letter id: b, c, i, t by name, any other (z, y, x) space.
AxisType axis_type_of(char letter);
// The name rdf 0.5 gives an axis type ("batch", "channel", "index", "time", "space").
const char* axis_type_name(AxisType type);

}  // namespace deepimage::model
