#include "run/predictor.hpp"

#include <chrono>
#include <cmath>

#include "deepimage/error.hpp"
#include "ops/op.hpp"
#include "run/stopwatch.hpp"

namespace deepimage::run {
namespace {


bool is_tiled(const AxisSpec& a) { return a.type == AxisType::space; }

tiling::SizeRule rule_of(const TensorSpec& input, const AxisSpec& axis, const ModelSpec& spec) {
  switch (axis.size.kind) {
    case AxisSize::Kind::fixed: return {axis.size.value, 0};
    case AxisSize::Kind::parameterized: return {axis.size.min, axis.size.step};
    case AxisSize::Kind::reference: break;
  }
  // An input sized after another input (multi-input models): it follows that input's rule.
  const TensorSpec* ref = spec.input(axis.size.ref_tensor);
  const AxisSpec* ref_axis = ref ? ref->axis(axis.size.ref_axis) : nullptr;
  if (!ref_axis || ref == &input || axis.size.factor != 1.0 || axis.size.offset != 0.0)
    throw Error(ErrorCode::unsupported, "input \"" + input.id + "\" axis \"" + std::string(1, axis.id) +
                                            "\": a size referencing \"" + axis.size.ref_tensor +
                                            "\" with scale or offset is not supported for inputs");
  return rule_of(*ref, *ref_axis, spec);
}

// How output coordinates relate to input coordinates along one axis: out = in * factor + offset / 2
// (offset is the total size change, split evenly between the two sides).
struct OutputAxisMap {
  double factor = 1.0;
  double offset = 0.0;
};

OutputAxisMap output_map(const TensorSpec& output, char axis_id) {
  const AxisSpec* a = output.axis(axis_id);
  if (!a) throw Error(ErrorCode::unsupported, "output \"" + output.id + "\" has no axis \"" + std::string(1, axis_id) +
                                                  "\", so it cannot be tiled along it");
  if (a->size.kind == AxisSize::Kind::reference) return {a->size.factor, a->size.offset};
  return {};
}

std::int64_t exact(double v, const std::string& what) {
  const double r = std::round(v);
  if (std::abs(v - r) > 1e-9)
    throw Error(ErrorCode::unsupported, what + " is not a whole number of pixels (" + std::to_string(v) + ")");
  return static_cast<std::int64_t>(r);
}

}  // namespace

Predictor::Predictor(const model::Model& model, const WeightsSpec& weights, const engine::EngineOptions& options)
    : Predictor(model, weights, engine::load_engine(model, weights, options)) {}

Predictor::Predictor(const model::Model& model, const WeightsSpec& weights, std::unique_ptr<engine::Engine> engine)
    : model_(model), weights_(weights), engine_(std::move(engine)) {}

tiling::TilePlan Predictor::plan(const std::vector<Shape>& input_shapes, const TilingOptions& options) const {
  return tiling::plan_tiles(axis_tilings(input_shapes, options));
}

std::vector<Shape> Predictor::probe(const std::vector<Shape>& input_shapes) {
  std::vector<Tensor> inputs;
  for (std::size_t i = 0; i < input_shapes.size(); ++i)
    inputs.emplace_back(model_.spec.inputs.at(i).data_type, input_shapes[i], model_.spec.inputs[i].axes_string());
  std::vector<Shape> shapes;
  double engine_s = 0;
  for (const Tensor& out : run_engine(inputs, engine_s)) shapes.push_back(out.shape());
  return shapes;
}

std::vector<tiling::AxisTiling> Predictor::axis_tilings(const std::vector<Shape>& input_shapes,
                                                        const TilingOptions& options) const {
  const ModelSpec& spec = model_.spec;
  const TensorSpec& first = spec.inputs.at(0);
  std::vector<tiling::AxisTiling> axes;
  for (std::size_t k = 0; k < first.axes.size(); ++k) {
    const AxisSpec& a = first.axes[k];
    if (!is_tiled(a)) continue;
    tiling::AxisTiling t;
    t.id = a.id;
    t.image_size = input_shapes.at(0).at(k);
    t.rule = rule_of(first, a, spec);
    t.alignment = tiling::default_alignment(t.rule);
    // The rdf gives halos on outputs, in output pixels; the input needs enough for every output.
    for (const TensorSpec& out : spec.outputs) {
      const AxisSpec* oa = out.axis(a.id);
      if (!oa || oa->halo == 0) continue;
      const double f = output_map(out, a.id).factor;
      t.halo = std::max(t.halo, static_cast<std::int64_t>(std::ceil(static_cast<double>(oa->halo) / f)));
    }
    if (auto h = options.halo.find(a.id); h != options.halo.end()) t.halo = h->second;
    if (auto s = options.tile.find(a.id); s != options.tile.end()) t.tile = s->second;
    axes.push_back(t);
  }
  for (const auto& [id, size] : options.tile)
    if (!first.axis(id) || !is_tiled(*first.axis(id)))
      throw Error(ErrorCode::invalid_argument, "--tile names axis \"" + std::string(1, id) + "\" but the model's "
                                                   "spatial axes are those of \"" + first.axes_string() + "\" of type space");
  for (const auto& [id, size] : options.halo)
    if (!first.axis(id) || !is_tiled(*first.axis(id)))
      throw Error(ErrorCode::invalid_argument, "--halo names axis \"" + std::string(1, id) + "\" which is not a spatial axis of the model input (\"" +
                                                   first.axes_string() + "\")");
  return axes;
}

std::vector<Tensor> Predictor::run_engine(const std::vector<Tensor>& inputs, double& engine_s) {
  const auto t0 = Clock::now();
  std::vector<Tensor> outputs;
  try {
    outputs = engine_->run(inputs);
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::out_of_memory, "out of memory running a tile of " + shape_to_string(inputs.at(0).shape()));
  }
  engine_s += seconds_since(t0);
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const TensorSpec& spec = model_.spec.outputs[i];
    if (outputs[i].rank() != spec.axes.size())
      throw Error(ErrorCode::bad_model, "output \"" + spec.id + "\" has " + std::to_string(outputs[i].rank()) +
                                            " dimensions " + shape_to_string(outputs[i].shape()) + " but the rdf declares axes \"" +
                                            spec.axes_string() + "\"");
    outputs[i].set_axes(spec.axes_string());
  }
  return outputs;
}

