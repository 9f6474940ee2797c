#include "run/slice_run.hpp"

#include <algorithm>
#include <span>

#include "deepimage/error.hpp"
#include "model/spec_json.hpp"
#include "ops/op.hpp"
#include "ops/prepared_ops.hpp"
#include "ops/reduction.hpp"
#include "ops/statistics.hpp"
#include "run/stopwatch.hpp"
#include "tiling/padding.hpp"

namespace deepimage::run {
namespace {


bool refers_to_a_tensor(const std::vector<OpSpec>& ops) {
  return std::any_of(ops.begin(), ops.end(), [](const OpSpec& op) { return kwargs_of(op).contains("reference_tensor"); });
}

// `ops` without those of 0.4 `mode: per_dataset`: given the dataset's statistics they work pixel by
// pixel, so they never decide how a sample may be cut.
std::vector<OpSpec> without_per_dataset(const std::vector<OpSpec>& ops) {
  std::vector<OpSpec> kept;
  for (const OpSpec& op : ops)
    if (!ops::has_per_dataset({op})) kept.push_back(op);
  return kept;
}

std::size_t axis_position(const std::string& axes, char axis) {
  const auto at = axes.find(axis);
  if (at == std::string::npos) throw Error(ErrorCode::internal, std::string("axis \"") + axis + "\" not in \"" + axes + "\"");
  return at;
}

// Box `box` over `box_axes` of the sample (inside it): one band read, cropped along the other axes
// unless the input reads boxes itself.
Tensor read_box(const SliceInput& in, const std::string& box_axes, const Box& box) {
  if (box_axes.empty()) return in.read(0, 0, 0);
  if (box_axes.size() > 1 && in.read_box) return in.read_box(box_axes, box);
  Tensor rows = in.read(box_axes[0], box.begin[0], box.end[0]);
  if (box_axes.size() == 1) return rows;
  Box rest = box;
  rest.begin[0] = 0, rest.end[0] = box.extent(0);
  return tiling::read_padded(rows, box_axes, rest, tiling::PadMode::zeros);  // inside the sample: a crop
}

// Box `padded` over `box_axes` (reaching outside the sample) of the sample padded per `pad`: the
// sample's pixels it maps to, read once, then gathered along each axis the box leaves the sample on.
Tensor read_padded_box(const SliceInput& in, const std::string& axes, const std::string& box_axes, const Box& padded,
                       tiling::PadMode pad) {
  Box source = padded;
  std::vector<std::int64_t> sizes;
  for (std::size_t k = 0; k < box_axes.size(); ++k) {
    const std::int64_t n = sizes.emplace_back(in.shape.at(axis_position(axes, box_axes[k])));
    std::int64_t lo = n, hi = -1;
    for (std::int64_t r = padded.begin[k]; r < padded.end[k]; ++r)
      if (const std::int64_t src = tiling::source_index(r, n, pad); src >= 0) lo = std::min(lo, src), hi = std::max(hi, src);
    if (hi < lo) throw Error(ErrorCode::internal, "tiles read no pixel of the image along \"" + std::string(1, box_axes[k]) + "\"");
    source.begin[k] = lo, source.end[k] = hi + 1;
  }
  Tensor values = read_box(in, box_axes, source);
  for (std::size_t k = 0; k < box_axes.size(); ++k) {
    if (padded.begin[k] == source.begin[k] && padded.end[k] == source.end[k]) continue;
    Shape shape = values.shape();
    shape[axis_position(values.axes(), box_axes[k])] = padded.extent(k);
    Tensor out(values.dtype(), shape, values.axes());  // zero-filled: what `zeros` padding leaves
    const std::string along(1, box_axes[k]);
    // The part inside the sample in one copy, the padding a row at a time.
    const std::int64_t in0 = std::max<std::int64_t>(0, padded.begin[k]), in1 = std::min(sizes[k], padded.end[k]);
    if (in1 > in0)
      tiling::write_box(out, along, Box{{in0 - padded.begin[k]}, {in1 - padded.begin[k]}}, values,
                        Box{{in0 - source.begin[k]}, {in1 - source.begin[k]}});
    for (std::int64_t i = 0; i < padded.extent(k); ++i) {
      const std::int64_t r = padded.begin[k] + i;
      if (r >= in0 && r < in1) continue;
      if (const std::int64_t src = tiling::source_index(r, sizes[k], pad); src >= 0)
        tiling::write_box(out, along, Box{{i}, {i + 1}}, values, Box{{src - source.begin[k]}, {src - source.begin[k] + 1}});
    }
    values = std::move(out);
  }
  return values;
}

bool meets(const Box& a, const Box& b) {
  for (std::size_t k = 0; k < a.rank(); ++k)
    if (a.end[k] <= b.begin[k] || b.end[k] <= a.begin[k]) return false;
  return true;
}

// The smallest box holding every box of `tiles` that `box_of` picks.
template <class Pick>
Box hull(std::span<const tiling::Tile> tiles, Pick box_of) {
  Box h = box_of(tiles.front());
  for (const tiling::Tile& t : tiles)
    for (std::size_t k = 0; k < h.rank(); ++k)
      h.begin[k] = std::min(h.begin[k], box_of(t).begin[k]), h.end[k] = std::max(h.end[k], box_of(t).end[k]);
  return h;
}

// `v` times `ratio`, which must give a whole number of pixels (the plan keeps tiles of an input at
// 1/n of the first on multiples of n).
std::int64_t scaled(std::int64_t v, double ratio) {
  if (ratio == 1.0) return v;
  const double s = static_cast<double>(v) * ratio;
  if (std::abs(s - std::round(s)) > 1e-9)
    throw Error(ErrorCode::unsupported, "a tile boundary at " + std::to_string(v) + " falls between pixels of an input " +
                                            std::to_string(ratio) + " times the first's size; choose a --tile that is a multiple of " +
                                            std::to_string(std::llround(1 / ratio)));
  return static_cast<std::int64_t>(std::round(s));
}

// The tiles of one row: consecutive tiles sharing their read start along the first axis.
std::vector<std::span<const tiling::Tile>> tile_rows(const tiling::TilePlan& plan, bool in_bands) {
  std::vector<std::span<const tiling::Tile>> rows;
  const std::span<const tiling::Tile> all(plan.tiles);
  if (!in_bands || plan.axes.empty()) return {all};
  std::size_t start = 0;
  for (std::size_t t = 1; t <= all.size(); ++t)
    if (t == all.size() || all[t].read.begin[0] != all[start].read.begin[0]) {
      rows.push_back(all.subspan(start, t - start));
      start = t;
    }
  return rows;
}

PredictionStats run_slice_once(Predictor& predictor, const std::vector<SliceInput>& inputs, const SliceRunOptions& o,
                               const std::function<void(const OutputBand&)>& emit_band, bool& emitted) {
  const auto emit = [&](const OutputBand& band) {
    emitted = true;
    emit_band(band);
  };
  const ModelSpec& spec = predictor.spec();
  const tiling::TilePlan& plan = o.plan;
  const bool region = o.region.has_value();
  // Statistics in passes over bands along the plan's first axis; without a region, tiles a row at a time too.
  const bool banded = o.in_bands && !plan.axes.empty();
  const bool in_bands = banded && !region;
  const char axis = banded ? plan.axes[0] : 0;
  PredictionStats t;
  const auto given = [&](std::size_t i) { return !inputs[i].shape.empty(); };
  std::vector<std::int64_t> sizes;
  for (char a : plan.axes) sizes.push_back(inputs.at(0).shape.at(axis_position(spec.inputs[0].axes_string(), a)));

  std::vector<tiling::Tile> region_tiles;
  if (region) {
    const Box& r = *o.region;
    bool inside = r.rank() == plan.axes.size();
    for (std::size_t k = 0; inside && k < r.rank(); ++k) inside = 0 <= r.begin[k] && r.begin[k] < r.end[k] && r.end[k] <= sizes[k];
    if (!inside)
      throw Error(ErrorCode::internal, "region " + r.to_string() + " over \"" + plan.axes + "\" is not a part of the image " +
                                           shape_to_string(sizes));
    if (!postprocessing_per_band(spec))
      throw Error(ErrorCode::unsupported, "the postprocessing of the model's outputs needs the whole output, which a run of part "
                                          "of the image does not make");
    region_tiles = tiles_meeting(plan, r);
  }

  // 0. The engine builds its plan for the tiles' shapes while the sample is read and measured.
  if (!plan.tiles.empty()) {
    std::vector<Shape> tile_shapes(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!given(i)) continue;
      tile_shapes[i] = inputs[i].shape;
      for (std::size_t k = 0; k < plan.axes.size(); ++k)
        tile_shapes[i].at(axis_position(spec.inputs[i].axes_string(), plan.axes[k])) =
            scaled(plan.tiles.front().read.extent(k), predictor.input_ratio(i, plan.axes[k]));
    }
    predictor.prepare(tile_shapes);
  }

