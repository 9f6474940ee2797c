// The nodes of an imported graph (engine.hpp's describe_layers for the native engine's formats other
// than ONNX, which describes its file itself: engine/onnx/onnx_architecture.hpp): the importer's graph
// specialised for the example input shapes, one row per node in execution order, with its output
// shapes, the floating-point constants it reads as weights, and its FLOPs (architecture.hpp's rules).
// Keras graphs show the Transposes between Keras' channels-last and the graph's channels-first layout.
#pragma once

#include <vector>

#include "deepimage/architecture.hpp"
#include "engine/engine.hpp"

namespace deepimage::engine {

Architecture describe_graph_layers(const model::Model& model, const WeightsSpec& weights,
                                   const std::vector<Shape>& input_shapes);

}  // namespace deepimage::engine
