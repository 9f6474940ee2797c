#include "engine/native/graph_conversion.hpp"

#include "deepimage/error.hpp"
#include "engine/native/graph_importers.hpp"
#include "engine/native/native_engine.hpp"
#include "engine/native/torchscript_export.hpp"
#include "engine/onnx/onnx_export.hpp"

namespace deepimage::engine {

std::vector<std::byte> convert_graph(const model::Model& model, const WeightsSpec& weights, const std::string& to_format) {
  if (to_format != "onnx")
    throw Error(ErrorCode::unsupported, "\"" + weights.format + "\" weights can be converted to onnx only, not to \"" + to_format + "\"");
  std::vector<int> output_ranks;
  for (const auto& output : model.spec.outputs) output_ranks.push_back(static_cast<int>(output.axes.size()));
  const onnx::ModelProto m = export_onnx(with_free_input_sizes(import_graph(model, weights)), DEEPIMAGE_VERSION, output_ranks);
  std::string bytes;
  if (!m.SerializeToString(&bytes))
    throw Error(ErrorCode::unsupported, weights.source + ": the converted ONNX model is larger than protobuf's 2 GiB limit");
  const auto* p = reinterpret_cast<const std::byte*>(bytes.data());
  return {p, p + bytes.size()};
}

TorchScriptSource torchscript_source(const model::Model& model, const WeightsSpec& weights) {
  const graph::Graph g = with_free_input_sizes(import_graph(model, weights));
  const auto names = [&](const std::vector<graph::ValueId>& ids) {
    std::vector<std::string> n;
    for (graph::ValueId id : ids) n.push_back(g.value(id).name);
    return n;
  };
  return export_torchscript(g, match_rdf_tensors(model.spec.inputs, names(g.inputs), "inputs", g.source),
                            match_rdf_tensors(model.spec.outputs, names(g.outputs), "outputs", g.source));
}

}  // namespace deepimage::engine
