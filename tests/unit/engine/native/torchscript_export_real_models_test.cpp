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
#include "support/pancreatic_unet.hpp"
#include "support/whole_tile_normalisation.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/native/saved_module.hpp"

namespace deepimage::testing {
namespace {

std::vector<std::byte> converted(const std::filesystem::path& bundle, const std::string& format) {
  const model::Model m = model::open_model(bundle);
  return engine::compile_torchscript(engine::torchscript_source(m, *m.spec.weights_for(format)));
}

TEST(TorchScriptExportRealModels, KerasPancreaticUnetMatchesTensorFlowJsProbabilities) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Tensor x = pancreatic_unet_input();
  expect_pancreatic_unet_output(run_saved_module(converted(pancreatic_unet_dir(), "keras_hdf5"), {x}).at(0));
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
