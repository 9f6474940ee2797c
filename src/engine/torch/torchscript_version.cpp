#include "engine/torch/torchscript_version.hpp"

// Only macros: compiling this needs LibTorch's headers, running it none of its libraries.
#include <torch/version.h>

namespace deepimage::engine {

std::string torchscript_library_version() { return std::string("LibTorch ") + TORCH_VERSION; }

}  // namespace deepimage::engine
