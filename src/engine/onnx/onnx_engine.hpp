// The onnx engine (OpenCV DNN, CPU): loads `onnx` weights and runs one tile.
// The rdf's tensors are matched to the graph's by name when every rdf name is a graph name, else by
// position. No OpenCV type is visible here.
#pragma once

#include <memory>
#include <string>

#include "engine/engine.hpp"

namespace deepimage::engine {

std::unique_ptr<Engine> load_onnx(const model::Model& model, const WeightsSpec& weights, const EngineOptions& options);

}  // namespace deepimage::engine
