// The TorchScript engine (LibTorch): loads `torchscript` weights and runs one tile.
// The only header of the project that knows LibTorch exists; it shows none of its types.
#pragma once

#include <memory>
#include <string>

#include "engine/engine.hpp"

namespace deepimage::engine {

std::unique_ptr<Engine> load_torchscript(const model::Model& model, const WeightsSpec& weights,
                                         const EngineOptions& options);

}  // namespace deepimage::engine
