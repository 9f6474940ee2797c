// SliceRun — the one loop every run goes through, for one sample in the model's axes (a whole image,
// a slice of a stack, a sample of a batch) or a region of one (a shard of `run --shard`), wherever
// its pixels live (a file read by region, a tensor in memory):
//
//   1. statistics   the preprocessing's whole-sample statistics, gathered in passes over bands of the
//                   raw input (ops/prepared_ops.hpp); no preprocessed copy of the sample is made;
//   2. tiles        a row of tiles at a time (tiles sharing their start along the plan's first axis),
//                   or all tiles at once: the raw rows the row reads (mirrored at the borders), each
//                   tile padded, preprocessed alone and run through Predictor::run_tiles, which
//                   stitches the valid parts;
//   3. results      pixel-wise postprocessing on each band of output rows, handed out at once; other
//                   postprocessing (statistics, reference tensors) on the whole output at the end.
//
//   SliceRunOptions options{.plan = plan, .axes = axes, .in_bands = true, .pad = PadMode::reflect};
//   run_slice(predictor, {{.shape = {1, 1, 90000, 90000}, .read = read_rows}}, options,
//             [&](const OutputBand& band) { sink.write(box_of(band), band.values); });
//
// Read whole (in_bands false), the sample is read once and is the only copy in memory: tiles are cut
// from it raw. In bands, only the rows one row of tiles reads are in memory, and the statistics
// passes read the sample again (pass_count() times, in bands of about 64 MiB). Both give the same
// result. A tile is preprocessed after padding; with `zeros` padding the pixels outside the sample
// are set to 0 after preprocessing, so the network sees zeros, as when the preprocessed sample itself
// is padded.
//
// A region run (options.region, a box over the plan's axes) computes only that box of the sample's
// outputs, with the whole sample's tile grid: the tiles whose write box meets the region run at once,
// cut from the one box they read together (their read boxes' hull, mirrored at the sample's border),
// and the region's output pixels come out as one OutputBand per output. Since a pixel's value
// depends only on the tile of the grid that writes it, regions that partition the sample join into
// the whole run's outputs bit for bit (what shards rely on, shard_run.hpp). Statistics are still
// the whole sample's: given ones (options.given, .dataset) cost nothing; otherwise they are measured
// over the whole sample (in bands with in_bands), as a whole run measures them.
//
//   options.region = Box{{0, 256}, {256, 512}};           // y 0..255, x 256..511
//   run_slice(predictor, {{.shape = shape, .read = read_rows, .read_box = read_box}}, options,
//             [&](const OutputBand& band) { sink.write(band.box, band.values); });
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ops/dataset_statistics.hpp"
#include "ops/sample_statistics.hpp"
#include "run/predictor.hpp"

namespace deepimage::run {

// One model input of the sample; `shape` empty (and `read` unset) for an optional input left out,
// which the engine then gets as an empty tensor.
struct SliceInput {
  Shape shape;  // model axes
  // Values [begin, end) along axis `axis` (a letter of the model input's axes), every other axis
  // whole, in model axes and the raw type; with `axis` 0, the whole sample.
  std::function<Tensor(char axis, std::int64_t begin, std::int64_t end)> read;
  // Values of `box` over `box_axes` (axes of the model input; inside the sample), every other axis
  // whole, in model axes and the raw type: what a region run reads. Unset, a region run reads the
  // box's rows with `read` and crops them.
  std::function<Tensor(const std::string& box_axes, const Box& box)> read_box;
  // When set, sees every raw value of the sample exactly once (reads themselves may overlap and
  // repeat): for checks such as counting NaN.
  // In a region run, it sees the raw values the region's tiles read, each once.
  std::function<void(const Tensor& part)> inspect;
};

// A part of an output, postprocessed and of its declared type, in the output's model axes: rows
// [begin, begin + values.size(axis)) of `full` along `axis`, every other axis whole (`axis` 0: the
// whole output, except in a region run).
struct OutputBand {
  std::size_t output = 0;
  char axis = 0;
  std::int64_t begin = 0, full = 0;
  const Tensor& values;
  // Set by region runs only (SliceRunOptions::region; `axis` is then 0): `values` is box `box` of
  // the whole output over `box_axes`, the plan's axes this output has, in the output's pixels (its
  // scale applied); every other axis whole.
  std::string box_axes;
  Box box;
};

struct SliceRunOptions {
  tiling::TilePlan plan;
  std::vector<tiling::AxisTiling> axes;  // the plan's; smaller tiles are cut from these after an out-of-memory
  bool in_bands = false;                 // a row of tiles at a time; else the sample is read whole
  tiling::PadMode pad = tiling::PadMode::reflect;
  std::function<void()> after_tile;      // after every tile; may throw to stop
  const ops::DatasetStatistics* dataset = nullptr;  // for 0.4 `mode: per_dataset` ops (dataset_pass.hpp)
  // Per-sample statistics measured beforehand over the whole image (--stats FILE, a Session's
  // statistics): used instead of measuring this sample, which is sample `sample` of that image.
  const ops::SampleStatistics* given = nullptr;
  std::int64_t sample = 0;
  // Run only this box over plan.axes (in the first input's pixels, inside the sample, not empty):
  // see "A region run" above. Needs pixel-wise postprocessing (postprocessing_per_band).
  std::optional<Box> region;
};

// Runs the sample; `emit` gets every output's bands (top to bottom) or whole outputs (a region run:
// the region of each output). When the engine runs out of memory before anything was emitted, the
// tiles are made smaller and the sample runs again (stats.smaller_tile_retries; options.plan and
// options.axes are then the ones that worked); after a band was emitted, the error is thrown (an
// output file takes each pixel once). A region run never changes its tiles (the grid is what makes
// regions join bit for bit): out of memory, it throws, asking for a smaller --tile.
PredictionStats run_slice(Predictor& predictor, const std::vector<SliceInput>& inputs, SliceRunOptions& options,
                          const std::function<void(const OutputBand&)>& emit);

// The tiles of `plan` whose write box meets `region` (over plan.axes): those a region run runs.
std::vector<tiling::Tile> tiles_meeting(const tiling::TilePlan& plan, const Box& region);

// Sets the pixels of `tile` (read from box `read` over `box_axes` of a sample of `sizes`) that lie
// outside the sample to 0: `zeros` padding after preprocessing.
void zero_outside(Tensor& tile, const std::string& box_axes, const Box& read, const std::vector<std::int64_t>& sizes);

// Rows along an axis `length` long of a sample of `shape` that make a band of about 64 MiB as float32:
// how statistics passes read a sample in parts.
std::int64_t statistics_band_length(const Shape& shape, std::int64_t length);

// Why samples of these shapes (model axes) cannot run in bands along the first of `tiled_axes` (empty:
// they can).
std::string why_not_in_bands(const ModelSpec& spec, const std::string& tiled_axes, const std::vector<Shape>& shapes);

// True when every output's postprocessing is pixel by pixel, so bands are postprocessed and handed
// out as they come; otherwise whole outputs are held until the end.
bool postprocessing_per_band(const ModelSpec& spec);

}  // namespace deepimage::run
