// The layers of a network the native engine imports (engine.hpp's describe_layers): ONNX files through
// libonnx's own shape inference (onnx_architecture.hpp, the file's nodes as written); every other
// format (TF1 SavedModels) as the nodes of its imported graph specialised for the example input shapes,
// named after the file's nodes, kinds being the graph's operators (Conv, Transpose, ...).
//
//   Architecture a = describe_native_layers(model, weights, {{1, 32, 32, 1}});
#pragma once

#include <vector>

#include "deepimage/architecture.hpp"
#include "engine/engine.hpp"

namespace deepimage::engine {

Architecture describe_native_layers(const model::Model& model, const WeightsSpec& weights, const std::vector<Shape>& input_shapes);

}  // namespace deepimage::engine
