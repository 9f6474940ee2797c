// Running a model on an image file.
//
//   deepimage::RunOptions o;
//   o.model = "unet2d_nuclei_broad/";   o.inputs = {"cells.tif"};   o.output = "probability.tif";
//   o.tile = {{'y', 256}, {'x', 256}};  // optional; default: whole image when the model allows
//   deepimage::RunReport r = deepimage::run_model(o);   // throws deepimage::Error
//   std::cout << deepimage::to_json(r).dump(2);
//
//   o.inputs = {"plate1/", "extra.tif"};  o.output = "results/";
//   deepimage::BatchReport b = deepimage::run_batch(o);   // every image; bad ones are reported in b
//
// Without an output (o.output empty) the result goes beside the input: `cells_<model name>.tif`
// (the name with anything but letters, digits, - and _ made "_"; `.ome.zarr` for an OME-Zarr input;
// "cells" is the input's name without its extension, `.ome.tif` and `.ome.zarr` whole), or the folder
// `cells_<model name>/` for a model with several outputs. An existing output is an error unless
// o.overwrite, whether it was named or chosen so.
//
// The output keeps the input's spatial geometry and is written to a temporary file, then renamed,
// so a failed run leaves nothing behind. Inputs are never modified.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/objects.hpp"
#include "deepimage/precision.hpp"
#include "deepimage/progress.hpp"

