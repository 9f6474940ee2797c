// Engine::prepare on the native engine: the plan it builds ahead (on another thread) is the one the
// run uses, a plan for other shapes is set aside, and an error found ahead is the error of the run
// that needs that plan, word for word, and of no other run.
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "engine/engine.hpp"
#include "model/model.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "unit/engine/native/graph_builder.hpp"

namespace deepimage::testing {
namespace {

struct ExampleUNet {
  model::Model model = model::open_model(source_dir() / "examples/nuclei_unet2d");
  std::unique_ptr<engine::Engine> load() const {
    return engine::load_engine(model, engine::choose_weights(model, "onnx"), {.threads = 2});
  }
  Tensor tile(const Shape& shape, std::uint32_t seed) const {
    Tensor t = random_tensor(shape, seed);
    t.set_axes(model.spec.inputs.at(0).axes_string());
    return t;
  }
};

std::string error_of(engine::Engine& engine, const Tensor& in) {
  try {
    engine.run({in});
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(NativePrepare, APlanBuiltAheadGivesWhatAPlanBuiltAtTheRunGives) {
  const ExampleUNet unet;
  const Tensor in = unet.tile({1, 1, 96, 112}, 3);
  auto ahead = unet.load();
  ahead->prepare({in.shape()});
  const Tensor prepared = ahead->run({in}).at(0);
  const Tensor built_at_run = unet.load()->run({in}).at(0);
  ASSERT_EQ(prepared.shape(), built_at_run.shape());
  EXPECT_EQ(max_abs_diff(prepared, built_at_run), 0.0);  // the same plan: the same arithmetic
  // Other shapes than the ones prepared: that plan is kept aside and this one built at the run.
  auto other = unet.load();
  other->prepare({{1, 1, 64, 64}});
  EXPECT_EQ(max_abs_diff(other->run({in}).at(0), built_at_run), 0.0);
  EXPECT_EQ(other->run({unet.tile({1, 1, 64, 64}, 4)}).at(0).shape(), (Shape{1, 1, 64, 64}));
}

// A grouped convolution runs oneDNN's gemm kernel, which needs a scratchpad for its im2col buffer.
// Built ahead, its primitive was made on the preparing thread, whose library scratchpad is gone by the
// run: the run crashed writing into it (`deepimage run` of this model on ONNX weights). Compared with
// LibTorch on the same tile.
TEST(NativePrepare, AGroupedConvolutionBuiltAheadRunsOnThePlansOwnScratchpad) {
  const model::Model model = model::open_model(source_dir() / "tests/data/architecture/grouped_transposed_linear_tiny");
  Tensor in = random_tensor({1, 1, 16, 14}, 7);
  in.set_axes(model.spec.inputs.at(0).axes_string());
  auto native = engine::load_engine(model, engine::choose_weights(model, "onnx"), {.threads = 2});
  native->prepare({in.shape()});
  const Tensor prepared = native->run({in}).at(0);
  const Tensor torch = engine::load_engine(model, engine::choose_weights(model, "torchscript"), {.threads = 2})->run({in}).at(0);
  ASSERT_EQ(prepared.shape(), torch.shape());
  EXPECT_LT(max_abs_diff(prepared, torch), 1e-5);
}

TEST(NativePrepare, AnErrorFoundAheadIsTheErrorOfTheRunThatNeedsThatPlan) {
  const ExampleUNet unet;
  const Tensor three_channels = unet.tile({1, 3, 96, 96}, 5);  // the network's first conv takes one
  const std::string unprepared = error_of(*unet.load(), three_channels);
  ASSERT_FALSE(unprepared.empty());
  auto engine = unet.load();
  engine->prepare({three_channels.shape()});
  EXPECT_EQ(error_of(*engine, three_channels), unprepared);
  // Prepared for shapes that fail, run with shapes that fit: the failed plan is dropped unseen.
  auto fits = unet.load();
  fits->prepare({three_channels.shape()});
  EXPECT_EQ(fits->run({unet.tile({1, 1, 96, 96}, 6)}).at(0).shape(), (Shape{1, 1, 96, 96}));
}

}  // namespace
}  // namespace deepimage::testing
