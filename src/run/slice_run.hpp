// SliceRun — the one loop every run goes through, for one sample in the model's axes (a whole image,
// a slice of a stack, a sample of a batch), wherever its pixels live (a file read by region, a
// tensor in memory):
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
#pragma once

#include <cstdint>
#include <functional>
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
  // When set, sees every raw value of the sample exactly once (reads themselves may overlap and
  // repeat): for checks such as counting NaN.
  std::function<void(const Tensor& part)> inspect;
};

// A part of an output, postprocessed and of its declared type, in the output's model axes: rows
// [begin, begin + values.size(axis)) of `full` along `axis`, every other axis whole (`axis` 0: the
// whole output).
struct OutputBand {
  std::size_t output = 0;
  char axis = 0;
  std::int64_t begin = 0, full = 0;
  const Tensor& values;
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
};

// Runs the sample; `emit` gets every output's bands (top to bottom) or whole outputs. When the engine
// runs out of memory before anything was emitted, the tiles are made smaller and the sample runs
// again (stats.smaller_tile_retries; options.plan and options.axes are then the ones that worked);
// after a band was emitted, the error is thrown (an output file takes each pixel once).
PredictionStats run_slice(Predictor& predictor, const std::vector<SliceInput>& inputs, SliceRunOptions& options,
                          const std::function<void(const OutputBand&)>& emit);

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
