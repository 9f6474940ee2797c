// deepimage::Model and deepimage::Session (include/deepimage/deepimage.hpp): `deepimage run` on views
// of the caller's memory. The Runner (run/runner.hpp) that runs image files runs the views too, each
// view a ViewInput (run/view_input.hpp); here the outputs are gathered in memory instead of written.
#include "deepimage/deepimage.hpp"

#include <memory>
#include <optional>

#include "core/box.hpp"
#include "engine/bare_model.hpp"
#include "io/box_copy.hpp"
#include "model/model.hpp"
#include "ops/dataset_statistics.hpp"
#include "run/axis_mapping.hpp"
#include "run/image_statistics.hpp"
#include "run/runner.hpp"
#include "run/stack_loop.hpp"
#include "run/stopwatch.hpp"
#include "run/view_input.hpp"

namespace deepimage {

struct Model::Loaded {
  model::Model model;
};

Model::Model(std::shared_ptr<const Loaded> loaded) : loaded_(std::move(loaded)) {}

Model Model::open(const std::filesystem::path& path, const OpenOptions& options) {
  return Model(std::make_shared<const Loaded>(Loaded{engine::open_model_or_weights(path, {options.input_name, options.output_name})}));
}

const ModelSpec& Model::spec() const { return loaded_->model.spec; }

namespace {

// The views of one call, one per model input, each a ViewInput.
struct CallInputs {
  std::vector<std::unique_ptr<run::ViewInput>> views;
  std::vector<const run::SampleSource*> sources;
};

CallInputs call_inputs(const std::vector<TensorView>& inputs, const ModelSpec& spec) {
  if (inputs.size() != spec.inputs.size())
    throw Error(ErrorCode::invalid_argument, "model \"" + spec.name + "\" takes " + std::to_string(spec.inputs.size()) +
                                                 " input(s); got " + std::to_string(inputs.size()) + " view(s)");
  CallInputs c;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    c.views.push_back(std::make_unique<run::ViewInput>(inputs[i], spec.inputs[i]));
    c.sources.push_back(c.views.back().get());
  }
  return c;
}

// Gathers the bands of one output into one tensor (model axes).
void gather(Tensor& whole, const run::OutputBand& band) {
  if (!band.axis) {
    whole = band.values;
    return;
  }
  const Tensor& part = band.values;
  const int d = part.axis_index(band.axis);
  if (whole.empty()) {
    Shape full = part.shape();
    full[static_cast<std::size_t>(d)] = band.full;
    whole = Tensor(part.dtype(), full, part.axes());
  }
  Box rows = io::whole_box(whole.shape());
  rows.begin[static_cast<std::size_t>(d)] = band.begin;
  rows.end[static_cast<std::size_t>(d)] = band.begin + part.shape()[static_cast<std::size_t>(d)];
  io::copy_box_in(whole.bytes(), whole.shape(), strides_of(whole.shape()), dtype_size(part.dtype()), rows, part.bytes());
}

// A run's results as tensors: each sample's outputs gathered from their bands, then put in place in
// the stack (loop axes first, the sample in the view's axes).
class GatheredResults final : public run::ResultSink {
 public:
  GatheredResults(const ModelSpec& spec, const run::SampleSource& first)
      : first_(first), outputs_(spec.outputs.size()), sample_(spec.outputs.size()) {}
  void band(std::int64_t, const run::OutputBand& band) override { gather(sample_[band.output], band); }
  void sample_done(std::int64_t sample) override {
    for (std::size_t k = 0; k < outputs_.size(); ++k) {
      first_.loop().place(outputs_[k], sample, run::to_image_axes(sample_[k], first_.sample_axes()));
      sample_[k] = Tensor();
    }
  }
  std::vector<Tensor>& outputs() { return outputs_; }

 private:
  const run::SampleSource& first_;
  std::vector<Tensor> outputs_, sample_;
};

}  // namespace

struct Session::State {
  std::shared_ptr<const Model::Loaded> loaded;
  SessionOptions options;
  RunOptions run_options;  // what the Runner reads: weights, threads, precision, tiles, memory, progress, cancel
  run::Runner runner;
  std::optional<run::StatisticsFile> statistics;  // options.statistics, parsed once

  static RunOptions run_options_of(const SessionOptions& o) {
    tiling::pad_mode_from_string(o.pad);  // a bad pad fails before the model is loaded into an engine
    RunOptions r;
    r.weights = o.weights;
    r.threads = o.threads;
    r.precision = o.precision;
    r.memory = o.memory;
    r.tile = o.tile;
    r.halo = o.halo;
    r.pad = o.pad;
    r.progress = o.progress;
    r.cancel = o.cancel;
    return r;
  }