  // 1. Statistics of the raw sample, for every input's preprocessing.
  auto t0 = Clock::now();
  std::vector<Tensor> whole(inputs.size());
  ops::OpContext raw_inputs;  // reference tensors of preprocessing: the inputs before any op ran
  // Read whole, the sample is where tiles are cut from; a region run reads it whole only when its
  // statistics must be measured (below), or another input's preprocessing refers to it.
  bool any_reference = false;
  for (std::size_t i = 0; i < inputs.size(); ++i) any_reference = any_reference || (given(i) && refers_to_a_tensor(spec.inputs[i].preprocessing));
  if (!banded && (!region || any_reference))
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!given(i)) continue;
      whole[i] = inputs[i].read(0, 0, 0);
      if (inputs[i].inspect && !region) inputs[i].inspect(whole[i]);
      raw_inputs.tensors[spec.inputs[i].id] = &whole[i];
    }
  // Read in bands, an input another input's preprocessing refers to is measured in passes over its
  // bands, as the raw values it holds.
  if (banded)
    raw_inputs.reference_statistics = [&](const std::string& id, const std::string& kept, std::int64_t group_count,
                                          const ops::WantedStatistics& wanted) {
      std::size_t j = 0;
      while (j < inputs.size() && !(spec.inputs[j].id == id && given(j))) ++j;
      if (j == inputs.size())
        throw Error(ErrorCode::invalid_argument, "preprocessing refers to tensor \"" + id + "\", which is not an input given");
      const std::string axes = spec.inputs[j].axes_string();
      for (char a : kept)
        if (axes.find(a) == std::string::npos || a == axis)
          throw Error(ErrorCode::unsupported, "preprocessing keeps statistics of tensor \"" + id + "\" separate along \"" +
                                                  std::string(1, a) + "\", which it does not have or which is read in bands");
      const ops::Groups groups = ops::groups_keeping(axes, inputs[j].shape, kept);
      if (groups.count != group_count)
        throw Error(ErrorCode::invalid_argument, "reference tensor \"" + id + "\" has " + std::to_string(groups.count) +
                                                     " groups along \"" + kept + "\" where the tensor normalised has " +
                                                     std::to_string(group_count));
      ops::StatisticsAccumulator statistics(groups.count, wanted);
      const std::int64_t n = inputs[j].shape.at(axis_position(axes, axis)), step = statistics_band_length(inputs[j].shape, n);
      for (int pass = 0; pass < statistics.pass_count(); ++pass) {
        statistics.start_pass();
        for (std::int64_t b = 0; b < n; b += step) {
          const Tensor values = inputs[j].read(axis, b, std::min(n, b + step)).converted(DType::f32);
          statistics.scan(values, ops::groups_keeping(values, kept));
        }
        statistics.stop_pass();
      }
      return statistics.result();
    };
  std::vector<ops::PreparedOps> preprocessing;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string axes = spec.inputs[i].axes_string();
    ops::OpContext context = raw_inputs;
    context.tensor_id = spec.inputs[i].id;
    context.dataset = o.dataset;
    context.given = o.given;
    context.sample = o.sample;
    ops::PreparedOps& prep = preprocessing.emplace_back(given(i) ? spec.inputs[i].preprocessing : std::vector<OpSpec>{}, axes,
                                                        inputs[i].shape, context);
    while (prep.start_pass()) {
      if (!banded) {
        if (whole[i].empty()) whole[i] = inputs[i].read(0, 0, 0);  // a region run measuring the sample's statistics
        prep.scan(whole[i]);
        continue;
      }
      const std::int64_t n = inputs[i].shape.at(axis_position(axes, axis)), step = statistics_band_length(inputs[i].shape, n);
      for (std::int64_t b = 0; b < n; b += step) prep.scan(inputs[i].read(axis, b, std::min(n, b + step)));
    }
  }
  if (region) whole = std::vector<Tensor>(inputs.size());  // a region's tiles are cut from what they read together
  t.preprocess_s = seconds_since(t0);

  // 2. Tiles, a row at a time, all at once, or those of the region, and 3. results.
  t0 = Clock::now();
  double postprocess_s = 0;
  // Per input and tiled axis: its size over the first input's (its tiles and sizes are the first's times this).
  std::vector<std::vector<double>> ratio(inputs.size());
  std::vector<std::vector<std::int64_t>> input_sizes(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    for (std::size_t k = 0; k < plan.axes.size(); ++k) {
      ratio[i].push_back(predictor.input_ratio(i, plan.axes[k]));
      input_sizes[i].push_back(scaled(sizes[k], ratio[i][k]));
    }
  const auto scaled_box = [&](Box box, std::size_t i) {
    for (std::size_t k = 0; k < plan.axes.size(); ++k)
      box.begin[k] = scaled(box.begin[k], ratio[i][k]), box.end[k] = scaled(box.end[k], ratio[i][k]);
    return box;
  };
  const bool per_band = postprocessing_per_band(spec);
  std::vector<Tensor> held(spec.outputs.size());  // whole outputs, when postprocessing needs them whole
  std::int64_t inspected = 0;                      // in bands: rows [0, inspected) were inspected
  const std::vector<std::span<const tiling::Tile>> rows =
      region ? std::vector<std::span<const tiling::Tile>>{region_tiles} : tile_rows(plan, in_bands);
  for (const std::span<const tiling::Tile> row : rows) {
    // What the row's tiles are cut from, per input: a band of rows, a region's reads, or the whole sample.
    std::vector<Tensor> band(inputs.size());
    std::vector<std::int64_t> origin(plan.axes.size(), 0), extent = sizes;
    std::vector<std::int64_t> offset(plan.axes.size(), 0);  // where band[i] starts, in the first input's padded coordinates
    if (region) {
      const Box reads = hull(row, [](const tiling::Tile& tile) -> const Box& { return tile.read; });
      const Box writes = hull(row, [](const tiling::Tile& tile) -> const Box& { return tile.write; });
      offset = reads.begin, origin = writes.begin, extent = writes.shape();
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!given(i)) continue;
        const Box box = scaled_box(reads, i);
        band[i] = read_padded_box(inputs[i], spec.inputs[i].axes_string(), plan.axes, box, o.pad);
        if (inputs[i].inspect) {  // the pixels of the sample it holds, each once
          Box inside = box;
          for (std::size_t k = 0; k < plan.axes.size(); ++k)
            inside.begin[k] = std::max<std::int64_t>(0, box.begin[k]) - box.begin[k],
            inside.end[k] = std::min(input_sizes[i][k], box.end[k]) - box.begin[k];
          inputs[i].inspect(tiling::read_padded(band[i], plan.axes, inside, o.pad));
        }
      }
    } else if (in_bands) {
      const tiling::Tile& first = row.front();
      offset[0] = first.read.begin[0];
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!given(i)) continue;
        const double r = ratio[i][0];
        band[i] = read_padded_box(inputs[i], spec.inputs[i].axes_string(), std::string(1, axis),
                                  Box{{scaled(first.read.begin[0], r)}, {scaled(first.read.end[0], r)}}, o.pad);
        // Rows of the sample this band holds that no earlier band did (bands go top to bottom).
        const std::int64_t from = std::max(inspected, std::max<std::int64_t>(0, offset[0]));
        const std::int64_t to = std::min(sizes[0], first.read.end[0]);
        if (inputs[i].inspect && to > from)
          inputs[i].inspect(tiling::read_padded(band[i], std::string(1, axis),
                                                Box{{scaled(from - offset[0], r)}, {scaled(to - offset[0], r)}}, o.pad));
      }
      inspected = std::max(inspected, std::min(sizes[0], first.read.end[0]));
      origin[0] = first.write.begin[0];
      extent[0] = first.write.end[0] - first.write.begin[0];
    }
    const auto read_tile = [&](const tiling::Tile& tile) {
      std::vector<Tensor> ready;
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!given(i)) {
          ready.emplace_back();
          continue;
        }
        Box box = tile.read;  // in this input's pixels, from where band[i] starts
        for (std::size_t k = 0; k < plan.axes.size(); ++k)
          box.begin[k] = scaled(box.begin[k] - offset[k], ratio[i][k]), box.end[k] = scaled(box.end[k] - offset[k], ratio[i][k]);
        const Tensor raw = tiling::read_padded(region || in_bands ? band[i] : whole[i], plan.axes, box, o.pad);
        Tensor in = preprocessing[i].apply(raw).converted(spec.inputs[i].data_type);
        if (o.pad == tiling::PadMode::zeros) zero_outside(in, plan.axes, scaled_box(tile.read, i), input_sizes[i]);
        ready.push_back(std::move(in));
      }
      return ready;
    };
    std::vector<Tensor> outputs = predictor.run_tiles(plan, row, origin, extent, read_tile, o.after_tile, t.engine_s);
    band.clear();

    const auto p0 = Clock::now();
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      const ops::OpContext context{.tensors = {}, .tensor_id = spec.outputs[k].id, .dataset = o.dataset};
      if (region) {
        // The region's pixels of the stitched tiles, over the tiled axes this output has (its scale
        // applied: regions that partition the image partition the output).
        std::string box_axes;
        Box box, crop;
        for (std::size_t j = 0; j < plan.axes.size(); ++j) {
          const char a = plan.axes[j];
          if (!spec.outputs[k].axis(a)) continue;
          const std::int64_t at = predictor.output_size(k, a, origin[j]);
          box_axes += a;
          box.begin.push_back(predictor.output_size(k, a, o.region->begin[j]));
          box.end.push_back(predictor.output_size(k, a, o.region->end[j]));
          crop.begin.push_back(box.begin.back() - at), crop.end.push_back(box.end.back() - at);
        }
        const Tensor values = ops::apply_postprocessing(tiling::read_padded(outputs[k], box_axes, crop, tiling::PadMode::zeros),
                                                        spec.outputs[k], context);
        emit({.output = k, .axis = 0, .begin = 0, .full = 0, .values = values, .box_axes = box_axes, .box = box});
        continue;
      }
      const std::int64_t begin = in_bands ? predictor.output_size(k, axis, origin[0]) : 0;
      const std::int64_t full = in_bands ? predictor.output_size(k, axis, sizes[0]) : 0;
      if (per_band) {
        const Tensor values = ops::apply_postprocessing(std::move(outputs[k]), spec.outputs[k], context);
        emit({.output = k, .axis = in_bands ? axis : '\0', .begin = begin, .full = full, .values = values});
      } else if (!in_bands) {
        held[k] = std::move(outputs[k]);
      } else {
        const std::int64_t length = outputs[k].size(axis);
        if (held[k].empty()) {
          Shape shape = outputs[k].shape();
          shape[axis_position(outputs[k].axes(), axis)] = full;
          held[k] = Tensor(outputs[k].dtype(), shape, outputs[k].axes());
        }
        tiling::write_box(held[k], std::string(1, axis), Box{{begin}, {begin + length}}, outputs[k], Box{{0}, {length}});
      }
    }
    postprocess_s += seconds_since(p0);
  }
  t.inference_s = seconds_since(t0) - postprocess_s;

  if (!per_band) {
    const auto p0 = Clock::now();
    // Reference tensors of postprocessing: the preprocessed inputs and the raw outputs.
    ops::OpContext context;
    std::vector<Tensor> prepared(inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!whole[i].empty()) prepared[i] = preprocessing[i].apply(whole[i]);
      context.tensors[spec.inputs[i].id] = &prepared[i];
    }
    for (std::size_t k = 0; k < held.size(); ++k) context.tensors[spec.outputs[k].id] = &held[k];
    context.dataset = o.dataset;
    for (std::size_t k = 0; k < held.size(); ++k) {
      context.tensor_id = spec.outputs[k].id;
      const Tensor values = ops::apply_postprocessing(held[k], spec.outputs[k], context);
      emit({.output = k, .axis = 0, .begin = 0, .full = 0, .values = values});
    }
    postprocess_s += seconds_since(p0);
  }
  t.postprocess_s = postprocess_s;
  return t;
}

}  // namespace

