// What a weights file is, from its content: a TorchScript archive (a zip) or an ONNX model (a
// protobuf ModelProto), and the ONNX opset it was exported with.
//
//   WeightsFile w = inspect_weights("unet.onnx", "");   // w.format == "onnx", w.version == "17"
#pragma once

#include <filesystem>
#include <string>

namespace deepimage::build {

struct WeightsFile {
  std::string format;   // "torchscript" or "onnx"
  std::string version;  // onnx: the default-domain opset; torchscript: empty (not in the file)
};

// `requested` (torchscript | onnx; empty: detect) must agree with the content. Throws
// invalid_argument naming the file and what was expected.
WeightsFile inspect_weights(const std::filesystem::path& path, const std::string& requested);

}  // namespace deepimage::build
