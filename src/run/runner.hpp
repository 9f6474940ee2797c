// Runner — a loaded model run on sample sources (sample_source.hpp): the one driver behind
// `deepimage run` on image files (run_model.cpp) and Session::predict on views of memory
// (session.cpp). It keeps what a load keeps between runs (the engine, the tile memory measured once)
// and runs one set of inputs at a time: the plan (plan_run), then every sample of the stack loop
// through run_slice, with progress, cancel, timing and warnings, handing each output band to a sink.
//
//   Runner runner(model, options);                                   // weights, threads, precision
//   ImageInput in("stack.tif", spec.inputs[0], "", {});              // or a ViewInput of memory
//   const RunPlan plan = runner.plan(options, {&in});                // tiles, bands, memory
//   RunTotals totals = runner.run(options, {&in}, plan, {.dataset = &dataset}, warnings, start, files);
//                                                             // files: a ResultSink writing output files
//
// What a front end adds is only where pixels come from and go to: run_model opens files and writes
// output files; Session reads views and gathers tensors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "deepimage/run.hpp"
#include "model/model.hpp"
#include "ops/dataset_statistics.hpp"
#include "ops/sample_statistics.hpp"
#include "run/memory_plan.hpp"
#include "run/predictor.hpp"
#include "run/run_plan.hpp"
#include "run/run_warnings.hpp"
#include "run/sample_source.hpp"
#include "run/slice_run.hpp"
#include "run/stopwatch.hpp"

namespace deepimage::run {

// Statistics the preprocessing takes instead of measuring each sample (either may be null).
struct RunStatistics {
  const ops::DatasetStatistics* dataset = nullptr;  // 0.4 `mode: per_dataset` (dataset_pass.hpp)
  const ops::SampleStatistics* given = nullptr;     // per sample, measured beforehand over the whole image
};

// What a run did, summed over its samples.
struct RunTotals {
  PredictionStats stats;      // smaller_tile_retries summed too
  double read_s = 0;          // in the sources' read()
  double first_tile_s = -1;   // from `start` to the first tile's result; -1: no tile ran
  RunPlan used;               // the plan the last sample ran with (smaller tiles after an out-of-memory)
};

// Where a run's results go: output files (run_model.cpp), tensors in memory (session.cpp).
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // Every band of every output of every sample, in order (sample 0's first).
  virtual void band(std::int64_t sample, const OutputBand& band) = 0;
  // After the last band of `sample`.
  virtual void sample_done(std::int64_t /*sample*/) {}
  // After the last sample and before the run's last progress event (`finished`): where output files
  // are committed, so that a finished run has its files.
  virtual void complete() {}
};

class Runner {
 public:
  // Uses options.weights, threads and precision.
  Runner(const model::Model& model, const RunOptions& options);

  Predictor& predictor() { return predictor_; }
  const ModelSpec& spec() const { return predictor_.spec(); }

  // The plan of one sample of `inputs` (one per model input; null for an optional input left out),
  // after checking that they loop alike. `outputs`: the files the run writes, for what their writers
  // hold (none: results kept in memory). Uses options.tile, halo, pad, memory and read_in_parts.
  RunPlan plan(const RunOptions& options, const std::vector<const SampleSource*>& inputs,
               const std::vector<std::filesystem::path>& outputs = {});

  // Runs every sample with `plan`; progress and cancel from `options`, timed from `start`. Float
  // inputs are inspected for NaN and Inf, every band is followed by `warnings` before `results` gets it.
  RunTotals run(const RunOptions& options, const std::vector<const SampleSource*>& inputs, const RunPlan& plan,
                const RunStatistics& statistics, RunWarnings& warnings, Clock::time_point start, ResultSink& results);

 private:
  Predictor predictor_;
  std::optional<TileMemory> tile_memory_;  // measured on the first plan(), reused
};

}  // namespace deepimage::run