std::vector<tiling::Tile> tiles_meeting(const tiling::TilePlan& plan, const Box& region) {
  std::vector<tiling::Tile> tiles;
  for (const tiling::Tile& t : plan.tiles)
    if (meets(t.write, region)) tiles.push_back(t);
  return tiles;
}

void zero_outside(Tensor& tile, const std::string& box_axes, const Box& read, const std::vector<std::int64_t>& sizes) {
  for (std::size_t k = 0; k < box_axes.size(); ++k) {
    const std::string along(1, box_axes[k]);
    const auto zero = [&](std::int64_t from, std::int64_t to) {  // tile coordinates
      if (to <= from) return;
      Shape shape = tile.shape();
      shape[axis_position(tile.axes(), box_axes[k])] = to - from;
      const Tensor zeros(tile.dtype(), shape, tile.axes());
      tiling::write_box(tile, along, Box{{from}, {to}}, zeros, Box{{0}, {to - from}});
    };
    const std::int64_t length = read.extent(k);
    zero(0, std::min(length, -read.begin[k]));
    zero(std::max<std::int64_t>(0, sizes[k] - read.begin[k]), length);
  }
}

std::int64_t statistics_band_length(const Shape& shape, std::int64_t length) {
  constexpr std::int64_t kBandBytes = std::int64_t{64} << 20;
  const std::int64_t row_bytes = 4 * std::max<std::int64_t>(1, element_count(shape) / std::max<std::int64_t>(1, length));
  return std::max<std::int64_t>(1, kBandBytes / row_bytes);
}

