// What a weights file is, from its content: a TorchScript archive (a zip), an ONNX model (a protobuf
// ModelProto, and the ONNX opset it was exported with), a Keras HDF5 file (HDF5's signature) or a
// TensorFlow 1 SavedModel (a folder or .zip holding saved_model.pb, and the TensorFlow version its meta
// graph records).
//
//   WeightsFile w = inspect_weights("unet.onnx", "");          // w.format == "onnx", w.version == "17"
//   WeightsFile t = inspect_weights("tf_density_count/", "");  // "tensorflow_saved_model_bundle", "1.3.0"
#pragma once

#include <filesystem>
#include <string>

namespace deepimage::build {

struct WeightsFile {
  std::string format;   // "torchscript", "onnx", "keras_hdf5" or "tensorflow_saved_model_bundle"
  std::string version;  // onnx: the default-domain opset; SavedModel: MetaInfoDef.tensorflow_version (may be
                        // empty); torchscript, keras_hdf5: empty (not in the file)
  std::filesystem::path location;  // the file; a SavedModel's folder or zip (the folder of a saved_model.pb given)
};

// `requested` (torchscript | onnx | keras_hdf5 | tensorflow_saved_model_bundle; empty: detect) must agree with the content. Throws
// invalid_argument naming the file and what was expected.
WeightsFile inspect_weights(const std::filesystem::path& path, const std::string& requested);

}  // namespace deepimage::build
