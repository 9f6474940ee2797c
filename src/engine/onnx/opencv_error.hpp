// Turns OpenCV DNN's exception text into one line a user can act on.
//
//   catch (const cv::Exception& e) { OpenCvFailure f = parse_opencv_error(e.what()); ... }
//
// OpenCV 4.6 reports an ONNX import problem as a nested, multi-line message, for example
//   OpenCV(4.6.0) .../onnx_importer.cpp:1040: error: (-2:Unspecified error) in function 'handleNode'
//   > Node [Hardmax@ai.onnx]:(onnx_node!my_hardmax) parse error: OpenCV(4.6.0) .../layer_internals.hpp:110:
//     error: (-2:Unspecified error) Can't create layer "onnx_node!my_hardmax" of type "Hardmax" in function ...
// We keep the operator, the node and the innermost reason, and drop source paths and line numbers.
// Plain text in and out, so this file needs no OpenCV header and is unit-tested on recorded messages.
#pragma once

#include <string>
#include <string_view>

namespace deepimage::engine {

struct OpenCvFailure {
  std::string op_type;           // "Hardmax"; empty when OpenCV names no node
  std::string node;              // "my_hardmax": the ONNX node name, or its first output when unnamed
  bool unknown_operator = false; // OpenCV has no layer for op_type at all
  std::string reason;            // "assertion failed: blob_0.size == blob_1.size (in parseBias)"
};

OpenCvFailure parse_opencv_error(std::string_view message);

}  // namespace deepimage::engine