std::vector<Tensor> Predictor::predict(std::vector<Tensor> inputs, const TilingOptions& options,
                                       tiling::TilePlan* plan_used, PredictionStats* stats) {
  const ModelSpec& spec = model_.spec;
  if (inputs.size() != spec.inputs.size())
    throw Error(ErrorCode::invalid_argument, "the model takes " + std::to_string(spec.inputs.size()) + " input(s), got " +
                                                 std::to_string(inputs.size()));
  PredictionStats local;
  PredictionStats& t = stats ? *stats : local;

  // Preprocessing runs on the whole inputs, so statistics are those of the whole image.
  auto t0 = Clock::now();
  ops::OpContext context;
  // Ops that refer to another tensor (reference_tensor) see it as it was before any op ran.
  for (std::size_t i = 0; i < inputs.size(); ++i) context.tensors[spec.inputs[i].id] = &inputs[i];
  std::vector<Tensor> prepared;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    prepared.push_back(ops::apply_ops(inputs[i], spec.inputs[i].preprocessing, context).converted(spec.inputs[i].data_type));
  inputs.clear();
  t.preprocess_s = seconds_since(t0);

  t0 = Clock::now();
  std::vector<Tensor> outputs;
  if (options.whole) {
    outputs = run_engine(prepared, t.engine_s);
  } else {
    std::vector<Shape> shapes;
    for (const auto& in : prepared) shapes.push_back(in.shape());
    std::vector<tiling::AxisTiling> axes = axis_tilings(shapes, options);
    tiling::TilePlan plan = tiling::plan_tiles(axes);
    for (;;) {
      try {
        outputs = run_tiled(prepared, plan, options, t.engine_s);
        break;
      } catch (const Error& e) {
        if (e.code() != ErrorCode::out_of_memory) throw;
        // Tiles are independent, so the same image cut into smaller tiles gives the same result.
        if (!tiling::shrink_tiles(axes, plan.tile_shape))
          throw Error(ErrorCode::out_of_memory, std::string(e.what()) + ", even with the smallest tiles this model allows (" +
                                                    shape_to_string(plan.tile_shape) + "); free memory or use a machine with more");
        plan = tiling::plan_tiles(axes);
        ++t.smaller_tile_retries;
      }
    }
    if (plan_used) *plan_used = std::move(plan);
  }
  t.inference_s = seconds_since(t0);

  t0 = Clock::now();
  for (std::size_t i = 0; i < prepared.size(); ++i) context.tensors[spec.inputs[i].id] = &prepared[i];
  for (std::size_t i = 0; i < outputs.size(); ++i) context.tensors[spec.outputs[i].id] = &outputs[i];
  std::vector<Tensor> results;
  for (std::size_t i = 0; i < outputs.size(); ++i)
    results.push_back(ops::apply_ops(outputs[i], spec.outputs[i].postprocessing, context));
  t.postprocess_s = seconds_since(t0);
  return results;
}

