// `convert --to torchscript` on the real networks of ../shared/realdata, below the command line: the
// source the native engine writes for a bundle (torchscript_source()), compiled and saved by LibTorch,
// loaded from its bytes and run on each bundle's own input against an output another runtime saved.
// The command-line test of the Keras bundle would run `test`'s 6480 tiles; this checks its network in
// one forward.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/native/graph_conversion.hpp"
#include "engine/torch/torchscript_compile.hpp"
#include "io/npy.hpp"
#include "model/model.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/native/saved_module.hpp"

namespace deepimage::testing {
namespace {

std::vector<std::byte> converted(const std::filesystem::path& bundle, const std::string& format) {
  const model::Model m = model::open_model(bundle);
  return engine::compile_torchscript(engine::torchscript_source(m, *m.spec.weights_for(format)));
}

// SOURCE.txt: min-max normalisation (x - min) / (max - min + 1e-6) of the whole image, one pass.
Tensor min_max_normalised(const Tensor& raw) {
  Tensor x = raw.converted(DType::f32);
  float* v = x.data<float>();
  const auto [lo, hi] = std::minmax_element(v, v + x.element_count());
  const float low = *lo, range = *hi - *lo;
  for (std::int64_t i = 0; i < x.element_count(); ++i) v[i] = (v[i] - low) / (range + 1e-6f);
  return x;
}

// The bundles' preprocessing: zero mean, unit variance over the whole tile (epsilon 1e-6).
Tensor zero_mean_unit_variance(const Tensor& raw) {
  Tensor x = raw.converted(DType::f32);
  float* d = x.data<float>();
  const std::int64_t n = x.element_count();
  double sum = 0, squares = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += d[i];
  const double mean = sum / static_cast<double>(n);
  for (std::int64_t i = 0; i < n; ++i) squares += (d[i] - mean) * (d[i] - mean);
  const double sd = std::sqrt(squares / static_cast<double>(n));
  for (std::int64_t i = 0; i < n; ++i) d[i] = static_cast<float>((d[i] - mean) / (sd + 1e-6));
  return x;
}

TEST(TorchScriptExportRealModels, KerasPancreaticUnetMatchesTensorFlowJsProbabilities) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto dir = realdata() / "unet2d_pancreatic_keras_dij";
  const Tensor x = min_max_normalised(io::read_npy(dir / "exampleImage.npy"));
  const Tensor expected = io::read_npy(dir / "reference_probability_tfjs.npy");
  const Tensor y = run_saved_module(converted(dir, "keras_hdf5"), {x}).at(0);
  ASSERT_EQ(y.shape(), expected.shape());
  const double diff = max_abs_diff(y, expected);
  std::cerr << "  max |diff| vs tfjs " << diff << "\n";
  EXPECT_LE(diff, kKerasUnetVsTfjsMaxAbs);
  const Tensor result = io::read_npy(dir / "resultImage.npy").converted(DType::f32);
  std::int64_t agree = 0;
  for (std::int64_t i = 0; i < y.element_count(); ++i) agree += (y.data<float>()[i] > 0.5f) == (result.data<float>()[i] > 0.5f);
  EXPECT_EQ(agree, y.element_count());
}

// Its Upsample is "linear" in ONNX's asymmetric coordinates (not PyTorch's bilinear): the converter's
// own coordinate rule, checked against ONNX Runtime.
TEST(TorchScriptExportRealModels, OnnxOpsetNineExportMatchesOnnxRuntime) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto dir = realdata() / "unet2d_nuclei_broad_tiktorch_opset9";
  const Tensor x = zero_mean_unit_variance(io::read_npy(dir / "test_input.npy"));
  const Tensor y = run_saved_module(converted(dir, "onnx"), {x}).at(0);
  const Tensor expected = io::read_npy(dir / "reference_output_onnxruntime-1.30.0.npy");
  ASSERT_EQ(y.shape(), expected.shape());
  EXPECT_LE(max_abs_diff(y, expected), kNativeVsOnnxRuntimeMaxAbs);
}

}  // namespace
}  // namespace deepimage::testing
