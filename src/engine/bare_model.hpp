// A network file given without an rdf: `deepimage run model.onnx in.tif -o out.tif` (also a Keras .h5,
// or a TensorFlow SavedModel folder, its saved_model.pb or a .zip of it), as DeepImageJ's builder
// accepted bare SavedModels.
//
//   model::Model m = open_model_or_weights("weights.onnx");   // a bundle path opens the bundle
//   GraphIo io = describe_bare_io("tf_density_count/", "tensorflow_saved_model_bundle",
//                                 {"input_tensor", "output_tensor"});   // `build` reads its tensors
//
// The ModelSpec is made from the graph itself, read by the native engine's importer (describe_io): it
// must have exactly one input and one output. Axes come from their rank, in the layout of the format:
// ONNX 4-d bcyx, 5-d bczyx; TensorFlow and Keras 4-d byxc, 5-d bzyxc. Batch 1; the channel count
// from the graph; spatial axes any multiple of 16 (kBareStep, enough for four 2x poolings) from 16 up,
// whatever size an exporter wrote (the native engine ignores exporters' fixed sizes too); halo 0 (the
// whole image runs as one tile unless memory or --tile says otherwise; give --halo when it does). No
// pre- or postprocessing: the image's values go to the network as float32.
#pragma once

#include <filesystem>

#include "engine/engine.hpp"
#include "model/model.hpp"

namespace deepimage::engine {

inline constexpr std::int64_t kBareStep = 16;
// The format_version of a ModelSpec made this way.
inline constexpr const char* kBareWeightsFormat = "bare-weights";

// The weights format of a bare network file or SavedModel folder or zip at `path`, or empty when `path`
// is something else (a bundle, an rdf, an image).
std::string bare_weights_format(const std::filesystem::path& path);

// The tensors to feed and fetch when the graph does not tell (a SavedModel without a signature and
// several placeholders, as DEFCoN's): `run --input-name input_tensor --output-name output_tensor`.
struct BareTensorNames {
  std::string input, output;  // empty: the graph's own single input / output
};

// The axes of a bare tensor of `rank` dimensions in the layout of `format` (above); empty for another rank.
std::string bare_axes(const std::string& format, std::size_t rank);

// The graph's one input and one output of the `format` weights at `path` (for a SavedModel: a folder or
// .zip holding saved_model.pb, even one with a model description beside it), as the engine's importer
// reads them (for a SavedModel with a signature, named by their signature keys; else "node:0"). Throws
// unsupported naming the candidates when there is not exactly one of each, not_found naming a name the
// graph lacks.
GraphIo describe_bare_io(const std::filesystem::path& path, const std::string& format, const BareTensorNames& names = {});

// model::open_model(path), or for a bare network file the model described above.
model::Model open_model_or_weights(const std::filesystem::path& path, const BareTensorNames& names = {});

}  // namespace deepimage::engine
