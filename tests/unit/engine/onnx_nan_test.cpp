// NaN in, NaN out on the native engine (ONNX weights): a tile holding NaN pixels gives NaN exactly
// where PyTorch, running the same network from its TorchScript file, gives NaN, and the same values
// elsewhere. oneDNN's ReLU and max pooling turn NaN into numbers, so such tiles run the executor's
// NaN-safe plan (dnnl_executor.hpp); this test is what keeps it honest.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/engine.hpp"
#include "io/npy.hpp"
#include "model/model.hpp"
#include "support/cli.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

TEST(OnnxNaN, ExampleUNetGivesNaNExactlyWherePyTorchDoesAndItsValuesElsewhere) {
  const auto data = source_dir() / "tests/data/engine";
  Tensor in = io::read_npy(data / "nan_tile_example_unet_in_1x1x96x96.npy");
  const Tensor expected = io::read_npy(data / "nan_tile_example_unet_out_1x1x96x96.npy");
  const model::Model model = model::open_model(source_dir() / "examples/nuclei_unet2d");
  auto engine = engine::load_engine(model, engine::choose_weights(model, "onnx"), {.threads = 1});
  in.set_axes(model.spec.inputs.at(0).axes_string());
  const Tensor got = engine->run({in}).at(0);
  ASSERT_EQ(got.shape(), expected.shape());
  const float* g = got.data<float>();
  const float* e = expected.data<float>();
  std::int64_t nan = 0, nan_where_pytorch_is_finite = 0, finite_where_pytorch_is_nan = 0;
  double worst = 0;
  for (std::int64_t i = 0; i < got.element_count(); ++i) {
    nan += std::isnan(g[i]);
    if (std::isnan(g[i]) && !std::isnan(e[i])) ++nan_where_pytorch_is_finite;
    if (!std::isnan(g[i]) && std::isnan(e[i])) ++finite_where_pytorch_is_nan;
    if (!std::isnan(g[i]) && !std::isnan(e[i])) worst = std::max(worst, static_cast<double>(std::abs(g[i] - e[i])));
  }
  EXPECT_GT(nan, 0) << "NaN pixels came out as finite values";
  EXPECT_EQ(nan_where_pytorch_is_finite, 0);
  EXPECT_EQ(finite_where_pytorch_is_nan, 0);
  EXPECT_LT(worst, kEngineAgreementMaxAbs);
}

}  // namespace
}  // namespace deepimage::testing
