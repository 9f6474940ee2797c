// The OpenCV version the onnx engine was compiled against, known without loading OpenCV:
// `deepimage engines` and `info` list it while the engine module stays closed (engine_module.hpp).
#pragma once

#include <string>

namespace deepimage::engine {

std::string onnx_library_version();  // "OpenCV DNN 4.6.0"

}  // namespace deepimage::engine
