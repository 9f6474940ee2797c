// The native executor on the real ONNX files in ../shared/realdata, imported and specialised as the
// engine will: against the bundles' own outputs (the 512x512 test tensors, with the bundle's
// zero_mean_unit_variance before and sigmoid after, as the pipeline applies them), against ONNX
// Runtime's saved output for the opset-9 export, and against the reference interpreter on small tiles
// (the multi-input file, the example model).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "engine/native/dnnl_executor.hpp"
#include "engine/onnx/onnx_import.hpp"
#include "io/npy.hpp"
#include "support/compare.hpp"
#include "support/whole_tile_normalisation.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/native/graph_builder.hpp"

namespace deepimage::testing {
namespace {

using engine::native::DnnlExecutor;

const std::string realdata = std::string(DEEPIMAGE_SHARED_DIR) + "/realdata/";

engine::graph::Graph import_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) bytes[i] = static_cast<std::byte>(chars[i]);
  return engine::import_onnx(bytes, path);
}

void sigmoid_in_place(Tensor& t) {
  for (std::int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = 1.0f / (1.0f + std::exp(-t.data<float>()[i]));
}

TEST(DnnlExecutorRealModels, NucleiBroadMatchesItsShippedTestOutput) {
  const std::string dir = realdata + "unet2d_nuclei_broad/";
  const Tensor x = zero_mean_unit_variance(io::read_npy(dir + "test_input.npy"));
  DnnlExecutor executor(engine::graph::specialize(import_file(dir + "weights.onnx"), {x.shape()}), {.threads = 2});
  EXPECT_TRUE(executor.reference_nodes().empty());
  Tensor y = executor.run({x})[0];
  sigmoid_in_place(y);
  EXPECT_LE(max_abs_diff(y, io::read_npy(dir + "test_output.npy")), kEngineAgreementMaxAbs);
}

TEST(DnnlExecutorRealModels, OpsetNineExportMatchesOnnxRuntime) {
  // Its Upsample is "linear" in asymmetric coordinates, which oneDNN's resampling does not compute: those
  // three nodes run the reference kernel.
  const std::string dir = realdata + "unet2d_nuclei_broad_tiktorch_opset9/";
  const Tensor x = zero_mean_unit_variance(io::read_npy(dir + "test_input.npy"));
  DnnlExecutor executor(engine::graph::specialize(import_file(dir + "weights.onnx"), {x.shape()}), {.threads = 2});
  EXPECT_EQ(executor.reference_nodes().size(), 3u);
  EXPECT_LE(max_abs_diff(executor.run({x})[0], io::read_npy(dir + "reference_output_onnxruntime-1.30.0.npy")),
            kEngineAgreementMaxAbs);
}

TEST(DnnlExecutorRealModels, MultiInputFileAndExampleModelMatchTheReferenceInterpreter) {
  struct Case {
    std::string path;
    std::vector<Shape> shapes;
  };
  for (const Case& c : {Case{realdata + "unet2d_multi_tensor/onnx_removed_2024/weights.onnx", {{1, 1, 256, 256}, {1, 1, 256, 256}}},
                        Case{std::string(DEEPIMAGE_SOURCE_DIR) + "/examples/nuclei_unet2d/weights.onnx", {{1, 1, 96, 96}}}}) {
    SCOPED_TRACE(c.path);
    const engine::graph::Graph g = engine::graph::specialize(import_file(c.path), c.shapes);
    std::vector<Tensor> inputs;
    for (std::size_t k = 0; k < c.shapes.size(); ++k) inputs.push_back(random_tensor(c.shapes[k], 40 + static_cast<std::uint32_t>(k)));
    const std::vector<Tensor> expected = engine::graph::run_reference(g, inputs);
    DnnlExecutor executor(g, {.threads = 2});
    for (const auto& r : executor.reference_nodes()) ADD_FAILURE() << r << " runs its reference kernel";
    const std::vector<Tensor> actual = executor.run(inputs);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) EXPECT_LE(max_abs_diff(actual[i], expected[i]), kDnnlVsReferenceMaxAbs) << i;
  }
}

}  // namespace
}  // namespace deepimage::testing
