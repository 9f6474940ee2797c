// The Keras HDF5 importer (engine/keras): small files written by scripts/make_keras_fixtures.py
// without Keras, one per layer family, against that script's PyTorch/numpy reference of TensorFlow's
// rules (SAME padding, Conv2DTranspose sizes, average pooling counts, TF1 bilinear resizing); the
// refusals; and the real Keras files in ../shared/realdata: the pancreatic-cell U-Net (Keras 2.3.1)
// against TensorFlow.js's probability map, DEFCoN (Keras 2.0.8) with its Lambda declared.
#include "engine/keras/keras_import.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "deepimage/error.hpp"
#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "engine/native/dnnl_executor.hpp"
#include "io/npy.hpp"
#include "io/tiff.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/pancreatic_unet.hpp"
#include "support/whole_tile_normalisation.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

namespace graph = engine::graph;

std::filesystem::path fixtures() { return source_dir() / "tests" / "data" / "engine" / "keras"; }

std::vector<std::byte> bytes_of(const std::filesystem::path& file) {
  const std::string s = slurp(file);
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

graph::Graph import_file(const std::filesystem::path& file, const engine::keras::LambdaReplacements& lambdas = {}) {
  return engine::import_keras(bytes_of(file), file.filename().string(), lambdas);
}

std::vector<Shape> shapes_of(const std::vector<Tensor>& tensors) {
  std::vector<Shape> shapes;
  for (const auto& t : tensors) shapes.push_back(t.shape());
  return shapes;
}

// Runs fixture `name` with the reference interpreter and with oneDNN, each against the saved outputs
// (those of fixture `data`, for a file that spells the same model another way).
void expect_fixture_matches(const std::string& name, std::size_t inputs, std::size_t outputs,
                            const engine::keras::LambdaReplacements& lambdas = {}, std::string data = "") {
  const graph::Graph g = import_file(fixtures() / (name + ".h5"), lambdas);
  if (data.empty()) data = name;
  ASSERT_EQ(g.inputs.size(), inputs);
  ASSERT_EQ(g.outputs.size(), outputs);
  std::vector<Tensor> x;
  for (std::size_t k = 0; k < inputs; ++k)
    x.push_back(io::read_npy(fixtures() / (data + "_input" + std::to_string(k) + ".npy")));
  const graph::Graph s = graph::specialize(g, shapes_of(x));
  const std::vector<Tensor> reference = graph::run_reference(s, x);
  const std::vector<Tensor> native = engine::native::DnnlExecutor(s, {.threads = 2}).run(x);
  for (std::size_t k = 0; k < outputs; ++k) {
    const Tensor expected = io::read_npy(fixtures() / (data + "_output" + std::to_string(k) + ".npy"));
    SCOPED_TRACE(name + " output " + std::to_string(k) + " (" + g.value(g.outputs[k]).name + ")");
    ASSERT_EQ(reference[k].shape(), expected.shape());
    ASSERT_EQ(native[k].shape(), expected.shape());
    EXPECT_LE(max_abs_diff(reference[k], expected), kReferenceKernelVsPyTorchMaxAbs);
    EXPECT_LE(max_abs_diff(native[k], expected), kReferenceKernelVsPyTorchMaxAbs);
  }
}

std::pair<ErrorCode, std::string> error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {ErrorCode::internal, "no error"};
}

