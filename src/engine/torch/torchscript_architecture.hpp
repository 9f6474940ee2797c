// The layers of a TorchScript module (engine.hpp's describe_layers for `torchscript` weights).
// No LibTorch type is visible here.
#pragma once

#include <vector>

#include "deepimage/architecture.hpp"
#include "engine/engine.hpp"

namespace deepimage::engine {

Architecture describe_torchscript_layers(const model::Model& model, const WeightsSpec& weights,
                                         const std::vector<Shape>& input_shapes);

}  // namespace deepimage::engine
