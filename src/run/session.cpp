// deepimage::Model and deepimage::Session (include/deepimage/deepimage.hpp): `deepimage run` on views
// of the caller's memory. The same steps as run_files in run_model.cpp (plan_run, then run_slice on
// one sample), with reads cut straight from the view instead of a file, and outputs gathered in
// memory instead of written.
#include "deepimage/deepimage.hpp"

#include <optional>

#include "core/box.hpp"
#include "engine/bare_model.hpp"
#include "engine/engine.hpp"
#include "io/box_copy.hpp"
#include "model/model.hpp"
#include "ops/dataset_statistics.hpp"
#include "run/axis_mapping.hpp"
#include "run/image_statistics.hpp"
#include "run/predictor.hpp"
#include "run/run_plan.hpp"
#include "run/run_progress.hpp"
#include "run/run_warnings.hpp"
#include "run/slice_run.hpp"
#include "run/stack_loop.hpp"
#include "run/stopwatch.hpp"

namespace deepimage {

struct Model::Loaded {
  model::Model model;
};

Model::Model(std::shared_ptr<const Loaded> loaded) : loaded_(std::move(loaded)) {}

Model Model::open(const std::filesystem::path& path) {
  return Model(std::make_shared<const Loaded>(Loaded{engine::open_model_or_weights(path)}));
}

const ModelSpec& Model::spec() const { return loaded_->model.spec; }

namespace {

const std::string kAxisLetters = "bitczyx";

std::string view_name(const TensorSpec& input) { return "input \"" + input.id + "\""; }

// A view's own checks, before the model's (axis_mapping.hpp) are applied to it.
void check_view(const TensorView& view, const TensorSpec& input) {
  const std::string name = view_name(input);
  if (view.axes.size() != view.shape.size())
    throw Error(ErrorCode::invalid_argument, name + ": axes \"" + view.axes + "\" name " + std::to_string(view.axes.size()) +
                                                 " axes but the shape " + shape_to_string(view.shape) + " has " +
                                                 std::to_string(view.shape.size()));
  for (std::size_t i = 0; i < view.axes.size(); ++i) {
    const char a = view.axes[i];
    if (kAxisLetters.find(a) == std::string::npos || view.axes.find(a) != i)
      throw Error(ErrorCode::invalid_argument, name + ": axes \"" + view.axes + "\" must be distinct letters of \"" +
                                                   kAxisLetters + "\" (\"" + std::string(1, a) + "\" is not)");
  }
  for (std::int64_t size : view.shape)
    if (size <= 0)
      throw Error(ErrorCode::invalid_argument, name + ": shape " + shape_to_string(view.shape) + " has a size " +
                                                   std::to_string(size) + "; every size must be at least 1");
  if (!view.strides.empty() && view.strides.size() != view.shape.size())
    throw Error(ErrorCode::invalid_argument, name + ": " + std::to_string(view.strides.size()) + " strides " +
                                                 shape_to_string(view.strides) + " for a shape of " +
                                                 std::to_string(view.shape.size()) + " axes " + shape_to_string(view.shape));
  if (!view.data) throw Error(ErrorCode::invalid_argument, name + ": the view's data pointer is null");
}

// One sample of an input view seen in the model's axes: its shape and, per model axis, the stride in
// the view (0 for a size-1 axis the view lacks), so bands are read from the caller's memory with no
// copy before.
struct ModelView {
  const std::byte* origin = nullptr;
  DType dtype = DType::f32;
  Shape shape;
  std::vector<std::int64_t> strides;
  std::string axes;

  // [begin, end) along model axis `axis` (0: the whole sample), as a contiguous tensor in model axes.
  Tensor read(char axis, std::int64_t begin, std::int64_t end) const {
    Box box = io::whole_box(shape);
    if (axis) {
      const std::size_t d = axes.find(axis);
      box.begin[d] = begin, box.end[d] = end;
    }
    Tensor t(dtype, box.shape(), axes);
    io::copy_box_out(origin, shape, strides, dtype_size(dtype), box, t.bytes());
    return t;
  }
};

// One input view as `run` sees an image: the axes the model lacks (z or t for a 2D model, a batch)
// are a loop over samples (run/stack_loop.hpp), each sample one ModelView.
struct StackView {
  run::StackLoop loop;
  std::vector<std::int64_t> loop_strides;  // the view's stride along each loop axis, in loop order
  std::string sample_axes;                 // the view's axes without the loop's
  ModelView first;                         // sample 0