TEST(KerasImport, ConvolutionsTransposedDepthwiseAndSeparable) { expect_fixture_matches("conv_family", 1, 1); }
TEST(KerasImport, PoolingAndUpSampling) { expect_fixture_matches("pool_resize", 1, 3); }
// Also: fixed-length string attributes (h5py 2's way), two inputs, sixteen outputs in the file's order.
TEST(KerasImport, MergeNormalisationAndActivations) { expect_fixture_matches("merge_norm_activations", 2, 18); }
TEST(KerasImport, Keras3FunctionalConfigWithKerasHistory) {
  expect_fixture_matches("merge_norm_activations_keras3_config", 2, 18, {}, "merge_norm_activations");
}
TEST(KerasImport, SequentialWithoutInputLayerCropPadPermuteReshapeFlattenDense) {
  expect_fixture_matches("geometry_sequential", 1, 1);
  expect_fixture_matches("geometry_sequential_keras20_config", 1, 1, {},
                         "geometry_sequential");  // the config a bare list of layers
}
TEST(KerasImport, VolumesIn3d) { expect_fixture_matches("volumes_3d", 1, 2); }

TEST(KerasImport, GraphKeepsKerasChannelsLastAtItsInputsAndOutputs) {
  const graph::Graph g = import_file(fixtures() / "conv_family.h5");
  EXPECT_EQ(g.value(g.inputs[0]).name, "image");
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{-1, -1, -1, 3}));
  EXPECT_EQ(g.value(g.outputs[0]).name, "separable");
  EXPECT_EQ(g.nodes.front().op, "Transpose");
  EXPECT_EQ(g.nodes.back().op, "Transpose");
}

// The file is opened from memory; a file of the same name in the working directory (the bundle's own,
// when run from its folder) once made HDF5 refuse the image.
TEST(KerasImport, OpensFromMemoryBesideAFileOfTheSameName) {
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(fixtures());
  const auto [code, message] = error_of([] { import_file("conv_family.h5"); });
  std::filesystem::current_path(previous);
  EXPECT_EQ(message, "no error");
}

