// Benchmarking one model's engine on tiles of a size the model accepts, with synthetic input.
//
//   deepimage::BenchOptions o;
//   o.model = "examples/nuclei_unet2d";   o.rounds = 10;   o.threads = 2;
//   o.tile = {{'y', 512}, {'x', 512}};    // optional; default: see default_bench_tile below
//   deepimage::BenchReport r = deepimage::bench_model(o);   // throws deepimage::Error
//   std::cout << deepimage::to_json(r).dump(2);             // ms_per_tile, tiles_per_s, ...
//
// What is timed is the engine alone (Engine::run on one tile): no file I/O, normalisation, padding
// or stitching, which `deepimage run` and bench/compare.py measure end to end. The first tile is
// reported on its own because engines do one-time work there (allocation, kernel selection).
// FLOP counts are not derived here: when the caller knows one tile's count (bench/count_flops.py
// counts it from the TorchScript file), it is passed in and GFLOP/s is reported.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/precision.hpp"

namespace deepimage {

struct BenchOptions {
  std::filesystem::path model;          // folder, .zip or rdf file; or a bare network file
  std::string weights;                  // "torchscript", "onnx"; empty: the best that runs here
  std::string input_name, output_name;  // a bare network file's feed and fetch (as RunOptions's)
  std::map<char, std::int64_t> tile;    // model input size per spatial axis; default: see below
  int threads = 0;                      // 0: all cores
  Precision precision = Precision::fp32;
  int rounds = 10;                      // timed tiles after the first
  std::optional<double> gflop_per_tile; // known FLOP count of one tile (1e9), for GFLOP/s
};

struct BenchReport {
  std::string model_name, weights_format, engine;
  std::string precision;  // "fp32", "bf16"
  int threads = 0, rounds = 0;
  std::string tile_axes;                          // spatial axes, e.g. "yx"
  std::vector<std::int64_t> tile_shape;           // per spatial axis
  std::vector<std::vector<std::int64_t>> input_shapes;  // full shapes fed to the engine, per input
  std::int64_t tile_pixels = 0;                   // product of tile_shape
  double load_s = 0;                              // open the bundle, read + verify weights, load the engine
  double first_tile_ms = 0;                       // the first Engine::run after loading
  double ms_per_tile = 0, ms_per_tile_min = 0, ms_per_tile_max = 0;  // median, min, max over rounds
  double tiles_per_s = 0, pixels_per_s = 0;       // from the median
  std::optional<double> gflop_per_tile, gflop_per_s;
  std::uint64_t peak_rss_bytes = 0;
  std::string omp_wait_policy;  // OMP_WAIT_POLICY as this process saw it ("" when unset); the CLI sets PASSIVE
};

BenchReport bench_model(const BenchOptions& options);
nlohmann::json to_json(const BenchReport& report);

}  // namespace deepimage