PredictionStats run_slice(Predictor& predictor, const std::vector<SliceInput>& inputs, SliceRunOptions& options,
                          const std::function<void(const OutputBand&)>& emit) {
  int retries = 0;
  for (;;) {
    bool emitted = false;
    try {
      PredictionStats stats = run_slice_once(predictor, inputs, options, emit, emitted);
      stats.smaller_tile_retries = retries;
      return stats;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::out_of_memory) throw;
      // A region keeps the whole image's tile grid, or it would not join the other regions bit for bit.
      if (options.region)
        throw Error(ErrorCode::out_of_memory, std::string(e.what()) + ", running part of the image with tiles of " +
                                                  shape_to_string(options.plan.tile_shape) + ", which it does not make smaller (every "
                                                  "part must use the same tiles); give every part a smaller --tile");
      // Parts already handed out cannot be taken back (an output file takes each pixel once).
      if (emitted)
        throw Error(ErrorCode::out_of_memory, std::string(e.what()) + ", after part of the image was written; run it again "
                                                  "with a smaller --tile or --memory");
      // Tiles are independent, so the same sample cut into smaller tiles gives the same result.
      if (!tiling::shrink_tiles(options.axes, options.plan.tile_shape))
        throw Error(ErrorCode::out_of_memory, std::string(e.what()) + ", even with the smallest tiles this model allows (" +
                                                  shape_to_string(options.plan.tile_shape) + "); free memory or use a machine with more");
      options.plan = tiling::plan_tiles(options.axes);
      ++retries;
    }
  }
}

