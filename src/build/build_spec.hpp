// BuildRequest -> the ModelSpec of the bundle to write, with every field checked first.
//
//   check_request(request);                        // names the first missing or invalid field
//   ModelSpec spec = build_spec(request, weights, example_channels);
//
// Errors are invalid_argument (not_found for a missing file), one line, naming the field by its
// build.yaml key (`input.axes "bxy" has no channel axis; expected ...`); flags are named after the
// keys (--input-axes sets input.axes).
#pragma once

#include <cstdint>

#include "build/weights_file.hpp"
#include "deepimage/build.hpp"

namespace deepimage::build {

// File names inside the bundle.
inline constexpr const char* kTestInput = "test_input.npy";
inline constexpr const char* kTestOutput = "test_output.npy";
inline constexpr const char* kSampleInput = "sample_input.tif";
inline constexpr const char* kSampleOutput = "sample_output.tif";
inline constexpr const char* kCover = "cover.png";
inline constexpr const char* kReadme = "README.md";

// Everything that can be checked without reading the weights or the example.
void check_request(const BuildRequest& request);

// The bundle's description: `input_channels` from the example (or the channel names given); the
// output's channel count is 1 (or its names') until the network has run (set_output_channels).
ModelSpec build_spec(const BuildRequest& request, const WeightsFile& weights, std::int64_t input_channels);

std::string weights_entry_name(const std::string& format);  // "weights.pt", "weights.onnx", "tensorflow_saved_model_bundle.zip"
std::string documentation_entry_name(const BuildRequest& request);

}  // namespace deepimage::build