  ModelView sample(std::int64_t index) const {
    ModelView m = first;
    const Box at = loop.box(index);
    for (std::size_t k = 0; k < loop_strides.size(); ++k)
      m.origin += at.begin[k] * loop_strides[k] * static_cast<std::int64_t>(dtype_size(m.dtype));
    return m;
  }
};

StackView stack_view(const TensorView& view, const TensorSpec& input) {
  check_view(view, input);
  StackView s{.loop = run::stack_loop_for(view.shape, view.axes, input), .loop_strides = {}, .sample_axes = {},
              .first = {.origin = static_cast<const std::byte*>(view.data), .dtype = view.dtype, .shape = {}, .strides = {},
                        .axes = input.axes_string()}};
  const std::vector<std::int64_t> strides = view.strides.empty() ? strides_of(view.shape) : view.strides;
  Shape sample_shape;
  std::vector<std::int64_t> sample_strides;
  for (std::size_t d = 0; d < view.axes.size(); ++d) {
    if (s.loop.axes.find(view.axes[d]) != std::string::npos) {
      s.loop_strides.push_back(strides[d]);  // stack_loop_for keeps the view's order
      continue;
    }
    s.sample_axes += view.axes[d];
    sample_shape.push_back(view.shape[d]);
    sample_strides.push_back(strides[d]);
  }
  s.first.shape = run::model_shape(sample_shape, s.sample_axes, input, view_name(input));
  for (char a : s.first.axes) {
    const auto at = s.sample_axes.find(a);
    s.first.strides.push_back(at == std::string::npos ? 0 : sample_strides[at]);
  }
  return s;
}

// The views of one call, one per model input: checked, and each seen as a loop of samples.
struct CallViews {
  std::vector<StackView> views;
  std::vector<Shape> shapes;  // of one sample, in the model's axes
};

CallViews call_views(const std::vector<TensorView>& inputs, const ModelSpec& spec) {
  if (inputs.size() != spec.inputs.size())
    throw Error(ErrorCode::invalid_argument, "model \"" + spec.name + "\" takes " + std::to_string(spec.inputs.size()) +
                                                 " input(s); got " + std::to_string(inputs.size()) + " view(s)");
  CallViews c;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    c.views.push_back(stack_view(inputs[i], spec.inputs[i]));
    c.shapes.push_back(c.views.back().first.shape);
  }
  // The inputs of a model with several go through the loop together, so they must loop alike.
  const run::StackLoop& loop = c.views[0].loop;
  for (std::size_t i = 1; i < c.views.size(); ++i)
    if (c.views[i].loop.axes != loop.axes || c.views[i].loop.sizes != loop.sizes)
      throw Error(ErrorCode::invalid_argument, view_name(spec.inputs[i]) + " has samples along \"" + c.views[i].loop.axes + "\" " +
                                                   shape_to_string(c.views[i].loop.sizes) + " but " + view_name(spec.inputs[0]) +
                                                   " along \"" + loop.axes + "\" " + shape_to_string(loop.sizes) +
                                                   "; give views that loop alike");
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

}  // namespace

struct Session::State {
  std::shared_ptr<const Model::Loaded> loaded;
  SessionOptions options;
  RunOptions run_options;  // what plan_run and RunProgress read: memory, progress, cancel
  tiling::PadMode pad;
  run::Predictor predictor;
  std::optional<run::TileMemory> tile_memory;  // measured on the first predict(), reused
  std::optional<run::StatisticsFile> statistics;  // options.statistics, parsed once

  State(const Model& model, SessionOptions o)
      : loaded(model.loaded()),
        options(std::move(o)),
        pad(tiling::pad_mode_from_string(options.pad)),
        predictor(loaded->model, engine::choose_weights(loaded->model, options.weights),
                  {.threads = options.threads, .precision = options.precision}) {
    run_options.memory = options.memory;
    run_options.threads = options.threads;
    run_options.precision = options.precision;
    run_options.progress = options.progress;
    run_options.cancel = options.cancel;
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
const std::string& Session::weights_format() const { return state_->predictor.weights().format; }
const SessionOptions& Session::options() const { return state_->options; }

std::vector<Tensor> Session::predict(const std::vector<TensorView>& inputs) {
  const auto start = run::Clock::now();
  State& s = *state_;
  const ModelSpec& spec = s.loaded->model.spec;
  const CallViews call = call_views(inputs, spec);
  const std::vector<StackView>& views = call.views;
  const std::vector<Shape>& shapes = call.shapes;
  const run::StackLoop& loop = views[0].loop;
  // 0.4 `mode: per_dataset`: the samples of the views given are the dataset, as for `run` on one file
  // (unless SessionOptions::statistics gives them).
  ops::DatasetStatistics dataset = s.statistics ? s.statistics->dataset : ops::DatasetStatistics();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!ops::has_per_dataset(spec.inputs[i].preprocessing) || s.statistics) continue;
    ops::DatasetMeasurement measurement(spec.inputs[i].preprocessing, spec.inputs[i].id, spec.inputs[i].axes_string(), shapes[i]);
    while (measurement.start_pass())
      for (std::int64_t sample = 0; sample < loop.count(); ++sample) measurement.scan(views[i].sample(sample).read(0, 0, 0));
    measurement.add_to(dataset);
  }