bool postprocessing_per_band(const ModelSpec& spec) {
  return std::all_of(spec.outputs.begin(), spec.outputs.end(), [](const TensorSpec& out) {
    const std::string axes = out.axes_string();
    return !refers_to_a_tensor(out.postprocessing) &&
           ops::PreparedOps(without_per_dataset(out.postprocessing), axes, Shape(axes.size(), 1)).pointwise();
  });
}

std::string why_not_in_bands(const ModelSpec& spec, const std::string& tiled_axes, const std::vector<Shape>& shapes) {
  if (tiled_axes.empty()) return "the model has no spatial axis to cut it along";
  const char axis = tiled_axes[0];
  const std::string along = "\"" + std::string(1, axis) + "\"";
  for (const TensorSpec& out : spec.outputs) {
    if (!out.axis(axis)) return "output \"" + out.id + "\" has no " + along + " axis";
    if (refers_to_a_tensor(out.postprocessing)) return "the postprocessing of output \"" + out.id + "\" refers to another tensor";
  }
  // Statistics of a referenced input come from passes over its bands (run_slice); here only the
  // kept axes matter.
  ops::OpContext any_reference;
  any_reference.reference_statistics = [](const std::string&, const std::string&, std::int64_t count, const ops::WantedStatistics&) {
    return std::vector<ops::GroupStatistics>(static_cast<std::size_t>(count));
  };
  for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
    const TensorSpec& in = spec.inputs[i];
    if (shapes.at(i).empty()) continue;  // an optional input left out
    for (const OpSpec& op : in.preprocessing)
      if (const nlohmann::json kwargs = kwargs_of(op); kwargs.contains("reference_tensor") && !spec.input(kwargs.value("reference_tensor", "")))
        return "the preprocessing of input \"" + in.id + "\" refers to a tensor that is not an input";
    const std::string kept =
        ops::PreparedOps(without_per_dataset(in.preprocessing), in.axes_string(), shapes.at(i), any_reference).kept_axes();
    if (kept.find(axis) != std::string::npos)
      return "the preprocessing of input \"" + in.id + "\" keeps statistics separate along " + along;
  }
  return {};
}

}  // namespace deepimage::run
