#include "build/graph_tensors.hpp"

#include <cctype>

#include "deepimage/error.hpp"
#include "engine/bare_model.hpp"

namespace deepimage::build {
namespace {

bool is_rdf_id(const std::string& s) {
  bool ok = !s.empty() && s.size() <= 32 && !std::isdigit(static_cast<unsigned char>(s[0]));
  for (unsigned char c : s) ok = ok && (std::isdigit(c) || std::islower(c) || c == '_');
  return ok;
}

// "input_tensor:0" -> "input_tensor": the node, which is how a SavedModel without a signature finds it.
std::string node_of(const std::string& tensor) {
  return tensor.ends_with(":0") ? tensor.substr(0, tensor.size() - 2) : tensor;
}

void fill(BuildTensor& t, const engine::GraphTensor& g, const std::string& format, const std::string& side, const std::string& shown) {
  if (t.axes.empty()) t.axes = engine::bare_axes(format, g.shape.size());
  if (t.axes.empty())
    throw Error(ErrorCode::invalid_argument, side + ".axes is missing, and the graph's " + side + " tensor \"" + g.name + "\" of " + shown +
                                                 (g.shape.empty() ? " does not declare its rank"
                                                                  : " has " + std::to_string(g.shape.size()) + " dimensions") +
                                                 ", from which only 4-d and 5-d image tensors get axes; expected " + side +
                                                 ".axes given, one letter per dimension (c, y and x required)");
  const std::string name = node_of(g.name);
  if (t.id.empty() && is_rdf_id(name)) t.id = name;
  // A TF tensor named "node:k" has no signature key: the engine finds it by the rdf's id only.
  const bool by_id_only = format == "tensorflow_saved_model_bundle" && g.name.find(':') != std::string::npos;
  if (!by_id_only) return;
  if (!is_rdf_id(name))
    throw Error(ErrorCode::invalid_argument, "the " + side + " tensor \"" + g.name + "\" of SavedModel " + shown +
                                                 " has no signature key, and its node name cannot be an rdf tensor id; expected a "
                                                 "SavedModel with a serving signature, or a " + side + " node named with lower-case letters, digits and _");
  if (t.id != name)
    throw Error(ErrorCode::invalid_argument, side + ".id \"" + t.id + "\" is not the name of the " + side + " tensor \"" + name + "\" of SavedModel " +
                                                 shown + ", which has no signature to find it by otherwise; expected " + side + ".id " + name +
                                                 " (or none)");
}

}  // namespace

void fill_from_graph(BuildRequest& r, const WeightsFile& weights) {
  const bool saved_model = weights.format == "tensorflow_saved_model_bundle";
  const bool asked = r.input.axes.empty() || r.output.axes.empty() || !r.input.name.empty() || !r.output.name.empty();
  if (weights.format == "torchscript" && (!r.input.name.empty() || !r.output.name.empty()))
    throw Error(ErrorCode::invalid_argument, "input.name and output.name pick tensors of an ONNX, Keras or SavedModel graph; TorchScript weights \"" +
                                                 r.weights.string() + "\" take their inputs in order, so expected neither");
  if (weights.format == "torchscript" || (!saved_model && !asked)) return;
  const engine::GraphIo io = engine::describe_bare_io(weights.location, weights.format, {r.input.name, r.output.name});
  const std::string shown = "\"" + r.weights.string() + "\"";
  fill(r.input, io.inputs.at(0), weights.format, "input", shown);
  fill(r.output, io.outputs.at(0), weights.format, "output", shown);
}

}  // namespace deepimage::build