namespace deepimage {

struct RunOptions {
  std::filesystem::path model;                 // folder, .zip or rdf file
  std::vector<std::filesystem::path> inputs;   // one image per model input (TIFF, .npy, PNG, JPEG)
  std::filesystem::path output;                // .tif/.tiff/.npy file; a folder for several outputs;
                                               // empty: beside the input (see above)
  std::string weights;                         // "torchscript", "onnx"; empty: the best that runs here
  std::string input_name, output_name;         // a bare network file's feed and fetch, when its graph does
                                               // not tell (engine/bare_model.hpp); empty: the graph's own
  std::map<char, std::int64_t> tile;           // model input size per spatial axis
  std::map<char, std::int64_t> halo;           // halo per side, input pixels
  std::string axes;                            // image axes override, e.g. "zyx"
  std::vector<int> channels;                   // image channels to use, in order (e.g. {0, 2}); empty: all
  std::string pad = "reflect";                 // reflect | symmetric | edge | zeros
  int threads = 0;                             // 0: all cores
  Precision precision = Precision::fp32;       // bf16: opt-in, see precision.hpp
  std::uint64_t memory = 0;                    // bytes the process may use at its peak; 0: 60 % of what is
                                               // available when the run starts (plus what it already holds)
  bool read_in_parts = false;                  // read each sample a row of tiles at a time even when it would
                                               // fit whole (this happens on its own when it would not fit the
                                               // memory budget)
  std::filesystem::path stats;                 // statistics file (JSON). Dataset statistics for rdf 0.4
                                               // `mode: per_dataset` ops: read from it when it exists, else
                                               // measured over the images of this run and written there;
                                               // empty: measured over the images of this run. Per-sample
                                               // statistics (measure_statistics_file wrote them): used
                                               // instead of measuring each sample, when the file has them
  std::string shard;                           // "I/N" (0-based) or "auto" (Slurm array): compute only this
                                               // share of an OME-Zarr output's chunks (docs/scaling.md);
                                               // empty: the whole image
  int pyramid_levels = 0;                      // resolution levels of an OME-Zarr output (each halves y and x);
                                               // 0: down to a level that fits one chunk; 1: full resolution only
  // Instance post-processing of the (first) output once it is written (objects.hpp): a label image
  // `<output stem>_labels.tif` and a table `<output stem>_objects.csv` beside it, measured on the first
  // input. The output must be TIFF or OME-Zarr. Unset: none.
  std::optional<ObjectRules> objects;
  bool overwrite = false;
  bool plan_only = false;                      // read the image(s) and plan the tiles, run nothing, write nothing
  ProgressCallback progress;                   // optional; see progress.hpp
  const std::atomic<bool>* cancel = nullptr;   // optional; when set true the run stops before the next tile
};

struct RunReport {
  std::string model_name, model_path, weights_format, weights_sha256, engine, pad;
  int threads = 0;
  std::string precision;                      // "fp32", "bf16"
  std::vector<std::string> inputs;
  std::vector<std::string> input_axes;
  std::vector<std::vector<std::int64_t>> input_shapes;
  std::string slice_axes;                     // image axes processed slice by slice ("z", "tz"); may be empty
  std::size_t slice_count = 1;
  bool streamed = false;                      // the image was never in memory whole: several slices read one
                                               // at a time, or samples read a row of tiles at a time
  std::string tile_axes;                      // the plan of one slice
  std::vector<std::int64_t> tile_shape, tile_grid, halo;
  std::size_t tile_count = 0;
  std::vector<std::string> outputs_written;
  double load_s = 0, read_s = 0, preprocess_s = 0, inference_s = 0, postprocess_s = 0, write_s = 0, total_s = 0;
  double engine_s = 0;      // the part of inference_s spent in the engine itself
  double first_tile_s = 0;  // from the start of the run (model loading included) to the first tile's result
  std::uint64_t peak_rss_bytes = 0;
  // The memory planner: the budget, and the peak it predicted for the plan (see docs/how-it-works.md).
  std::uint64_t memory_budget_bytes = 0, predicted_peak_bytes = 0;
  std::uint64_t predicted_resident_bytes = 0, predicted_buffers_bytes = 0, predicted_tile_bytes = 0;
  int smaller_tile_retries = 0;               // times the engine ran out of memory and tiles were halved
  // Things the run noticed that did not stop it, one line each (NaN/Inf in an input, a pixel size
  // unlike the model's, a sigmoid applied to values that already were one: src/run/run_warnings.hpp).
  std::vector<std::string> warnings;
  std::optional<ObjectsReport> objects;       // with RunOptions::objects
};

RunReport run_model(const RunOptions& options);

// The model on its own example (Explore's "Apply"): each input's sample tensor, else its test tensor,
// taken from the bundle (test tensors sha256-checked) and run as run_model runs files. `options.inputs`
// must be empty; without `options.output` the result goes into the current folder as
// `<input id>_<model name>.tif`. With `input_copy`, the example input is also written there as an image
// (TIFF: axes as the model has them, batch dropped), so a viewer that cannot read .npy can show it; a
// model with several inputs gets one file per input, `<stem>_<input id><ext>`.
RunReport run_example(const RunOptions& options, const std::filesystem::path& input_copy = {});
nlohmann::json to_json(const RunReport& report);

// A batch: a model with one input on many images (files, folders, or wildcard patterns in
// options.inputs), loaded once. options.output is a folder; each result is
// `<folder>/<image stem>.tif` (`<stem>_<output id>.tif` for several outputs; `.ome.zarr` for an
// OME-Zarr image; the stem as for run_model); without it each
// result goes beside its image as run_model would put it. A bad image does not stop the batch: its
// error is recorded and the next one runs. No input is ever overwritten. Folders give the files in
// them that a registered format reads; the rest are listed in `skipped`, with the reason.
struct BatchItem {
  std::string input;
  RunReport report;   // when it worked
  std::string error;  // when it did not
};

struct BatchReport {
  std::vector<BatchItem> items;
  std::size_t failed = 0;
  std::vector<std::string> skipped;  // "<file> (<why>)": files of a folder that were not run
  double load_s = 0, total_s = 0;
};

BatchReport run_batch(const RunOptions& options);
nlohmann::json to_json(const BatchReport& report);

// `deepimage stats`: the whole-image statistics the model's preprocessing needs, measured on
// options.inputs (one image: a file per model input) as `run` measures them, written as JSON to
// options.stats (replaced only with options.overwrite): the statistics of every per-sample op
// (zero_mean_unit_variance, percentile scale_range, ...) of every sample, and those of 0.4
// per_dataset ops over the image. `run --stats FILE` then uses them instead of measuring, with the
// same result; a shard (--shard) or a Dask block, which sees part of the image, needs them.
// Uses options.model, inputs, axes, channels, stats, overwrite.
struct StatsReport {
  std::string model_name, file;
  std::size_t sample_count = 0;        // samples of the image (slices of a stack)
  std::size_t measure_count = 0;       // entries written: per op, tensor and sample
  std::vector<std::string> ops;        // ids of the ops measured for, each once
};
StatsReport measure_statistics_file(const RunOptions& options);
nlohmann::json to_json(const StatsReport& report);

// `deepimage pyramid OUT.ome.zarr`: adds the lower resolution levels (1, 2, ...; `levels` as
// RunOptions::pyramid_levels) to an OME-Zarr image that lists level 0 alone, such as a sharded run's
// output once every shard is done. The result is what the unsharded run writes, byte for byte.
void add_pyramid_levels(const std::filesystem::path& ome_zarr, int levels = 0);

}  // namespace deepimage
