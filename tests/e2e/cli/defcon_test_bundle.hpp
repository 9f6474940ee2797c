// DEFCoN's TF1 SavedModel folder in a bundle with an rdf written here, for the e2e tests of the
// SavedModel route and of its conversion (the zoo's own config.xml names other tensors).
#pragma once

#include <filesystem>
#include <fstream>

#include "io/npy.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {

// DEFCoN's SavedModel folder in a bundle with an rdf written here: input_tensor (b, y, x, c) of
// multiples of 4, output_tensor of the same shape.
inline void make_defcon_bundle(const std::filesystem::path& dir, const Tensor& frame, const Tensor& density) {
  const auto source = realdata() / "defcon_imagej_savedmodel" / "tf_density_count";
  std::filesystem::copy(source, dir / "tf_density_count", std::filesystem::copy_options::recursive);
  io::write_npy(frame, dir / "test_input.npy");
  io::write_npy(density, dir / "test_output.npy");
  std::ofstream rdf(dir / "rdf.yaml");
  rdf << R"(format_version: 0.4.10
type: model
name: DEFCoN density (test bundle)
description: DEFCoN's TF1 SavedModel around a test rdf
authors: [{name: test}]
cite: [{text: Ottino et al., doi: 10.1101/296145}]
license: GPL-3.0
documentation: README.md
test_inputs: [test_input.npy]
test_outputs: [test_output.npy]
timestamp: '2026-12-01T00:00:00'
inputs:
- name: input_tensor
  axes: byxc
  data_type: float32
  shape: {min: [1, 4, 4, 1], step: [0, 4, 4, 0]}
outputs:
- name: output_tensor
  axes: byxc
  data_type: float32
  shape: {reference_tensor: input_tensor, scale: [1, 1, 1, 1], offset: [0, 0, 0, 0]}
weights:
  tensorflow_saved_model_bundle: {source: tf_density_count, tensorflow_version: '1.3'}
)";
  std::ofstream(dir / "README.md") << "DEFCoN test bundle\n";
}

}  // namespace deepimage::testing
