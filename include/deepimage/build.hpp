// Packaging a new model as a bioimage.io 0.5 bundle (DeepImageJ's "Build Bundled Model").
//
//   deepimage::BuildRequest r = deepimage::read_build_file("build.yaml");   // or fill it in code
//   r.input.size['y'] = deepimage::parse_size_rule("64/16", "input.size.y");
//   r.output_path = "my_model.zip";
//   deepimage::BuildReport report = deepimage::build_model(r);   // throws deepimage::Error
//   report.test.passed;   // always true: a bundle that fails its own test is not written
//
// build_model checks every field first (an error names the field by its build.yaml key, quotes the
// value and says what was expected), then runs the weights on the example image through the run
// pipeline with the declared pre/postprocessing, and writes: rdf.yaml (format 0.5), the weights,
// test_input.npy / test_output.npy (what the pipeline gave), sample_input.tif / sample_output.tif,
// cover.png (example input | output, contrast-stretched, one 2-D plane), the documentation
// (README.md, generated when none is given), with the sha256 of each in the rdf. It then runs
// test_model on the result. Everything is written into a hidden temporary folder beside the target
// and renamed (or zipped to a temporary file and renamed) at the end, so an error leaves nothing.
// Supported: one input and one output tensor; TorchScript, ONNX, Keras HDF5 or TF1 SavedModel weights
// (a SavedModel folder or zip is packed as tensorflow_saved_model_bundle.zip).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/dtype.hpp"
#include "deepimage/model_spec.hpp"
#include "deepimage/model_test.hpp"

namespace deepimage {

struct BuildTensor {
  std::string id;                          // empty: the graph's name when it is an id (build/graph_tensors.hpp), else "input" / "output"
  std::string name;                        // the graph's tensor to feed / fetch when it has several (--input-name)
  std::string description;
  std::string axes;                        // the network's tensor axes, e.g. "bcyx" (letters of "bitczyx");
                                           // empty: from the graph's rank for ONNX, Keras and SavedModel weights
  // Size rule per axis other than b and c. Input: fixed or parameterized (min + n * step). Output:
  // fixed, or a reference to the input's axis of the same letter (factor and offset); an output axis
  // without a rule that the input also has is the input's size.
  std::map<char, AxisSize> size;
  std::map<char, std::int64_t> halo;       // output: pixels per side the network's border effects reach
  std::vector<std::string> channel_names;  // default: the id, numbered when there are several channels
  std::vector<OpSpec> ops;                 // input: preprocessing; output: postprocessing (bioimage.io ids)
  // Input: the type the network takes after preprocessing (default float32; the test input is stored
  // in it). Output: default float32, or the last ensure_dtype's.
  std::optional<DType> data_type;
};

struct BuildRequest {
  std::filesystem::path weights;           // TorchScript (.pt), ONNX (.onnx), Keras (.h5), or a TF1 SavedModel folder or .zip
  std::string weights_format;              // torchscript | onnx | keras_hdf5 | tensorflow_saved_model_bundle; empty: detected
  std::string weights_version;             // pytorch_version / opset_version / tensorflow_version; empty: LibTorch's
                                           // here / the file's opset / the SavedModel's recorded version
  std::filesystem::path example;           // TIFF, .npy, PNG or JPEG the model is run on
  std::string example_axes;                // override the example's axes (as --axes of `run`)
  std::string name, description, license;  // license: an SPDX id
  std::vector<Author> authors;
  std::vector<Citation> cite;
  std::vector<std::string> tags;
  std::filesystem::path documentation;     // a Markdown file; empty: a README.md is generated
  BuildTensor input, output;
  std::filesystem::path output_path;       // "<name>.zip" for a zip, anything else a folder
  bool overwrite = false;
  int threads = 0;
};

struct BuildReport {
  std::string output;                                       // the bundle written
  bool zip = false;
  std::vector<std::pair<std::string, std::string>> files;   // entry name, sha256
  std::vector<std::int64_t> example_shape;                  // in the input's axes
  std::vector<std::int64_t> output_shape;                   // in the output's axes
  TestReport test;
};

BuildReport build_model(const BuildRequest& request);
nlohmann::json to_json(const BuildReport& report);

// build.yaml -> BuildRequest; file paths in it are relative to the build.yaml's folder. Keys (see
// docs/build.md): weights, weights_format, weights_version, example, example_axes, name, description,
// license, authors [{name, affiliation, github}], cite [{text, doi, url}], tags, documentation,
// bundle (the path to write), overwrite, threads, input / output {id, name, description, axes, size {axis: rule}, halo {axis: n},
// channel_names, data_type, preprocessing / postprocessing [{id, kwargs}]}. Unknown keys are errors.
BuildRequest read_build_file(const std::filesystem::path& path);

// The text forms shared by the command line and build.yaml; `field` names the value in errors.
//   "256"            fixed size
//   "64/16"          min 64, step 16 (inputs)
//   "ref"            the input's size along the same axis (outputs)
//   "ref*2", "ref*0.5-8", "ref+16"   the input's size times a factor, plus an offset (outputs)
AxisSize parse_size_rule(const std::string& text, const std::string& field);
// "zero_mean_unit_variance" or "scale_range:{\"min_percentile\": 1}" (the kwargs as a JSON object).
OpSpec parse_op(const std::string& text, const std::string& field);
// "Jane Doe; EMBL Heidelberg; janedoe": name, then optional affiliation and GitHub user.
Author parse_author(const std::string& text, const std::string& field);

}  // namespace deepimage
