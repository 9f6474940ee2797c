// What a weights file is, from its content: a TorchScript archive (a zip), an ONNX model (a protobuf
// ModelProto, and the ONNX opset it was exported with) or a Keras HDF5 file (HDF5's signature).
//
//   WeightsFile w = inspect_weights("unet.onnx", "");   // w.format == "onnx", w.version == "17"
#pragma once

#include <filesystem>
#include <string>

namespace deepimage::build {

struct WeightsFile {
  std::string format;   // "torchscript", "onnx" or "keras_hdf5"
  std::string version;  // onnx: the default-domain opset; torchscript: empty (not in the file)
};

// `requested` (torchscript | onnx | keras_hdf5; empty: detect) must agree with the content. Throws
// invalid_argument naming the file and what was expected.
WeightsFile inspect_weights(const std::filesystem::path& path, const std::string& requested);

}  // namespace deepimage::build
