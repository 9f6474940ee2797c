// What the network's graph says about the build request's tensors, for the fields the request leaves
// out, read as a bare `deepimage run` reads them (engine/bare_model.hpp):
//
//   fill_from_graph(request, inspect_weights(request.weights, ""));
//   // a DEFCoN SavedModel, input.name input_tensor: input.id "input_tensor", input.axes "byxc"
//
// - axes: from the tensor's rank, in the format's layout (TF and Keras NHWC: byxc, bzyxc; ONNX bcyx,
//   bczyx); for another rank, or none declared, the request is refused asking for them.
// - id: the graph's tensor name when it is a valid rdf id (a signature key such as "input", or a node
//   such as "input_tensor"), else left empty (the default "input"/"output").
// - input.name / output.name (--input-name/--output-name) pick the tensors when the graph has several.
// A TF SavedModel is always read: the engine finds a tensor of a SavedModel without a signature by the
// rdf's id alone, so there the id must be the node's name, or the build is refused naming both. Other
// formats are read only when axes are missing or names are given (TorchScript graphs are not read:
// their fields must be given).
#pragma once

#include "build/weights_file.hpp"
#include "deepimage/build.hpp"

namespace deepimage::build {

void fill_from_graph(BuildRequest& request, const WeightsFile& weights);

}  // namespace deepimage::build
