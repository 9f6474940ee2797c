#include "engine/onnx/onnx_engine.hpp"

#include <algorithm>

#include "deepimage/error.hpp"
#include "engine/onnx/onnx_net.hpp"

namespace deepimage::engine {
namespace {

std::vector<std::string> ids_of(const std::vector<TensorSpec>& tensors) {
  std::vector<std::string> ids;
  for (const auto& t : tensors) ids.push_back(t.id);
  return ids;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "\"" : ", \"") + i + "\"";
  return s;
}

// order[k] = position in `graph` of the rdf's k-th tensor. Exporters often name tensors "input.1" or
// "0" whatever the rdf says, so position is the fallback; a count mismatch is a broken bundle.
std::vector<std::size_t> match(const std::vector<std::string>& rdf, const std::vector<std::string>& graph,
                               const std::string& what, const std::string& source) {
  if (rdf.size() != graph.size())
    throw Error(ErrorCode::bad_model, source + ": the graph has " + std::to_string(graph.size()) + " " + what + " (" +
                                          join(graph) + ") but the rdf declares " + std::to_string(rdf.size()) + " (" +
                                          join(rdf) + ")");
  std::vector<std::size_t> order;
  for (const auto& name : rdf) {
    const auto it = std::find(graph.begin(), graph.end(), name);
    if (it == graph.end()) break;
    order.push_back(static_cast<std::size_t>(it - graph.begin()));
  }
  if (order.size() == rdf.size()) return order;
  order.clear();
  for (std::size_t k = 0; k < rdf.size(); ++k) order.push_back(k);
  return order;
}

class OnnxEngine final : public Engine {
 public:
  OnnxEngine(std::unique_ptr<OnnxNet> net, const ModelSpec& spec, const std::string& source)
      : net_(std::move(net)),
        input_order_(match(ids_of(spec.inputs), net_->input_names(), "inputs", source)),
        output_order_(match(ids_of(spec.outputs), net_->output_names(), "outputs", source)) {}

  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override {
    for (std::size_t k = 0; k < inputs.size(); ++k)
      if (inputs[k].empty())
        throw Error(ErrorCode::unsupported, "input " + std::to_string(k + 1) + " was left out, which the onnx engine (OpenCV DNN) "
                                            "cannot do: give every input, or use the model's torchscript weights");
    std::vector<Tensor> graph_outputs;
    if (std::is_sorted(input_order_.begin(), input_order_.end())) {
      graph_outputs = net_->run(inputs);  // the usual case: no reordering, no copy of the tile
    } else {
      std::vector<Tensor> graph_inputs(inputs.size());
      for (std::size_t k = 0; k < inputs.size(); ++k) graph_inputs.at(input_order_.at(k)) = inputs[k];
      graph_outputs = net_->run(graph_inputs);
    }
    std::vector<Tensor> outputs;
    for (std::size_t k = 0; k < output_order_.size(); ++k) outputs.push_back(std::move(graph_outputs.at(output_order_[k])));
    return outputs;
  }

 private:
  std::unique_ptr<OnnxNet> net_;
  std::vector<std::size_t> input_order_, output_order_;
};

}  // namespace

std::unique_ptr<Engine> load_onnx(const model::Model& model, const WeightsSpec& weights, const EngineOptions& options) {
  if (options.precision != Precision::fp32)
    throw Error(ErrorCode::unsupported, "the onnx engine (" + opencv_dnn_version() + ") runs fp32 only");
  const std::vector<std::byte> bytes = model::read_checked(model, weights.source, weights.sha256);
  auto net = std::make_unique<OnnxNet>(bytes, weights.source, options.threads);
  return std::make_unique<OnnxEngine>(std::move(net), model.spec, weights.source);
}

std::string onnx_library_version() { return opencv_dnn_version(); }

}  // namespace deepimage::engine
