// NaN in, NaN out on the ONNX engine (OpenCV DNN): a tile holding NaN pixels gives NaN only where
// PyTorch, running the same network from its TorchScript file, gives NaN, at least one, and the same
// values elsewhere. The NaN region may be smaller than PyTorch's: OpenCV's max pooling lets a finite
// value win over NaN in a window (PyTorch's propagates NaN), and ONNX leaves this undefined. Measured
// on the example U-Net: 3600 NaN output pixels against PyTorch's 4624 for a 4x4 NaN patch.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/engine.hpp"
#include "io/npy.hpp"
#include "model/model.hpp"
#include "support/cli.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

TEST(OnnxNaN, ExampleUNetGivesNaNOnlyWherePyTorchDoesAndItsValuesElsewhere) {
  const auto data = source_dir() / "tests/data/engine";
  Tensor in = io::read_npy(data / "nan_tile_example_unet_in_1x1x96x96.npy");
  const Tensor expected = io::read_npy(data / "nan_tile_example_unet_out_1x1x96x96.npy");
  const model::Model model = model::open_model(source_dir() / "examples/nuclei_unet2d");
  auto engine = engine::load_engine(model, engine::choose_weights(model.spec, "onnx"), {.threads = 1});
  in.set_axes(model.spec.inputs.at(0).axes_string());
  const Tensor got = engine->run({in}).at(0);
  ASSERT_EQ(got.shape(), expected.shape());
  const float* g = got.data<float>();
  const float* e = expected.data<float>();
  std::int64_t nan = 0, nan_where_pytorch_is_finite = 0;
  double worst = 0;
  for (std::int64_t i = 0; i < got.element_count(); ++i) {
    nan += std::isnan(g[i]);
    if (std::isnan(g[i]) && !std::isnan(e[i])) ++nan_where_pytorch_is_finite;
    if (!std::isnan(g[i]) && !std::isnan(e[i])) worst = std::max(worst, static_cast<double>(std::abs(g[i] - e[i])));
  }
  EXPECT_GT(nan, 0) << "NaN pixels came out as finite values";
  EXPECT_EQ(nan_where_pytorch_is_finite, 0);
  EXPECT_LT(worst, kEngineAgreementMaxAbs);
}

}  // namespace
}  // namespace deepimage::testing
