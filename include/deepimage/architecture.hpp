// Architecture — a network's layers in execution order, with output shapes, parameters and FLOPs.
//
//   deepimage::Architecture a = deepimage::describe_architecture("unet2d_nuclei_broad/", "onnx");
//   for (const auto& layer : a.layers) std::cout << layer.kind << " " << layer.name << "\n";
//   a.total_params;  a.total_flops;  deepimage::to_json(a).dump(2);
//
// `deepimage info MODEL --architecture` prints it (the 2019 DeepImageJ plugin's "Architecture"
// button). Each engine reads its own weights format (engine.hpp's describe_layers):
//  - torchscript: one row per call of a leaf module (Conv2d, ReLU, ...; named by its qualified
//    attribute path, "encoders.0.1") plus one per tensor operator called directly in a non-leaf
//    module's forward (aten::cat, ...); a model without submodules lists its operators. Operators
//    that did not run (branches not taken) or made only scalars (a traced model's size arithmetic)
//    are left out.
//  - onnx: one row per graph node (Constant nodes left out), named by the node's name.
//  - keras_hdf5 (and the native engine's other imported formats): one row per node of the imported graph
//    specialised for the example input (engine/native/graph_architecture.hpp).
// Output shapes are those of the model's example input: each input's test tensor, else the smallest
// size its rdf accepts.
//
// FLOPs: one multiply-add counts as 2 FLOPs, and only convolutions (plain and transposed) and matrix
// products (linear, Gemm, MatMul) are counted; bias additions, activations, pooling, normalisation
// and resampling count 0. Parameters: torchscript counts module parameters (not buffers such as
// batch-norm running statistics), each shared tensor once; onnx counts floating-point initializers
// and Constant tensors, except those a node reads as settings rather than weights (resize scales,
// batch-norm running statistics, clip bounds, pad values), so that both agree on the same network.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/tensor.hpp"

namespace deepimage {

struct LayerInfo {
  std::string name;                 // "down1.conv.0"; the ONNX node name; "" for an operator of the top module
  std::string kind;                 // "Conv2d", "aten::cat", "Conv"
  std::vector<Shape> output_shapes; // -1 marks a dimension that could not be determined
  std::int64_t params = 0;
  std::int64_t flops = 0;
};

struct Architecture {
  std::string weights_format;       // "torchscript", "onnx"
  std::string view;                 // "modules", "operators" or "nodes": what a row is
  std::vector<std::string> input_ids;
  std::vector<Shape> input_shapes;  // the example input the shapes are for, in rdf order (to_json: input_shape
                                    // is the one input's shape, null when there are several; inputs lists each)
  std::vector<LayerInfo> layers;
  std::int64_t total_params = 0;
  std::int64_t total_flops = 0;
};

// `weights`: a weights format ("torchscript", "onnx"), or empty for the first that runs here.
// Throws Error(unsupported) when the format's engine cannot describe layers. `model` may be a bare
// network file; `input_name`/`output_name` pick its feed and fetch when its graph has several.
Architecture describe_architecture(const std::filesystem::path& model, const std::string& weights = "",
                                   const std::string& input_name = "", const std::string& output_name = "");

nlohmann::json to_json(const Architecture& architecture);
// A table like torchinfo's summary, one row per layer, then the totals: what `deepimage info
// --architecture` prints.
std::string to_text(const Architecture& architecture);

}  // namespace deepimage
