// The native path (import_onnx -> specialize -> run_reference) on the real ONNX files in
// ../shared/realdata, read in place, against outputs saved by other runtimes: the opset-9 tiktorch
// U-Net (legacy Upsample) against ONNX Runtime 1.30, the opset-20 nuclei U-Net (half-pixel Resize) and
// the multi-tensor U-Net (Shape -> Gather -> Sub -> Slice crop arithmetic folded by specialize) against
// their bundles' test outputs (PyTorch).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <iostream>

#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "engine/onnx/onnx_import.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

namespace graph = engine::graph;

graph::Graph import_file(const std::filesystem::path& file) {
  const std::string s = slurp(file);
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return engine::import_onnx({p, p + s.size()}, file.filename().string());
}

// bioimage.io zero_mean_unit_variance per sample over every axis of a one-sample tensor:
// (x - mean) / (std + 1e-6), statistics in double.
Tensor zero_mean_unit_variance(const Tensor& raw) {
  const Tensor x = raw.converted(DType::f64);
  const double* v = x.data<double>();
  const auto n = x.element_count();
  double mean = 0, var = 0;
  for (std::int64_t i = 0; i < n; ++i) mean += v[i];
  mean /= static_cast<double>(n);
  for (std::int64_t i = 0; i < n; ++i) var += (v[i] - mean) * (v[i] - mean);
  const double std = std::sqrt(var / static_cast<double>(n));
  Tensor y(DType::f32, x.shape());
  for (std::int64_t i = 0; i < n; ++i) y.data<float>()[i] = static_cast<float>((v[i] - mean) / (std + 1e-6));
  return y;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.dtype(), b.dtype());
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return INFINITY;
  const Tensor x = a.converted(DType::f64), y = b.converted(DType::f64);
  double worst = 0;
  for (std::int64_t i = 0; i < x.element_count(); ++i) {
    const double d = std::abs(x.data<double>()[i] - y.data<double>()[i]);
    if (!(d <= worst)) worst = d;  // NaN counts as worst
  }
  std::cerr << "  max |diff| " << worst << "\n";
  return worst;
}

std::vector<Tensor> run_native(const graph::Graph& imported, const std::vector<Tensor>& inputs) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  const auto start = std::chrono::steady_clock::now();
  std::vector<Tensor> outputs = graph::run_reference(graph::specialize(imported, shapes), inputs);
  std::cerr << "  run_reference: "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s\n";
  return outputs;
}

TEST(OnnxNativeRealModels, TiktorchOpset9UpsampleMatchesOnnxRuntime) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto dir = realdata() / "unet2d_nuclei_broad_tiktorch_opset9";
  const graph::Graph g = import_file(dir / "weights.onnx");
  // SOURCE.txt: ONNX Runtime ran zmuv(test_input) (uint16 read as float32) through weights.onnx.
  const Tensor input = zero_mean_unit_variance(io::read_npy(dir / "test_input.npy"));
  const Tensor expected = io::read_npy(dir / "reference_output_onnxruntime-1.30.0.npy");
  const std::vector<Tensor> out = run_native(g, {input});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_LE(max_abs_diff(out[0], expected), kNativeVsOnnxRuntimeMaxAbs);
}

TEST(OnnxNativeRealModels, NucleiBroadOpset20ResizeMatchesTheTestOutput) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto dir = realdata() / "unet2d_nuclei_broad";
  const graph::Graph g = import_file(dir / "weights.onnx");
  // bioimageio.yaml: zero_mean_unit_variance over yx before, sigmoid after the network.
  const std::vector<Tensor> out = run_native(g, {zero_mean_unit_variance(io::read_npy(dir / "test_input.npy"))});
  ASSERT_EQ(out.size(), 1u);
  Tensor probabilities = out[0];
  for (std::int64_t i = 0; i < probabilities.element_count(); ++i) {
    float& v = probabilities.data<float>()[i];
    v = 1.0f / (1.0f + std::exp(-v));
  }
  EXPECT_LE(max_abs_diff(probabilities, io::read_npy(dir / "test_output.npy")), kEngineAgreementMaxAbs);
}

TEST(OnnxNativeRealModels, MultiTensorCropArithmeticMatchesTheTestOutputs) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto dir = realdata() / "unet2d_multi_tensor";
  const graph::Graph g = import_file(dir / "onnx_removed_2024" / "weights.onnx");
  // v0_4.bioimageio.yaml: each input zero_mean_unit_variance per sample over cyx, no postprocessing.
  const std::vector<Tensor> inputs = {zero_mean_unit_variance(io::read_npy(dir / "test_input_0.npy")),
                                      zero_mean_unit_variance(io::read_npy(dir / "test_input_1.npy"))};
  const std::vector<Tensor> out = run_native(g, inputs);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_LE(max_abs_diff(out[0], io::read_npy(dir / "test_output_0.npy")), kMultiTensorMaxAbs);
  EXPECT_LE(max_abs_diff(out[1], io::read_npy(dir / "test_output_1.npy")), kMultiTensorMaxAbs);
}

}  // namespace
}  // namespace deepimage::testing