  State(const Model& model, SessionOptions o)
      : loaded(model.loaded()), options(std::move(o)), run_options(run_options_of(options)), runner(loaded->model, run_options) {
    if (!options.statistics.empty()) {
      statistics = run::parse_statistics_file(options.statistics, "SessionOptions::statistics");
      if (!statistics->samples.model.empty()) statistics->samples.check_model(loaded->model.spec.name);
    }
  }
};

Session::Session(const Model& model, SessionOptions options) : state_(std::make_unique<State>(model, std::move(options))) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

const ModelSpec& Session::spec() const { return state_->loaded->model.spec; }
const std::string& Session::weights_format() const { return state_->runner.predictor().weights().format; }
const SessionOptions& Session::options() const { return state_->options; }

std::vector<Tensor> Session::predict(const std::vector<TensorView>& inputs) {
  const auto start = run::Clock::now();
  State& s = *state_;
  const ModelSpec& spec = s.loaded->model.spec;
  const CallInputs call = call_inputs(inputs, spec);
  const run::RunPlan plan = s.runner.plan(s.run_options, call.sources);  // checks that the views loop alike
  // 0.4 `mode: per_dataset`: the samples of the views given are the dataset, as for `run` on one file
  // (unless SessionOptions::statistics gives them).
  ops::DatasetStatistics dataset = s.statistics ? s.statistics->dataset : ops::DatasetStatistics();
  const run::StackLoop& loop = call.views[0]->loop();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!ops::has_per_dataset(spec.inputs[i].preprocessing) || s.statistics) continue;
    ops::DatasetMeasurement measurement(spec.inputs[i].preprocessing, spec.inputs[i].id, spec.inputs[i].axes_string(),
                                        call.views[i]->sample_shape());
    while (measurement.start_pass())
      for (std::int64_t sample = 0; sample < loop.count(); ++sample) measurement.scan(call.views[i]->read(sample, 0, 0, 0));
    measurement.add_to(dataset);
  }
  const run::RunStatistics statistics{.dataset = &dataset,
                                      .given = s.statistics && !s.statistics->samples.model.empty() ? &s.statistics->samples : nullptr};
  run::RunWarnings warnings(spec);
  GatheredResults results(spec, *call.views[0]);
  s.runner.run(s.run_options, call.sources, plan, statistics, warnings, start, results);
  if (s.options.log)
    for (const std::string& line : warnings.lines()) s.options.log(line);
  return std::move(results.outputs());
}

std::string measure_statistics(const Model& model, const std::vector<TensorView>& inputs) {
  const ModelSpec& spec = model.spec();
  const CallInputs call = call_inputs(inputs, spec);
  run::check_loops_alike(call.sources);
  // Every sample of a stack, as predict() loops over them.
  const run::StatisticsFile statistics =
      run::measure_image_statistics(spec, call.views[0]->loop(), run::sample_shapes(call.sources), [&](std::int64_t sample) {
        std::vector<Tensor> whole;
        for (const auto& v : call.views) whole.push_back(v->read(sample, 0, 0, 0));
        return whole;
      });
  return run::statistics_file_text(statistics);
}

std::vector<TileAxis> Session::tile_plan(const std::vector<TensorView>& inputs) {
  State& s = *state_;
  const ModelSpec& spec = s.loaded->model.spec;
  const tiling::TilePlan plan = s.runner.plan(s.run_options, call_inputs(inputs, spec).sources).tiles;
  std::vector<TileAxis> axes;
  for (std::size_t d = 0; d < plan.axes.size(); ++d) {
    // Tiles are row-major over the grid: the k-th along axis d is the one with every other index 0.
    std::size_t step = 1;
    for (std::size_t e = d + 1; e < plan.grid.size(); ++e) step *= static_cast<std::size_t>(plan.grid[e]);
    TileAxis axis{.axis = plan.axes[d], .tile = plan.tile_shape[d], .read_begin = {}, .write_begin = {}, .write_end = {}};
    for (std::int64_t k = 0; k < plan.grid[d]; ++k) {
      const tiling::Tile& t = plan.tiles[static_cast<std::size_t>(k) * step];
      axis.read_begin.push_back(t.read.begin[d]);
      axis.write_begin.push_back(t.write.begin[d]);
      axis.write_end.push_back(t.write.end[d]);
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

}  // namespace deepimage
