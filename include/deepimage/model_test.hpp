// Checking that a bundle reproduces its own test outputs (what `deepimage test` does).
//
//   deepimage::TestReport r = deepimage::test_model({.model = "unet2d_nuclei_broad/"});
//   r.passed;  r.outputs[0].max_abs_diff;
//
// Each test input runs twice, and both results must match the test outputs:
// 1. fed to the engine as it is (no padding, no tiling), with the bundle's pre- and post-processing;
// 2. through the whole `run` pipeline with the smallest tile that still holds the halo (mirror
//    padding, tiling, halo cropping, stitching, output geometry), which catches stitching and axis
//    bugs the first cannot see. Pixels within an output's halo of the image border are left out of
//    this comparison: there the test output saw the network's own padding, the pipeline a mirror.
// Each output is compared with its test tensor elementwise:
// |out - expected| <= absolute + relative * |expected|, and at most `mismatched_per_million`
// elements per million may break that. The tolerance comes from the rdf's
// config.bioimageio.reproducibility_tolerance, else rtol 1e-3, atol 1e-3, 100 per million.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/precision.hpp"

namespace deepimage {

struct TestOptions {
  std::filesystem::path model;
  std::string weights;  // empty: the best that runs here
  std::string input_name, output_name;  // a bare network file's feed and fetch (as RunOptions's)
  int threads = 0;
  Precision precision = Precision::fp32;  // bf16 is compared with the same tolerance as fp32: it may fail
};

struct OutputComparison {
  std::string id;
  std::vector<std::int64_t> shape;
  double max_abs_diff = 0, mean_abs_diff = 0;
  std::int64_t mismatched = 0, allowed_mismatched = 0, element_count = 0;
  double relative_tolerance = 0, absolute_tolerance = 0;
  bool passed = false;
  std::string problem;  // e.g. a shape mismatch; empty when the numbers were compared
};

struct TestReport {
  std::string model_name, weights_format, engine;
  std::string precision;  // "fp32", "bf16"
  std::vector<OutputComparison> outputs;         // the engine on the test inputs as given
  std::vector<OutputComparison> tiled_outputs;   // the run pipeline with the smallest tiles
  std::string tiled_axes;                        // the tiled axes, e.g. "yx"
  std::vector<std::int64_t> tile_shape;          // the tile used for tiled_outputs
  std::size_t tile_count = 0;
  double seconds = 0;
  bool passed = false;
};

TestReport test_model(const TestOptions& options);
nlohmann::json to_json(const TestReport& report);

}  // namespace deepimage
