#include "engine/native/native_version.hpp"

// Only macros: compiling this needs oneDNN's headers, running it none of its libraries.
#include <oneapi/dnnl/dnnl_version.h>

namespace deepimage::engine {

std::string native_library_version() {
  return "deepimage graph engine on oneDNN " + std::to_string(DNNL_VERSION_MAJOR) + "." +
         std::to_string(DNNL_VERSION_MINOR) + "." + std::to_string(DNNL_VERSION_PATCH);
}

}  // namespace deepimage::engine
