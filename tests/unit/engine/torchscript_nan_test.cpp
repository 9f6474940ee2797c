// NaN in, NaN out: a tile holding NaN pixels gives NaN exactly where PyTorch, running the same
// TorchScript file as saved, gives NaN, and the same values elsewhere. (optimize_for_inference, once
// our default, turned every NaN into finite values; tests/data/engine/make_nan_reference.py has the
// reference.)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "engine/engine.hpp"
#include "io/npy.hpp"
#include "model/model.hpp"
#include "support/cli.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

Tensor run_torchscript(const fs::path& model_path, Tensor tile) {
  const model::Model model = model::open_model(model_path);
  auto engine = engine::load_engine(model, engine::choose_weights(model, "torchscript"), {.threads = 1});
  tile.set_axes(model.spec.inputs.at(0).axes_string());
  return engine->run({tile}).at(0);
}

// NaN exactly where `expected` has NaN; finite values within the tolerance.
void expect_same_nan_and_values(const Tensor& got, const Tensor& expected) {
  ASSERT_EQ(got.shape(), expected.shape());
  const float* g = got.data<float>();
  const float* e = expected.data<float>();
  std::int64_t nan = 0, wrong_nan = 0;
  double worst = 0;
  for (std::int64_t i = 0; i < got.element_count(); ++i) {
    nan += std::isnan(e[i]);
    if (std::isnan(e[i]) != std::isnan(g[i])) ++wrong_nan;
    else if (!std::isnan(e[i])) worst = std::max(worst, static_cast<double>(std::abs(g[i] - e[i])));
  }
  EXPECT_EQ(wrong_nan, 0) << "of " << got.element_count() << " pixels (" << nan << " NaN in the reference)";
  EXPECT_GT(nan, 0);
  EXPECT_LT(nan, got.element_count()) << "the reference should have finite pixels too";
  EXPECT_LT(worst, kTorchScriptVsPyTorchMaxAbs);
}

TEST(TorchScriptNaN, ExampleUNetTileMatchesPyTorch) {
  const fs::path data = source_dir() / "tests/data/engine";
  const Tensor in = io::read_npy(data / "nan_tile_example_unet_in_1x1x96x96.npy");
  const Tensor expected = io::read_npy(data / "nan_tile_example_unet_out_1x1x96x96.npy");
  expect_same_nan_and_values(run_torchscript(source_dir() / "examples/nuclei_unet2d", in), expected);
}

// PyTorch's output for `tile`, computed now by the fixture script, for models outside the fixtures.
Tensor pytorch_reference(const fs::path& weights, const Tensor& tile, const TempDir& dir) {
  io::write_npy(tile, dir / "in.npy");
  const std::string cmd = "/usr/bin/python3 " + shell_quote((source_dir() / "tests/data/engine/make_nan_reference.py").string()) +
                          " " + shell_quote(weights.string()) + " " + shell_quote((dir / "in.npy").string()) + " " +
                          shell_quote((dir / "out.npy").string());
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return io::read_npy(dir / "out.npy");
}

bool have_python_torch() { return std::system("/usr/bin/python3 -c 'import torch' 2>/dev/null") == 0; }

// A smooth pattern with NaN at `nan_at` (C-order indices).
Tensor tile_with_nan(Shape shape, std::initializer_list<std::int64_t> nan_at) {
  Tensor t(DType::f32, std::move(shape));
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.element_count(); ++i) p[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)));
  for (std::int64_t i : nan_at) p[i] = NAN;
  return t;
}

// The real unet2d_nuclei_broad (512x512 fixed tiles).
TEST(TorchScriptNaN, RealNucleiBroadTileMatchesPyTorch) {
  DEEPIMAGE_REQUIRE_REALDATA();
  if (!have_python_torch()) GTEST_SKIP() << "/usr/bin/python3 with torch is not installed";
  TempDir dir;
  const Tensor in = tile_with_nan({1, 1, 512, 512}, {20 * 512 + 30, 500 * 512 + 490});  // near two corners
  const fs::path model = realdata() / "unet2d_nuclei_broad";
  expect_same_nan_and_values(run_torchscript(model, in), pytorch_reference(model / "weights.pt", in, dir));
}

// A 3D model: its finite tiles run optimize_for_inference's graph, a tile with NaN the frozen one.
TEST(TorchScriptNaN, ThreeDTileMatchesPyTorch) {
  if (!have_python_torch()) GTEST_SKIP() << "/usr/bin/python3 with torch is not installed";
  TempDir dir;
  const Tensor in = tile_with_nan({1, 1, 32, 32, 32}, {(2 * 32 + 3) * 32 + 4});  // near a corner
  const fs::path model = source_dir() / "tests/data/models/unet3d_tiny";
  expect_same_nan_and_values(run_torchscript(model, in), pytorch_reference(model / "weights.pt", in, dir));
}

}  // namespace
}  // namespace deepimage::testing
