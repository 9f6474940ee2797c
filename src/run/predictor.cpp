#include "run/predictor.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

#include "deepimage/error.hpp"
#include "model/deepimagej_config.hpp"
#include "model/spec_json.hpp"
#include "ops/dataset_statistics.hpp"
#include "ops/op.hpp"
#include "run/slice_run.hpp"
#include "run/stopwatch.hpp"

namespace deepimage::run {
namespace {

// config.deepimagej.patch_size of a ModelSpec read from a legacy config.xml (model/deepimagej_config.hpp).
std::optional<std::int64_t> legacy_patch_size(const ModelSpec& spec) {
  if (!model::is_deepimagej_config(spec)) return std::nullopt;
  const nlohmann::json config = config_of(spec);
  if (!config.is_object() || !config.contains("deepimagej") || !config["deepimagej"].is_object() ||
      !config["deepimagej"].contains("patch_size") || !config["deepimagej"]["patch_size"].is_number_integer())
    return std::nullopt;
  return config["deepimagej"]["patch_size"].get<std::int64_t>();
}


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

// How an output's pixels relate to the input's along one tiled axis. Output pixel j of a tile that
// reads input [r, r + T) lies at output-image coordinate r * factor + crop + j: `factor` is the
// output's scale relative to the input (2 for 2x super-resolution), `crop` the pixels the network
// drops on each side (a size offset of -16 crops 8 per side; a positive offset adds pixels). The
// output image always covers the input's whole extent times the factor, every pixel at its true
// place: border pixels a cropping network drops come from the mirror-padded input, as at any tile
// border. An output without the axis (per-image scores) has `present` false.
struct OutputAxisMap {
  bool present = true;
  double factor = 1.0;
  double crop = 0.0;
};

// The whole number n when `v` is n or 1/n (n >= 1), else 0.
std::int64_t whole_ratio(double v) {
  if (!(v > 0) || !std::isfinite(v)) return 0;
  const double n = v >= 1 ? v : 1 / v;
  return std::abs(n - std::round(n)) < 1e-9 ? static_cast<std::int64_t>(std::round(n)) : 0;
}

// Input `i`'s size along `axis` over the first input's: an input sized after the first with a scale
// (rdf 0.5 `{tensor_id, axis_id}` and axis scales, e.g. a half-resolution second input) is cut into
// tiles that are the first input's times that ratio, so it must be n or 1/n; inputs with size rules
// of their own are the first input's size (ratio 1).
double ratio_to_first(const ModelSpec& spec, std::size_t i, char axis) {
  const TensorSpec& input = spec.inputs.at(i);
  const AxisSpec* a = input.axis(axis);
  if (i == 0 || !a || a->size.kind != AxisSize::Kind::reference || a->size.factor == 1.0) {
    if (a && a->size.kind == AxisSize::Kind::reference && a->size.offset != 0.0)
      throw Error(ErrorCode::unsupported, "input \"" + input.id + "\" axis \"" + std::string(1, axis) + "\": a size referencing \"" +
                                              a->size.ref_tensor + "\" with an offset is not supported for inputs");
    return 1.0;
  }
  if (a->size.ref_tensor != spec.inputs[0].id || a->size.ref_axis != axis || a->size.offset != 0.0 || !whole_ratio(a->size.factor))
    throw Error(ErrorCode::unsupported, "input \"" + input.id + "\" axis \"" + std::string(1, axis) + "\": a size referencing \"" +
                                            a->size.ref_tensor + "\" axis \"" + std::string(1, a->size.ref_axis) + "\" times " +
                                            std::to_string(a->size.factor) + (a->size.offset != 0.0 ? " plus an offset" : "") +
                                            " is not supported; deepimage supports inputs sized after the first input's same axis, "
                                            "times n or 1/n, without offset");
  return a->size.factor;
}

OutputAxisMap output_map(const ModelSpec& spec, const TensorSpec& output, char axis_id) {
  const AxisSpec* a = output.axis(axis_id);
  if (!a) return {.present = false};
  if (a->size.kind == AxisSize::Kind::reference) {
    if (!(a->size.factor > 0) || !std::isfinite(a->size.factor))
      throw Error(ErrorCode::bad_model, "output \"" + output.id + "\" axis \"" + std::string(1, axis_id) + "\": scale " +
                                            std::to_string(a->size.factor) + " relative to its reference; expected a positive number");
    // Sized after an input that is itself a scale of the first input: both scales apply.
    double factor = a->size.factor;
    for (std::size_t i = 0; i < spec.inputs.size(); ++i)
      if (spec.inputs[i].id == a->size.ref_tensor) factor *= ratio_to_first(spec, i, axis_id);
    return {.present = true, .factor = factor, .crop = -a->size.offset / 2};
  }
  return {};
}

// Output pixels covering `input_size` input pixels at `factor`: a partial last pixel counts (an odd
// image downsampled by 2 keeps its last row, computed from the mirror-padded border).
std::int64_t output_extent(std::int64_t input_size, double factor) {
  return static_cast<std::int64_t>(std::ceil(static_cast<double>(input_size) * factor - 1e-9));
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
    if (input_shapes[i].empty()) inputs.emplace_back();  // an optional input left out
    else inputs.emplace_back(model_.spec.inputs.at(i).data_type, input_shapes[i], model_.spec.inputs[i].axes_string());
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
    // The inputs of a model are cut into the same tiles (scaled for an input sized as a multiple or
    // fraction of the first), so they must agree along each tiled axis. A second input at 1/n of the
    // first needs tile boundaries on its own pixel grid: halo and alignment in multiples of n.
    std::int64_t grid = 1;
    for (std::size_t i = 1; i < spec.inputs.size() && i < input_shapes.size(); ++i) {
      if (input_shapes[i].empty()) continue;  // an optional input left out
      const std::string other = spec.inputs[i].axes_string();
      const auto at = other.find(a.id);
      if (at == std::string::npos) continue;
      const double ratio = ratio_to_first(spec, i, a.id);
      const double expected = static_cast<double>(t.image_size) * ratio;
      if (static_cast<double>(input_shapes[i].at(at)) != expected)
        throw Error(ErrorCode::invalid_argument,
                    "input \"" + spec.inputs[i].id + "\" is " + std::to_string(input_shapes[i].at(at)) + " pixels along \"" +
                        std::string(1, a.id) + "\" but \"" + first.id + "\" is " + std::to_string(t.image_size) +
                        (ratio == 1.0 ? "; give this model inputs of the same size"
                                      : "; the model sizes it as \"" + first.id + "\" times " + std::to_string(ratio) +
                                            (std::abs(expected - std::round(expected)) < 1e-9
                                                 ? ": give it " + std::to_string(std::llround(expected)) + " pixels"
                                                 : ", which is not a whole number of pixels")));
      if (ratio < 1) grid = std::lcm(grid, whole_ratio(ratio));
    }
    t.rule = rule_of(first, a, spec);
    t.alignment = tiling::default_alignment(t.rule);
    // The rdf gives halos on outputs, in output pixels, beyond what the network crops; the input
    // halo must cover both for every output. A downsampling output (factor 1/n) needs tile
    // boundaries on its own pixel grid: halo and alignment in multiples of n.
    bool whole_axis = false;
    for (const TensorSpec& out : spec.outputs) {
      const OutputAxisMap m = output_map(spec, out, a.id);
      if (!m.present) {
        whole_axis = true;
        continue;
      }
      const double need = (static_cast<double>(out.axis(a.id)->halo) + m.crop) / m.factor;
      std::int64_t halo = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::ceil(need - 1e-9)));
      if (m.factor < 1) {
        const auto n = static_cast<std::int64_t>(std::llround(1 / m.factor));
        if (std::abs(static_cast<double>(n) * m.factor - 1) < 1e-9) {
          halo = (halo + n - 1) / n * n;
          t.alignment = std::lcm(std::max<std::int64_t>(1, t.alignment), n);
        }
      }
      t.halo = std::max(t.halo, halo);
    }
    if (auto h = options.halo.find(a.id); h != options.halo.end()) t.halo = h->second;
    if (grid > 1) {
      t.halo = (t.halo + grid - 1) / grid * grid;
      t.alignment = std::lcm(std::max<std::int64_t>(1, t.alignment), grid);
    }
    if (auto s = options.tile.find(a.id); s != options.tile.end()) t.tile = s->second;
    else if (const auto patch = legacy_patch_size(spec); patch && (a.id == 'y' || a.id == 'x') && t.rule.accepts(*patch))
      t.tile = *patch;  // a legacy DeepImageJ bundle runs in the patches DeepImageJ used, unless --tile says otherwise
    // A tile beyond the smallest that holds the whole image and its halos buys nothing but memory
    // and time (a --tile of a million pixels on a 256-pixel image): the whole image runs instead.
    if (t.tile && t.rule.step > 0 && t.rule.accepts(*t.tile) && *t.tile > t.rule.smallest_at_least(t.image_size + 2 * t.halo))
      t.tile = t.rule.smallest_at_least(t.image_size + 2 * t.halo);
    if (whole_axis) {
      // Some output has no such axis (a score per image): tiles along it could not be stitched.
      const std::int64_t whole = t.rule.step > 0 ? t.rule.smallest_at_least(t.image_size + 2 * t.halo) : t.rule.min;
      if (t.tile && *t.tile != whole)
        throw Error(ErrorCode::invalid_argument, "--tile along \"" + std::string(1, a.id) + "\": an output of this model has no \"" +
                                                     std::string(1, a.id) + "\" axis, so the image runs in one piece along it");
      if (whole < t.image_size)
        throw Error(ErrorCode::unsupported, "the image is " + std::to_string(t.image_size) + " pixels along \"" + std::string(1, a.id) +
                                                "\" but the model takes " + std::to_string(whole) + " and an output has no \"" +
                                                std::string(1, a.id) + "\" axis, so it cannot be tiled; crop the image to " +
                                                std::to_string(whole) + " pixels");
      t.tile = whole;
    }
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
  // 0.4 `mode: per_dataset`: the inputs given are the dataset.
  ops::DatasetStatistics dataset;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!ops::has_per_dataset(spec.inputs[i].preprocessing)) continue;
    ops::DatasetMeasurement measurement(spec.inputs[i].preprocessing, spec.inputs[i].id, spec.inputs[i].axes_string(),
                                        inputs[i].shape());
    while (measurement.start_pass()) measurement.scan(inputs[i]);
    measurement.add_to(dataset);
  }

  if (!options.whole) {
    // The loop of `deepimage run`, on tensors in memory: statistics, tiles, stitching, postprocessing.
    std::vector<Shape> shapes;
    std::vector<SliceInput> slice_inputs;
    for (Tensor& in : inputs) {
      shapes.push_back(in.shape());
      slice_inputs.push_back({.shape = in.shape(), .read = [&in](char, std::int64_t, std::int64_t) { return in; }, .inspect = {}});
    }
    SliceRunOptions slice_options{.plan = {}, .axes = axis_tilings(shapes, options), .in_bands = false,
                                  .pad = options.pad, .after_tile = options.after_tile, .dataset = &dataset};
    slice_options.plan = tiling::plan_tiles(slice_options.axes);
    std::vector<Tensor> results(spec.outputs.size());
    t = run_slice(*this, slice_inputs, slice_options, [&](const OutputBand& band) { results[band.output] = band.values; });
    if (plan_used) *plan_used = std::move(slice_options.plan);
    return results;
  }

  // Preprocessing runs on the whole inputs, so statistics are those of the whole image.
  auto t0 = Clock::now();
  ops::OpContext context;
  // Ops that refer to another tensor (reference_tensor) see it as it was before any op ran.
  for (std::size_t i = 0; i < inputs.size(); ++i) context.tensors[spec.inputs[i].id] = &inputs[i];
  context.dataset = &dataset;
  std::vector<Tensor> prepared;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    context.tensor_id = spec.inputs[i].id;
    prepared.push_back(ops::apply_ops(inputs[i], spec.inputs[i].preprocessing, context).converted(spec.inputs[i].data_type));
  }
  inputs.clear();
  t.preprocess_s = seconds_since(t0);

  t0 = Clock::now();
  std::vector<Tensor> outputs = run_engine(prepared, t.engine_s);
  t.inference_s = seconds_since(t0);

  t0 = Clock::now();
  for (std::size_t i = 0; i < prepared.size(); ++i) context.tensors[spec.inputs[i].id] = &prepared[i];
  for (std::size_t i = 0; i < outputs.size(); ++i) context.tensors[spec.outputs[i].id] = &outputs[i];
  std::vector<Tensor> results;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    context.tensor_id = spec.outputs[i].id;
    results.push_back(ops::apply_postprocessing(outputs[i], spec.outputs[i], context));
  }
  t.postprocess_s = seconds_since(t0);
  return results;
}

