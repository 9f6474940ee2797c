#include "engine/onnx/onnx_version.hpp"

// Only macros: compiling this needs OpenCV's headers, running it none of its libraries.
#include <opencv2/core/version.hpp>

namespace deepimage::engine {

std::string onnx_library_version() { return std::string("OpenCV DNN ") + CV_VERSION; }

}  // namespace deepimage::engine
