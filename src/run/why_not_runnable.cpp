#include "run/why_not_runnable.hpp"

namespace deepimage::run {

std::string why_not_runnable(const std::string& format) {
  if (format == "pytorch_state_dict") return "needs Python and the model's source code; not supported by design";
  if (format == "onnx") return "this build has no ONNX engine (configured with DEEPIMAGE_WITH_NATIVE=OFF)";
  if (format == "tensorflow_saved_model_bundle" || format == "keras_hdf5" || format == "tensorflow_js")
    return "TensorFlow formats are not supported yet";
  return "unknown weights format";
}

}  // namespace deepimage::run