  const run::TilingOptions tiling{.tile = s.options.tile, .halo = s.options.halo, .pad = s.pad, .whole = false, .after_tile = {}};
  const run::RunPlan plan = run::plan_run(s.predictor, s.run_options, tiling, shapes, inputs[0].dtype, s.tile_memory);
  const auto samples = static_cast<std::size_t>(loop.count());
  run::RunProgress progress(s.run_options, start, samples, plan.tiles.tiles.size() * samples);
  run::SliceRunOptions slice_options{.plan = plan.tiles, .axes = plan.axes, .in_bands = plan.in_bands, .pad = s.pad,
                                     .after_tile = [&] { progress.tile_done(); }, .dataset = &dataset,
                                     .given = s.statistics && !s.statistics->samples.model.empty() ? &s.statistics->samples : nullptr};
  run::RunWarnings warnings(spec);
  progress.emit();
  std::vector<Tensor> outputs(spec.outputs.size());
  for (std::int64_t sample = 0; sample < loop.count(); ++sample) {
    progress.stop_if_cancelled();
    progress.event.slice = static_cast<std::size_t>(sample);
    slice_options.sample = sample;  // which sample's statistics a statistics file gives
    std::vector<ModelView> sample_views;
    std::vector<run::SliceInput> slice_inputs;
    for (std::size_t i = 0; i < views.size(); ++i) sample_views.push_back(views[i].sample(sample));
    for (std::size_t i = 0; i < views.size(); ++i)
      slice_inputs.push_back(run::SliceInput{
          .shape = shapes[i],
          .read = [&sample_views, i](char axis, std::int64_t begin, std::int64_t end) {
            return sample_views[i].read(axis, begin, end);
          },
          .inspect = is_float(inputs[i].dtype) ? std::function<void(const Tensor&)>([&, i](const Tensor& part) {
                       warnings.input(i, view_name(spec.inputs[i]), part);
                     })
                                               : nullptr});
    std::vector<Tensor> sample_outputs(spec.outputs.size());
    run::run_slice(s.predictor, slice_inputs, slice_options, [&](const run::OutputBand& band) {
      warnings.output(band.output, band.values);
      gather(sample_outputs[band.output], band);
    });
    for (std::size_t k = 0; k < outputs.size(); ++k)
      loop.place(outputs[k], sample, run::to_image_axes(sample_outputs[k], views[0].sample_axes));
  }
  progress.finish();
  if (s.options.log)
    for (const std::string& line : warnings.lines()) s.options.log(line);
  return outputs;
}

std::string measure_statistics(const Model& model, const std::vector<TensorView>& inputs) {
  const ModelSpec& spec = model.spec();
  const CallViews call = call_views(inputs, spec);
  const std::vector<StackView>& views = call.views;
  const std::vector<Shape>& shapes = call.shapes;
  // Every sample of a stack, as predict() loops over them.
  const run::StatisticsFile statistics = run::measure_image_statistics(spec, views[0].loop, shapes, [&](std::int64_t sample) {
    std::vector<Tensor> whole;
    for (const StackView& v : views) whole.push_back(v.sample(sample).read(0, 0, 0));
    return whole;
  });
  return run::statistics_file_text(statistics);
}

std::vector<TileAxis> Session::tile_plan(const std::vector<TensorView>& inputs) {
  State& s = *state_;
  const ModelSpec& spec = s.loaded->model.spec;
  const std::vector<Shape> shapes = call_views(inputs, spec).shapes;  // of one sample
  const run::TilingOptions tiling{.tile = s.options.tile, .halo = s.options.halo, .pad = s.pad, .whole = false, .after_tile = {}};
  const tiling::TilePlan plan = run::plan_run(s.predictor, s.run_options, tiling, shapes, inputs[0].dtype, s.tile_memory).tiles;
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