std::vector<Tensor> Predictor::run_tiled(const std::vector<Tensor>& inputs, const tiling::TilePlan& plan,
                                         const TilingOptions& options, double& engine_s) {
  const ModelSpec& spec = model_.spec;
  const std::size_t n_axes = plan.axes.size();
  std::vector<Tensor> outputs(spec.outputs.size());
  // Per output and tiled axis: the coordinate map and the full output size.
  std::vector<std::vector<OutputAxisMap>> maps(spec.outputs.size());
  for (std::size_t o = 0; o < spec.outputs.size(); ++o)
    for (char id : plan.axes) maps[o].push_back(output_map(spec.outputs[o], id));

  for (const tiling::Tile& tile : plan.tiles) {
    std::vector<Tensor> tile_inputs;
    for (const Tensor& in : inputs) tile_inputs.push_back(tiling::read_padded(in, plan.axes, tile.read, options.pad));
    std::vector<Tensor> tile_outputs = run_engine(tile_inputs, engine_s);
    for (std::size_t o = 0; o < tile_outputs.size(); ++o) {
      const Tensor& to = tile_outputs[o];
      if (outputs[o].empty()) {  // first tile: now the non-tiled output sizes (channels) are known
        Shape shape = to.shape();
        for (std::size_t k = 0; k < n_axes; ++k) {
          const auto& m = maps[o][k];
          shape[static_cast<std::size_t>(to.axis_index(plan.axes[k]))] =
              exact(static_cast<double>(inputs[0].size(plan.axes[k])) * m.factor + m.offset,
                    "output \"" + spec.outputs[o].id + "\" size along \"" + std::string(1, plan.axes[k]) + "\"");
        }
        outputs[o] = Tensor(to.dtype(), shape, to.axes());
      }
      Box valid = tile.valid, write = tile.write;
      for (std::size_t k = 0; k < n_axes; ++k) {
        const auto& m = maps[o][k];
        const std::int64_t full = outputs[o].size(plan.axes[k]);
        const std::int64_t tile_size = to.size(plan.axes[k]);
        const std::int64_t expected = exact(static_cast<double>(plan.tile_shape[k]) * m.factor + m.offset, "output tile size");
        if (tile_size != expected)
          throw Error(ErrorCode::bad_model, "output \"" + spec.outputs[o].id + "\" is " + std::to_string(tile_size) +
                                                " pixels along \"" + std::string(1, plan.axes[k]) + "\" for an input tile of " +
                                                std::to_string(plan.tile_shape[k]) + ", but the rdf implies " +
                                                std::to_string(expected));
        const auto to_out = [&](std::int64_t v) { return exact(static_cast<double>(v) * m.factor + m.offset / 2, "output coordinate"); };
        valid.begin[k] = to_out(tile.valid.begin[k]);
        valid.end[k] = to_out(tile.valid.end[k]);
        write.begin[k] = to_out(tile.write.begin[k]);
        write.end[k] = to_out(tile.write.end[k]);
        // A smaller output (negative offset) has no pixels for the image border: clip both boxes alike.
        if (write.begin[k] < 0) { valid.begin[k] -= write.begin[k]; write.begin[k] = 0; }
        if (write.end[k] > full) { valid.end[k] -= write.end[k] - full; write.end[k] = full; }
      }
      tiling::write_box(outputs[o], plan.axes, write, to, valid);
    }
    if (options.after_tile) options.after_tile();
  }
  return outputs;
}

}  // namespace deepimage::run
