// Converting a bundle's weights to another format (what `deepimage convert` does), like
// bioimageio.core's add-weights: the new weights go into a copy of the bundle, beside the old ones,
// and the copy is tested against its test outputs.
//
//   deepimage::ConvertReport r = deepimage::convert_model({.model = "pancreatic/", .to = "onnx",
//                                                          .output = "pancreatic_onnx/"});
//   r.test.passed;
//
// The source is the bundle's first weights the native engine reads (ONNX, TF SavedModel, Keras HDF5),
// or `weights`; it is written as ONNX (opset 17) or as TorchScript (a .pt file that LibTorch and
// Python's torch.jit.load read, its forward taking the rdf's inputs). The copy holds every file of the bundle (a zip is unpacked), the converted weights
// ("weights.onnx" or "weights.pt", another name if that is taken) and an rdf in format 0.5 listing them, with the
// sha256 of every file it names; a legacy or older rdf is rewritten in 0.5. The copy is written to a
// temporary folder beside `output` and renamed when complete, so an interrupted conversion leaves
// nothing under `output`; `output` must not exist. The test (test_model on the copy, converted weights)
// decides ConvertReport::test.passed; a failed test keeps the copy, for inspection.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "deepimage/model_test.hpp"

namespace deepimage {

struct ConvertOptions {
  std::filesystem::path model;
  std::string to;          // "onnx" or "torchscript" (conversion_formats())
  std::filesystem::path output;
  std::string weights;     // the source format; empty: the first the native engine reads
  int threads = 0;         // for the test
};

struct ConvertReport {
  std::string from_format, to_format;
  std::string weights_file;  // the new entry, relative to the copy
  std::filesystem::path output;
  TestReport test;
};

ConvertReport convert_model(const ConvertOptions& options);

// The formats convert_model writes: "onnx", "torchscript".
std::vector<std::string> conversion_formats();

}  // namespace deepimage
