#include <cstdio>
#include <iostream>

#include "axis_values.hpp"
#include "commands.hpp"
#include "precision_option.hpp"
#include "tensor_name_options.hpp"
#include "weights_option.hpp"
#include "deepimage/bench.hpp"

namespace deepimage::cli {
namespace {

std::string join_shape(const std::vector<std::int64_t>& s) {
  std::string r;
  for (auto v : s) r += (r.empty() ? "" : "x") + std::to_string(v);
  return r;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("bench", "Time a model's engine on tiles of synthetic input (load, first tile, steady ms/tile)");
  auto options = std::make_shared<BenchOptions>();
  auto model = std::make_shared<std::string>(), tile = std::make_shared<std::string>();
  auto gflop = std::make_shared<double>(0.0);
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file; or a bare network file (.onnx, .h5, SavedModel folder)")->required();
  add_weights_option(cmd, options->weights, "Weights format to run");
  add_tensor_name_options(cmd, options->input_name, options->output_name);
  cmd->add_option("--tile", *tile,
                  "Model input size per axis, e.g. y=512,x=512 (default: the model's fixed size, else the smallest "
                  "valid size >= 512, >= 64 for 3D)");
  cmd->add_option("--threads", options->threads, "Threads (default: all cores)")->check(CLI::NonNegativeNumber);
  add_precision_option(cmd, options->precision);
  cmd->add_option("--rounds", options->rounds, "Timed tiles after the first (default 10)")->check(CLI::PositiveNumber);
  cmd->add_option("--gflop-per-tile", *gflop, "FLOP count of one tile in GFLOP, when known (bench/count_flops.py), for GFLOP/s")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", *as_json, "Print the report as JSON");
  cmd->callback([=, &exit_code] {
    options->model = *model;
    if (!tile->empty()) options->tile = parse_axis_values(*tile, "--tile", kMaxTileValue);
    if (*gflop > 0) options->gflop_per_tile = *gflop;
    const BenchReport r = bench_model(*options);
    if (*as_json) {
      std::cout << to_json(r).dump(2) << "\n";
    } else {
      std::printf("%s: %s%s on %s, %d threads, tile %s %s (%lld pixels), %d rounds\n", r.model_name.c_str(),
                  r.weights_format.c_str(), r.precision == "fp32" ? "" : (" in " + r.precision).c_str(), r.engine.c_str(), r.threads, r.tile_axes.c_str(), join_shape(r.tile_shape).c_str(),
                  static_cast<long long>(r.tile_pixels), r.rounds);
      std::printf("  load %.3f s, first tile %.1f ms\n", r.load_s, r.first_tile_ms);
      std::printf("  %.2f ms/tile (median; min %.2f, max %.2f), %.2f tiles/s, %.3g pixels/s\n", r.ms_per_tile,
                  r.ms_per_tile_min, r.ms_per_tile_max, r.tiles_per_s, r.pixels_per_s);
      if (r.gflop_per_s) std::printf("  %.3f GFLOP/tile, %.1f GFLOP/s\n", *r.gflop_per_tile, *r.gflop_per_s);
      std::printf("  peak memory %.0f MiB\n", static_cast<double>(r.peak_rss_bytes) / (1 << 20));
    }
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
