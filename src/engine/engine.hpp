// Engine — one loaded network: run one tile. Nothing else.
//
//   auto engine = load_engine(model, "torchscript", {.threads = 2});
//   std::vector<Tensor> outs = engine->run({tile});   // inputs in rdf order, float32 in model axes
//
// Tiling, padding, dtype conversion and normalisation never live in an engine: the runner does
// them, once, for every engine. Engines are listed in register_builtin_engines() (engines.cpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "deepimage/architecture.hpp"
#include "deepimage/precision.hpp"
#include "deepimage/tensor.hpp"
#include "engine/torchscript_source.hpp"
#include "model/model.hpp"

namespace deepimage::engine {

struct EngineOptions {
  int threads = 0;  // 0: all cores
  Precision precision = Precision::fp32;  // an engine that cannot run bf16 refuses it with Error(unsupported)
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Inputs in the order of spec.inputs, shaped and typed as the model expects (an empty Tensor for an
  // omitted optional input); outputs in the order of spec.outputs. Throws Error(engine) with the
  // engine's message on failure.
  virtual std::vector<Tensor> run(const std::vector<Tensor>& inputs) = 0;
  // Starts building, in the background, what the first run() of inputs of these shapes (rdf order)
  // needs, so that it overlaps the runner reading and normalising the image; run() waits for it and
  // reports its errors. For engines with nothing to build ahead (the default) it does nothing.
  virtual void prepare(const std::vector<Shape>& input_shapes) { (void)input_shapes; }
};

// The tensors a network file declares, read from the graph itself (no rdf): what a bare weights
// file runs with (engine/bare_model.hpp). Dimensions the file leaves open are -1.
struct GraphTensor {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
};
struct GraphIo {
  std::vector<GraphTensor> inputs, outputs;
};

struct EngineInfo {
  std::string name;                       // "torchscript"
  std::vector<std::string> weight_formats;// rdf weight formats it runs
  std::string library;                    // "LibTorch 1.13.1"
  std::function<std::unique_ptr<Engine>(const model::Model&, const WeightsSpec&, const EngineOptions&)> load;
  // The network's layers for inputs of `input_shapes` (rdf order): fills view, layers and the
  // totals (architecture.hpp says what is counted). Reads the weights itself: no loaded Engine needed.
  std::function<Architecture(const model::Model&, const WeightsSpec&, const std::vector<Shape>& input_shapes)> describe_layers;
  // The graph's inputs and outputs, in the file's order, as its importer reads them: feed/fetch names
  // the model's tensor ids give are used, else the file's own. Throws Error(unsupported) for an engine
  // that cannot tell without an rdf.
  std::function<GraphIo(const model::Model&, const WeightsSpec&)> describe_io;
  // The weights as a file of `to_format` ("onnx"), the bytes a bundle would hold. Throws
  // Error(unsupported) for a pair it cannot convert.
  std::function<std::vector<std::byte>(const model::Model&, const WeightsSpec&, const std::string& to_format)> convert;
  // `convert --to torchscript`: the engine that reads the weights writes them as TorchScript source, the
  // torchscript engine compiles that into the bytes of a .pt file (engine/torchscript_source.hpp). Each
  // throws Error(unsupported) for an engine without its half.
  std::function<TorchScriptSource(const model::Model&, const WeightsSpec&)> torchscript_source;
  std::function<std::vector<std::byte>(const TorchScriptSource&)> compile_torchscript;
};

const std::vector<EngineInfo>& builtin_engines();
// The engine that runs `format`, or nullptr.
const EngineInfo* engine_for_format(const std::string& format);

// Picks the weights to run: `requested` when given (error if the bundle lacks it or it cannot run
// here), else the first runnable format in preference order. The error lists what the bundle has and
// what runs here.
// Weights the rdf lists but the bundle lacks (a SavedModel zip left out of a Keras bundle, say) are
// passed over in that choice.
const WeightsSpec& choose_weights(const model::Model& model, const std::string& requested);
// Whether the bundle holds these weights: a file, a SavedModel folder (or the bundle root, "."), or a
// URL fetched later.
bool weights_in_bundle(const model::Model& model, const WeightsSpec& weights);

std::unique_ptr<Engine> load_engine(const model::Model& model, const WeightsSpec& weights, const EngineOptions& options);

}  // namespace deepimage::engine
