// Bad weights of every format deepimage runs: noise or a cut file under a correct sha256 (so the
// hash check passes and the engine's reader meets the bad bytes), a wrong sha256, and the weights of
// another model.
#include "bad_inputs/catalogue.hpp"

namespace deepimage::testing {

namespace fs = std::filesystem;

namespace {

std::string noise(std::size_t n) {
  std::string s(n, '\0');
  std::uint32_t x = 12345;
  for (auto& c : s) c = static_cast<char>((x = x * 1664525u + 1013904223u) >> 24);
  return s;
}

fs::path pancreatic() { return realdata() / "unet2d_pancreatic_keras_dij"; }

// `run` of the example model with one weights file replaced (sha256 updated) and --weights `format`.
Entry example_weights(std::string name, std::string input, std::string file, std::string format,
                      std::function<std::string()> bytes, std::vector<std::string> message) {
  return {.name = std::move(name),
          .input = std::move(input),
          .make = [file, format, bytes](const Dirs& d) {
            const auto model = bundle_with(example_model(), d.in / "model", "rdf.yaml", {{file, bytes()}});
            return run_args(d, model, example_image(), {"--weights", format});
          },
          .message = std::move(message)};
}

// `run` of the real Keras model (unet2d_pancreatic_keras_dij) with its .h5 replaced (sha256 updated).
Entry keras_weights(std::string name, std::string input, std::function<std::string()> bytes, std::vector<std::string> message) {
  return {.name = std::move(name),
          .input = std::move(input),
          .make = [bytes](const Dirs& d) {
            const auto model = bundle_with(pancreatic(), d.in / "model", "rdf.yaml", {{"unet_pancreatic_cell_segmentation.h5", bytes()}});
            return run_args(d, model / "rdf.yaml", pancreatic() / "exampleImage.tif", {"--weights", "keras_hdf5"});
          },
          .message = std::move(message),
          .needs_realdata = true};
}

// `info --architecture` of a bare TensorFlow SavedModel (tf_serving's half_plus_two) with one file replaced.
Entry saved_model_file(std::string name, std::string input, std::string file, std::function<std::string()> bytes,
                       std::vector<std::string> message) {
  return {.name = std::move(name),
          .input = std::move(input),
          .make = [file, bytes](const Dirs& d) {
            copy_tree(realdata() / "tf_serving_half_plus_two/saved_model_half_plus_two_cpu/00000123", d.in / "saved_model");
            write_file(d.in / "saved_model" / file, bytes());
            return std::vector<std::string>{"info", (d.in / "saved_model").string(), "--architecture"};
          },
          .message = std::move(message),
          .needs_realdata = true};
}

}  // namespace

std::vector<Entry> weights_file_entries() {
  const auto pt = [] { return slurp(example_model() / "weights.pt"); };
  const auto onnx = [] { return slurp(example_model() / "weights.onnx"); };
  const auto h5 = [] { return slurp(pancreatic() / "unet_pancreatic_cell_segmentation.h5"); };
  return {
      {.name = "weights_sha256_mismatch",
       .input = "weights.pt with bytes appended after its sha256 was taken",
       .make = [](const Dirs& d) {
         copy_tree(example_model(), d.in / "model");
         std::ofstream(d.in / "model" / "weights.pt", std::ios::app) << "tampered";
         return run_args(d, d.in / "model", example_image(), {"--weights", "torchscript"});
       },
       .message = {"weights.pt: sha256 mismatch (expected d35db7758f3e352b541c01155bd82e70ca264d774370fb03cf92bf571daf8c0b, got "}},
      example_weights("torchscript_noise", "TorchScript weights.pt of noise with a correct sha256", "weights.pt", "torchscript",
                      [] { return noise(4096); }, {"weights.pt: LibTorch cannot load this TorchScript file: PytorchStreamReader failed"}),
      example_weights("torchscript_truncated", "TorchScript weights.pt cut in half, with a correct sha256", "weights.pt", "torchscript",
                      [pt] { return pt().substr(0, pt().size() / 2); },
                      {"weights.pt: LibTorch cannot load this TorchScript file: PytorchStreamReader failed"}),
      {.name = "torchscript_of_another_model",
       .input = "TorchScript weights of another model (a 3D U-Net) under the example's rdf.yaml",
       .make = [](const Dirs& d) {
         const auto model = bundle_with(example_model(), d.in / "model", "rdf.yaml",
                                        {{"weights.pt", slurp(source_dir() / "tests/data/models/unet3d_tiny/weights.pt")}});
         return run_args(d, model, example_image(), {"--weights", "torchscript"});
       },
       .message = {"weights.pt: torchscript forward failed: RuntimeError: ", "Output size is too small"}},
      example_weights("onnx_noise", "ONNX weights.onnx of noise with a correct sha256", "weights.onnx", "onnx", [] { return noise(4096); },
                      {"weights.onnx: not an ONNX model (protobuf ModelProto does not parse)"}),
      example_weights("onnx_truncated", "ONNX weights.onnx cut in half, with a correct sha256", "weights.onnx", "onnx",
                      [onnx] { return onnx().substr(0, onnx().size() / 2); },
                      {"weights.onnx: not an ONNX model (protobuf ModelProto does not parse)"}),
      example_weights("onnx_of_another_model", "ONNX weights of another model (a 2x upsampler) under the example's rdf.yaml",
                      "weights.onnx", "onnx", [] { return slurp(source_dir() / "tests/data/models/resize_cubic_onnx/resize_cubic.onnx"); },
                      {"output \"probability\" is 672 pixels along \"y\" for an input tile of 336, but the rdf implies 336"}),
      keras_weights("keras_h5_noise", "Keras .h5 weights of noise with a correct sha256", [] { return noise(4096); },
                    {"unet_pancreatic_cell_segmentation.h5 is not an HDF5 file"}),
      keras_weights("keras_h5_loops_libhdf5",
                    "Keras .h5 weights on which libhdf5 loops forever (a global heap's free space of 2^64 - 1 bytes: a fuzz finding)",
                    [] { return slurp(source_dir() / "tests/data/fuzz/keras/global_heap_free_space_of_2_to_the_64_bytes.h5"); },
                    {"unet_pancreatic_cell_segmentation.h5: the global heap collection at byte 2048 has a free-space object of "
                     "18446744073709551615 bytes at byte 3744, more than the whole file: the file is corrupt"}),
      keras_weights("keras_h5_truncated", "Keras .h5 weights cut in half, with a correct sha256",
                    [h5] { return h5().substr(0, h5().size() / 2); },
                    {"unet_pancreatic_cell_segmentation.h5 is a truncated or corrupt HDF5 file"}),
      {.name = "tf_saved_model_zip_noise",
       .input = "`test` of a tensorflow_saved_model_bundle whose .zip is noise, with a correct sha256",
       .make = [](const Dirs& d) {
         const auto model = bundle_with(realdata() / "tiktorch_dummy_tf_savedmodel", d.in / "model", "rdf.yaml",
                                        {{"dummy-model-weights.zip", noise(4096)}});
         return std::vector<std::string>{"test", (model / "rdf.yaml").string()};
       },
       .message = {"cannot open \"dummy-model-weights.zip\" in \"IN/model/rdf.yaml\" as a zip: Not a zip archive"},
       .needs_realdata = true},
      saved_model_file("tf_saved_model_pb_noise", "`info` of a SavedModel folder whose saved_model.pb is noise", "saved_model.pb",
                       [] { return noise(4096); },
                       {"\"saved_model.pb\" in \"IN/saved_model\" is not a SavedModel protocol buffer (corrupt or truncated)"}),
      saved_model_file("tf_saved_model_pb_truncated", "`info` of a SavedModel folder whose saved_model.pb is cut in half",
                       "saved_model.pb",
                       [] { return head_of(realdata() / "tf_serving_half_plus_two/saved_model_half_plus_two_cpu/00000123/saved_model.pb", 0.5); },
                       {"\"saved_model.pb\" in \"IN/saved_model\" is not a SavedModel protocol buffer (corrupt or truncated)"}),
      saved_model_file("tf_variables_index_noise", "`info` of a SavedModel folder whose variables/variables.index is noise",
                       "variables/variables.index", [] { return noise(172); },
                       {"\"variables/variables.index\" in \"IN/saved_model\" is not a valid tensor-bundle index"}),
  };
}

INSTANTIATE_TEST_SUITE_P(WeightsFiles, Catalogue, ::testing::ValuesIn(weights_file_entries()), entry_name);

}  // namespace deepimage::testing
