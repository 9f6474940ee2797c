// Predictor — a loaded model and its engine: the tiling geometry of inputs, the tile loop and
// stitcher (run_tiles), and predict() for tensors in memory.
//
//   Predictor p(model, engine::choose_weights(model, ""), {.threads = 2});
//   auto outputs = p.predict({input_in_model_axes}, {.pad = PadMode::reflect});
//
// predict() tiles through run_slice (slice_run.hpp), the loop `deepimage run` uses for files; with
// `whole` it feeds the inputs to the engine as they are. Files, axes of image files and reports are
// the caller's business (run_model, test_model).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "engine/engine.hpp"
#include "model/model.hpp"
#include "tiling/padding.hpp"
#include "tiling/tile_plan.hpp"

namespace deepimage::run {

struct TilingOptions {
  std::map<char, std::int64_t> tile;  // forced model input size per spatial axis
  std::map<char, std::int64_t> halo;  // halo per side in input pixels, overriding the rdf's
  tiling::PadMode pad = tiling::PadMode::reflect;
  bool whole = false;                 // feed the inputs as they are: no padding, no tiling (`test`)
  std::function<void()> after_tile;   // called after every tile; may throw to stop
};

// What predict() did besides returning outputs.
struct PredictionStats {
  double preprocess_s = 0, inference_s = 0, postprocess_s = 0;
  int smaller_tile_retries = 0;  // times the engine ran out of memory and the tiles were made smaller
  double engine_s = 0;  // the part of inference_s spent in Engine::run (the rest: padding views, stitching)
};

class Predictor {
 public:
  Predictor(const model::Model& model, const WeightsSpec& weights, const engine::EngineOptions& options);
  // With an engine loaded elsewhere (tests wrap one to inject failures).
  Predictor(const model::Model& model, const WeightsSpec& weights, std::unique_ptr<engine::Engine> engine);

  // The tiling geometry of each spatial axis for inputs of these shapes (model axes): size rule,
  // halo, alignment and any forced tile size.
  std::vector<tiling::AxisTiling> axis_tilings(const std::vector<Shape>& input_shapes, const TilingOptions& options) const;
  // The plan predict() would use for inputs of these shapes.
  tiling::TilePlan plan(const std::vector<Shape>& input_shapes, const TilingOptions& options) const;

  // Runs the engine once on zero-filled inputs of these shapes (model axes, valid sizes) and returns
  // the output shapes: used to measure memory without touching any image.
  std::vector<Shape> probe(const std::vector<Shape>& input_shapes);
  // Lets the engine build ahead what tiles of these shapes (model axes) need (Engine::prepare).
  void prepare(const std::vector<Shape>& tile_shapes) { engine_->prepare(tile_shapes); }

  // `inputs`: one per spec.inputs, in model axes order, any dtype. When the engine runs out of memory
  // on a tile, the tiles are made smaller and the image is run again (stats->smaller_tile_retries);
  // `plan_used` is then the plan that worked.
  std::vector<Tensor> predict(std::vector<Tensor> inputs, const TilingOptions& options,
                              tiling::TilePlan* plan_used = nullptr, PredictionStats* stats = nullptr);

  // The one tile loop and stitcher of every route: a whole image, a slice of a stack, a band of tile
  // rows of a plane too large for memory. Runs `tiles` of `plan`, whose engine inputs (model axes,
  // preprocessed, of the input type) `read_tile` gives, and stitches their valid parts into outputs
  // covering `extent` input pixels per tiled axis from `origin` (image coordinates), in each output's
  // own geometry (scale, crop). Adds the engine's time to `engine_s`.
  using TileReader = std::function<std::vector<Tensor>(const tiling::Tile&)>;
  std::vector<Tensor> run_tiles(const tiling::TilePlan& plan, std::span<const tiling::Tile> tiles,
                                const std::vector<std::int64_t>& origin, const std::vector<std::int64_t>& extent,
                                const TileReader& read_tile, const std::function<void()>& after_tile, double& engine_s);

  // Input `input`'s size along tiled axis `axis` over the first input's (1, or n or 1/n for an input
  // sized after the first with a scale): its tiles are the first input's times this.
  double input_ratio(std::size_t input, char axis) const;
  // Output pixels of output `output` along tiled axis `axis` covering `input_size` input pixels from
  // the image's start (its scale applied; a partial last pixel counts).
  std::int64_t output_size(std::size_t output, char axis, std::int64_t input_size) const;

  const WeightsSpec& weights() const { return weights_; }
  const ModelSpec& spec() const { return model_.spec; }

 private:
  std::vector<Tensor> run_engine(const std::vector<Tensor>& inputs, double& engine_s);

  const model::Model& model_;
  WeightsSpec weights_;
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace deepimage::run
