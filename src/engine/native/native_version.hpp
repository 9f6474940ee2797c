// The oneDNN version the native engine was compiled against, known without loading oneDNN:
// `deepimage engines` and `info` list it while the engine module stays closed (engine_module.hpp).
#pragma once

#include <string>

namespace deepimage::engine {

std::string native_library_version();  // "deepimage graph engine on oneDNN 2.6.3"

}  // namespace deepimage::engine
