// The nodes of an ONNX graph (engine.hpp's describe_layers for `onnx` weights), with output shapes
// from ONNX's own shape inference for the given input shapes. No ONNX type is visible here.
#pragma once

#include <vector>

#include "deepimage/architecture.hpp"
#include "engine/engine.hpp"

namespace deepimage::engine {

Architecture describe_onnx_layers(const model::Model& model, const WeightsSpec& weights,
                                  const std::vector<Shape>& input_shapes);

}  // namespace deepimage::engine
