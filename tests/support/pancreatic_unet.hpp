// The pancreatic-cell Keras U-Net of ../shared/realdata/unet2d_pancreatic_keras_dij, checked as its
// SOURCE.txt gives the references, for any runtime that runs its network (the native engine on the
// imported graph, the TorchScript it converts to):
//
//   const Tensor x = pancreatic_unet_input();            // exampleImage.npy, min-max normalised
//   expect_pancreatic_unet_output(run_network(x));       // vs TensorFlow.js, and DeepImageJ's mask
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>

#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "support/whole_tile_normalisation.hpp"

namespace deepimage::testing {

inline std::filesystem::path pancreatic_unet_dir() { return realdata() / "unet2d_pancreatic_keras_dij"; }

inline Tensor pancreatic_unet_input() { return min_max_normalised(io::read_npy(pancreatic_unet_dir() / "exampleImage.npy")); }

// The probabilities within kKerasUnetVsTfjsMaxAbs of TensorFlow.js's, and at 0.5 the mask DeepImageJ
// saved (resultImage) at every pixel.
inline void expect_pancreatic_unet_output(const Tensor& y) {
  const Tensor expected = io::read_npy(pancreatic_unet_dir() / "reference_probability_tfjs.npy");
  ASSERT_EQ(y.shape(), expected.shape());
  const double diff = max_abs_diff(y, expected);
  std::cerr << "  max |diff| vs tfjs " << diff << "\n";
  EXPECT_LE(diff, kKerasUnetVsTfjsMaxAbs);
  const Tensor result = io::read_npy(pancreatic_unet_dir() / "resultImage.npy").converted(DType::f32);
  std::int64_t agree = 0;
  for (std::int64_t i = 0; i < y.element_count(); ++i) agree += (y.data<float>()[i] > 0.5f) == (result.data<float>()[i] > 0.5f);
  EXPECT_EQ(agree, y.element_count());
}

}  // namespace deepimage::testing