double Predictor::input_ratio(std::size_t input, char axis) const { return ratio_to_first(model_.spec, input, axis); }

std::int64_t Predictor::output_size(std::size_t output, char axis, std::int64_t input_size) const {
  const OutputAxisMap m = output_map(model_.spec, model_.spec.outputs.at(output), axis);
  return m.present ? output_extent(input_size, m.factor) : 1;
}

std::vector<Tensor> Predictor::run_tiles(const tiling::TilePlan& plan, std::span<const tiling::Tile> tiles,
                                         const std::vector<std::int64_t>& origin, const std::vector<std::int64_t>& extent,
                                         const TileReader& read_tile, const std::function<void()>& after_tile, double& engine_s) {
  const ModelSpec& spec = model_.spec;
  const std::size_t n_axes = plan.axes.size();
  std::vector<Tensor> outputs(spec.outputs.size());
  // Per output and tiled axis: how its pixels relate to the input's.
  std::vector<std::vector<OutputAxisMap>> maps(spec.outputs.size());
  for (std::size_t o = 0; o < spec.outputs.size(); ++o)
    for (char id : plan.axes) maps[o].push_back(output_map(spec, spec.outputs[o], id));

  for (const tiling::Tile& tile : tiles) {
    std::vector<Tensor> tile_outputs = run_engine(read_tile(tile), engine_s);
    for (std::size_t o = 0; o < tile_outputs.size(); ++o) {
      const Tensor& to = tile_outputs[o];
      const std::string& id = spec.outputs[o].id;
      if (outputs[o].empty()) {  // first tile: now the non-tiled output sizes (channels) are known
        Shape shape = to.shape();
        for (std::size_t k = 0; k < n_axes; ++k)
          if (maps[o][k].present)
            shape[static_cast<std::size_t>(to.axis_index(plan.axes[k]))] = output_extent(extent[k], maps[o][k].factor);
        outputs[o] = Tensor(to.dtype(), shape, to.axes());
      }
      // The boxes over the axes this output has, in the region's output coordinates.
      std::string box_axes;
      Box valid, write;
      for (std::size_t k = 0; k < n_axes; ++k) {
        const OutputAxisMap& m = maps[o][k];
        if (!m.present) continue;  // one tile along this axis (axis_tilings): the output is written whole
        const char axis = plan.axes[k];
        const std::string what = "output \"" + id + "\" along \"" + std::string(1, axis) + "\"";
        const std::int64_t full = outputs[o].size(axis), tile_size = to.size(axis);
        const std::int64_t expected = exact(static_cast<double>(plan.tile_shape[k]) * m.factor - 2 * m.crop, what + " tile size");
        if (tile_size != expected)
          throw Error(ErrorCode::bad_model, "output \"" + id + "\" is " + std::to_string(tile_size) + " pixels along \"" +
                                                std::string(1, axis) + "\" for an input tile of " + std::to_string(plan.tile_shape[k]) +
                                                ", but the rdf implies " + std::to_string(expected));
        const std::int64_t w0 = exact(static_cast<double>(tile.write.begin[k] - origin[k]) * m.factor, what + " tile start");
        const std::int64_t w1 = std::min(full, output_extent(tile.write.end[k] - origin[k], m.factor));
        const std::int64_t v0 = exact(static_cast<double>(tile.valid.begin[k]) * m.factor - m.crop, what + " tile offset");
        if (v0 < 0 || v0 + (w1 - w0) > tile_size)
          throw Error(ErrorCode::internal, what + ": the tile's valid part [" + std::to_string(v0) + ", " + std::to_string(v0 + w1 - w0) +
                                               ") lies outside its " + std::to_string(tile_size) + " pixels (halo too small)");
        box_axes += axis;
        valid.begin.push_back(v0), valid.end.push_back(v0 + (w1 - w0));
        write.begin.push_back(w0), write.end.push_back(w1);
      }
      tiling::write_box(outputs[o], box_axes, write, to, valid);
    }
    if (after_tile) after_tile();
  }
  return outputs;
}

}  // namespace deepimage::run
