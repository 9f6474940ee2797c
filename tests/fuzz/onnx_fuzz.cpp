// Feeds an ONNX model file (a protobuf ModelProto) to the native engine's importer, import_onnx:
// initializers, attributes, every opset's operator forms, shapes.
#include "engine/onnx/onnx_import.hpp"
#include "fuzz/fuzz_targets.hpp"

namespace deepimage::fuzz {

void fuzz_onnx(Bytes bytes) { engine::import_onnx(to_bytes(bytes), "fuzz.onnx"); }

}  // namespace deepimage::fuzz
