// The LibTorch version the torchscript engine was compiled against, known without loading LibTorch:
// `deepimage engines` and `info` list it while the engine module stays closed (engine_module.hpp).
#pragma once

#include <string>

namespace deepimage::engine {

std::string torchscript_library_version();  // "LibTorch 1.13.0"

}  // namespace deepimage::engine