TEST(KerasImport, DeclaredLambdaRunsAndUndeclaredIsRefused) {
  const auto [code, message] = error_of([] { import_file(fixtures() / "lambda_min_max.h5"); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_NE(message.find("lambda_min_max.h5: layer \"normalize\" (Lambda) runs Python code"), std::string::npos)
      << message;
  EXPECT_NE(message.find("keras_lambda"), std::string::npos) << message;
  expect_fixture_matches("lambda_min_max", 1, 1, {{"normalize", "min_max_normalization"}});
}

TEST(KerasImport, RefusalsNameTheFileAndTheLayer) {
  {
    const auto [code, message] = error_of([] { import_file(fixtures() / "bad_no_model_config.h5"); });
    EXPECT_EQ(code, ErrorCode::bad_model);
    EXPECT_NE(message.find("bad_no_model_config.h5 has no \"model_config\" attribute"), std::string::npos) << message;
  }
  {
    const auto [code, message] = error_of([] { import_file(fixtures() / "bad_missing_bias.h5"); });
    EXPECT_EQ(code, ErrorCode::bad_model);
    EXPECT_NE(message.find("bad_missing_bias.h5: layer \"conv\" (Conv2D) has no weight \"bias\""), std::string::npos)
        << message;
  }
  {
    const auto [code, message] = error_of([] { import_file(fixtures() / "bad_unknown_layer.h5"); });
    EXPECT_EQ(code, ErrorCode::unsupported);
    EXPECT_NE(message.find("bad_unknown_layer.h5: layer \"attention\" (FancyAttention) is a layer class"),
              std::string::npos)
        << message;
  }
  {
    const auto [code, message] = error_of([] { engine::import_keras({std::byte{1}, std::byte{2}}, "junk.h5"); });
    EXPECT_EQ(code, ErrorCode::bad_model);
    EXPECT_EQ(message, "junk.h5 is not an HDF5 file");
  }
  // A pair, not structured bindings: clang 14 cannot capture those in a lambda.
  for (const auto& declaration : std::vector<std::pair<std::string, std::string>>{{"nope", "identity"}}) {
    const auto [code, message] = error_of([&] { import_file(fixtures() / "lambda_min_max.h5", {declaration}); });
    EXPECT_EQ(code, ErrorCode::bad_model);
    EXPECT_NE(message.find("declares keras_lambda \"nope\""), std::string::npos) << message;
  }
}

TEST(KerasImport, LambdaDeclarationsFromTheRdfConfig) {
  const auto declared = engine::keras_lambda_declarations(
      nlohmann::json::parse(R"({"deepimage": {"keras_lambda": {"hist_norm": "min_max_normalization"}}})"));
  EXPECT_EQ(declared.at("hist_norm"), "min_max_normalization");
  EXPECT_TRUE(engine::keras_lambda_declarations(nlohmann::json::object()).empty());
  const auto [code, message] = error_of([] {
    engine::keras_lambda_declarations(nlohmann::json::parse(R"({"deepimage": {"keras_lambda": {"f": "python"}}})"));
  });
  EXPECT_EQ(code, ErrorCode::bad_model);
  EXPECT_NE(message.find("\"python\" for layer \"f\""), std::string::npos) << message;
}

// ---- real files --------------------------------------------------------------------------------

TEST(KerasRealModels, PancreaticUnetMatchesTensorFlowJsProbabilities) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const graph::Graph g = import_file(pancreatic_unet_dir() / "unet_pancreatic_cell_segmentation.h5");
  const Tensor x = pancreatic_unet_input();
  expect_pancreatic_unet_output(engine::native::DnnlExecutor(graph::specialize(g, {x.shape()}), {.threads = 2}).run({x}).at(0));
}

TEST(KerasRealModels, DefconLambdaIsRefusedByName) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto [code, message] = error_of([] { import_file(realdata() / "defcon_bsd" / "defcon_tf13.h5"); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_EQ(message.find("defcon_tf13.h5: layer \"hist_norm\" (Lambda) runs Python code the native engine cannot read"),
            0u)
      << message;
}

// The same weights as the DeepImageJ SavedModel: every frame of its test stack within the issue's 1e-4
// of the TensorFlow.js density maps (dropout removed), and upstream's 7x7 local count on frame 1.
TEST(KerasRealModels, DefconWithDeclaredLambdaMatchesTensorFlowJsDensity) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const graph::Graph g =
      import_file(realdata() / "defcon_bsd" / "defcon_tf13.h5", {{"hist_norm", "min_max_normalization"}});
  const auto dir = realdata() / "defcon_imagej_savedmodel";
  const Tensor expected = io::read_npy(dir / "reference_density_tfjs_nodropout.npy");       // (10, 32, 32)
  const Tensor frames = io::read_tiff(dir / "test_data.tif").pixels.converted(DType::f32);  // uint16, unscaled
  ASSERT_EQ(frames.shape(), expected.shape());
  engine::native::DnnlExecutor executor(graph::specialize(g, {{1, 32, 32, 1}}), {.threads = 2});
  double worst = 0, best_local_count = 0;
  for (std::int64_t f = 0; f < 10; ++f) {
    Tensor x(DType::f32, {1, 32, 32, 1});
    std::copy_n(frames.data<float>() + f * 1024, 1024, x.data<float>());
    const Tensor y = executor.run({x}).at(0);
    for (std::int64_t i = 0; i < 1024; ++i)
      worst = std::max(worst, static_cast<double>(std::abs(y.data<float>()[i] - expected.data<float>()[f * 1024 + i])));
    if (f == 0)
      for (int r = 0; r + 7 <= 32; ++r)
        for (int c = 0; c + 7 <= 32; ++c) {
          double sum = 0;
          for (int dy = 0; dy < 7; ++dy)
            for (int dx = 0; dx < 7; ++dx) sum += y.data<float>()[(r + dy) * 32 + c + dx];
          best_local_count = std::max(best_local_count, sum);
        }
  }
  std::cerr << "  max |diff| vs tfjs " << worst << ", frame-1 max 7x7 count " << best_local_count << "\n";
  EXPECT_LE(worst, 1e-4);
  EXPECT_NEAR(best_local_count, 1.018, 0.001);
}

}  // namespace
}  // namespace deepimage::testing
