#include "run/runner.hpp"

#include "deepimage/error.hpp"
#include "engine/engine.hpp"
#include "run/run_progress.hpp"

namespace deepimage::run {

namespace {

// The spec's inputs with those left out (beyond `inputs`, or null) as empty shapes.
std::vector<Shape> all_sample_shapes(const ModelSpec& spec, const std::vector<const SampleSource*>& inputs) {
  std::vector<Shape> shapes = sample_shapes(inputs);
  shapes.resize(spec.inputs.size());
  return shapes;
}

}  // namespace

Runner::Runner(const model::Model& model, const RunOptions& options)
    : predictor_(model, engine::choose_weights(model, options.weights), {.threads = options.threads, .precision = options.precision}) {}

RunPlan Runner::plan(const RunOptions& options, const std::vector<const SampleSource*>& inputs,
                     const std::vector<std::filesystem::path>& outputs) {
  if (inputs.empty() || !inputs[0] || inputs.size() > spec().inputs.size())
    throw Error(ErrorCode::internal, "Runner::plan: " + std::to_string(inputs.size()) + " sources for " +
                                         std::to_string(spec().inputs.size()) + " model inputs, the first given");
  check_loops_alike(inputs);
  const TilingOptions tiling{.tile = options.tile, .halo = options.halo, .pad = tiling::pad_mode_from_string(options.pad),
                             .whole = false, .after_tile = {}};
  return plan_run(predictor_, options, tiling, all_sample_shapes(spec(), inputs), inputs[0]->dtype(), tile_memory_, outputs);
}

RunTotals Runner::run(const RunOptions& options, const std::vector<const SampleSource*>& inputs, const RunPlan& plan,
                      const RunStatistics& statistics, RunWarnings& warnings, Clock::time_point start, ResultSink& results) {
  const ModelSpec& spec = this->spec();
  const std::vector<Shape> shapes = all_sample_shapes(spec, inputs);
  const StackLoop& loop = inputs.at(0)->loop();
  const auto samples = static_cast<std::size_t>(loop.count());
  RunTotals totals;
  totals.used = plan;
  RunProgress progress(options, start, samples, plan.tiles.tiles.size() * samples);
  ProgressEvent& event = progress.event;
  SliceRunOptions slice_options{.plan = plan.tiles, .axes = plan.axes, .in_bands = plan.in_bands,
                                .pad = tiling::pad_mode_from_string(options.pad),
                                .after_tile = [&] {
                                  if (totals.first_tile_s < 0) totals.first_tile_s = seconds_since(start);
                                  progress.tile_done();
                                },
                                .dataset = statistics.dataset, .given = statistics.given};
  progress.emit();
  for (std::int64_t sample = 0; sample < loop.count(); ++sample) {
    progress.stop_if_cancelled();
    event.slice = static_cast<std::size_t>(sample);
    slice_options.sample = sample;  // which sample's statistics `given` holds
    std::vector<SliceInput> slice_inputs(spec.inputs.size(), SliceInput{.shape = {}, .read = {}, .inspect = {}});
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const SampleSource* in = inputs[i];
      if (!in) continue;
      slice_inputs[i] = SliceInput{
          .shape = shapes[i],
          .read = [&totals, in, sample](char axis, std::int64_t begin, std::int64_t end) {
            const auto r0 = Clock::now();
            Tensor part = in->read(sample, axis, begin, end);
            totals.read_s += seconds_since(r0);
            return part;
          },
          // Integers hold no NaN or Inf: only float inputs are looked at.
          .inspect = is_float(in->dtype())
                         ? std::function<void(const Tensor&)>([&warnings, in, i](const Tensor& part) { warnings.input(i, in->name(), part); })
                         : nullptr};
    }
    const std::size_t tiles_before = event.tiles_done;
    const PredictionStats stats = run_slice(predictor_, slice_inputs, slice_options, [&](const OutputBand& band) {
      warnings.output(band.output, band.values);
      results.band(sample, band);
    });
    results.sample_done(sample);
    totals.stats.preprocess_s += stats.preprocess_s;
    totals.stats.inference_s += stats.inference_s;
    totals.stats.engine_s += stats.engine_s;
    totals.stats.postprocess_s += stats.postprocess_s;
    if (stats.smaller_tile_retries) {  // later samples start with the tiles that worked
      totals.stats.smaller_tile_retries += stats.smaller_tile_retries;
      totals.used.tiles = slice_options.plan;
      totals.used.axes = slice_options.axes;
      event.tiles_done = tiles_before + totals.used.tiles.tiles.size();
      event.tiles_total = event.tiles_done + totals.used.tiles.tiles.size() * static_cast<std::size_t>(loop.count() - sample - 1);
    }
  }
  results.complete();
  progress.finish();
  return totals;
}

}  // namespace deepimage::run
