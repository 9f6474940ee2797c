#include "run/shard_run.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include "core/cpu_features.hpp"
#include "deepimage/error.hpp"
#include "engine/bare_model.hpp"
#include "engine/engine.hpp"
#include "io/image.hpp"
#include "model/spec_json.hpp"
#include "ops/op.hpp"
#include "ops/prepared_ops.hpp"
#include "run/axis_mapping.hpp"
#include "run/image_input.hpp"
#include "run/image_statistics.hpp"
#include "run/memory.hpp"
#include "run/output_calibration.hpp"
#include "run/predictor.hpp"
#include "run/run_progress.hpp"
#include "run/shard_output.hpp"
#include "run/shard_spec.hpp"
#include "run/slice_run.hpp"
#include "run/stopwatch.hpp"

namespace deepimage::run {
namespace {

namespace fs = std::filesystem;

// The largest stretch of whole chunk rows run at once: its input rows and stitched output are in memory.
constexpr std::int64_t kSegmentPixels = std::int64_t{16} << 20;

bool intersects(const Box& a, const Box& b) {
  for (std::size_t k = 0; k < a.rank(); ++k)
    if (a.end[k] <= b.begin[k] || b.end[k] <= a.begin[k]) return false;
  return true;
}

void grow(std::optional<Box>& hull, const Box& box) {
  if (!hull) {
    hull = box;
    return;
  }
  for (std::size_t k = 0; k < box.rank(); ++k)
    hull->begin[k] = std::min(hull->begin[k], box.begin[k]), hull->end[k] = std::max(hull->end[k], box.end[k]);
}

// Box `padded` (over `axes`, in the sample's coordinates, reaching outside it) of sample `sample`, padded
// as `pad` says: only the image pixels it maps to are read.
Tensor read_padded_region(const ImageInput& in, std::int64_t sample, const std::string& model_axes, const std::string& axes,
                          const Box& padded, const std::vector<std::int64_t>& sizes, tiling::PadMode pad) {
  Box source{padded.begin, padded.end};
  for (std::size_t k = 0; k < axes.size(); ++k) {
    std::int64_t lo = sizes[k], hi = -1;
    for (std::int64_t r = padded.begin[k]; r < padded.end[k]; ++r)
      if (const std::int64_t s = tiling::source_index(r, sizes[k], pad); s >= 0) lo = std::min(lo, s), hi = std::max(hi, s);
    if (hi < lo) lo = 0, hi = 0;  // `zeros` padding only: one row read, none used
    source.begin[k] = lo, source.end[k] = hi + 1;
  }
  Tensor region = in.read(sample, axes, source);
  for (std::size_t k = 0; k < axes.size(); ++k) {
    if (padded.begin[k] == source.begin[k] && padded.end[k] == source.end[k]) continue;
    Shape shape = region.shape();
    shape[model_axes.find(axes[k])] = padded.extent(k);
    Tensor out(region.dtype(), shape, region.axes());  // zero-filled: what `zeros` padding leaves
    const std::string along(1, axes[k]);
    for (std::int64_t i = 0; i < padded.extent(k); ++i)
      if (const std::int64_t s = tiling::source_index(padded.begin[k] + i, sizes[k], pad); s >= 0)
        tiling::write_box(out, along, Box{{i}, {i + 1}}, region, Box{{s - source.begin[k]}, {s - source.begin[k] + 1}});
    region = std::move(out);
  }
  return region;
}

// One stretch of consecutive units: a sample, and a box over the tiled axes.
struct Segment {
  std::int64_t sample = 0;
  Box box;      // over the plan's axes, input pixels
  Box written;  // over the output's axes
};

}  // namespace

RunReport run_sharded(const RunOptions& o) {
  const auto start = Clock::now();
  const ShardSpec shard = parse_shard(o.shard, [](const char* name) { return std::getenv(name); });
  const tiling::PadMode pad = tiling::pad_mode_from_string(o.pad);
  if (o.plan_only) throw Error(ErrorCode::invalid_argument, "--shard runs its share of the image; --plan plans the whole run: give one of them");
  if (o.pyramid_levels > 1)
    throw Error(ErrorCode::invalid_argument, "--shard writes resolution level 0 only (the lower levels need every shard's chunks); drop "
                                             "--pyramid-levels " + std::to_string(o.pyramid_levels) + " and run `deepimage pyramid " +
                                             o.output.string() + "` when all shards are done");
  if (o.output.empty() || io::writable_format_for(o.output).name != "ome-zarr")
    throw Error(ErrorCode::invalid_argument, "--shard writes OME-Zarr outputs only (each shard writes its own chunks of one array): "
                                             "give -o OUTPUT.ome.zarr" + (o.output.empty() ? std::string() : ", not \"" + o.output.string() + "\""));
  const model::Model model = engine::open_model_or_weights(o.model, {o.input_name, o.output_name});
  const ModelSpec& spec = model.spec;
  if (spec.inputs.size() != 1 || o.inputs.size() != 1 || spec.outputs.size() != 1)
    throw Error(ErrorCode::unsupported, "--shard runs models with one input and one output; \"" + spec.name + "\" has " +
                                            std::to_string(spec.inputs.size()) + " input(s) and " + std::to_string(spec.outputs.size()) + " output(s)");
  for (const auto& in : o.inputs)
    if (fs::exists(o.output) && fs::weakly_canonical(in) == fs::weakly_canonical(o.output))
      throw Error(ErrorCode::invalid_argument, "output \"" + o.output.string() + "\" is the input; choose another output path");
  io::check_output_folder(o.output);
  const TensorSpec& input = spec.inputs[0];
  const std::string axes = input.axes_string();
  const ImageInput in(o.inputs[0], input, o.axes, o.channels);
  const Shape shape = in.sample_shape();
  const StackLoop& loop = in.loop();

  // Statistics: the whole image's, from the file; a shard sees only its part.
  std::optional<StatisticsFile> file;
  if (!o.stats.empty() && fs::exists(o.stats)) file = read_statistics_file(o.stats);
  if (!ops::is_pointwise(input.preprocessing, axes) && !file)
    throw Error(ErrorCode::invalid_argument, "--shard: the preprocessing of input \"" + input.id + "\" needs whole-image statistics, "
                                             "which a shard cannot measure from its part; measure them once with `deepimage stats "
                                             "MODEL IMAGE -o stats.json` and give every shard --stats stats.json" +
                                             (o.stats.empty() ? std::string() : " (\"" + o.stats.string() + "\" does not exist)"));
  for (const OpSpec& op : input.preprocessing)
    if (kwargs_of(op).contains("reference_tensor"))
      throw Error(ErrorCode::unsupported, "--shard: the preprocessing of input \"" + input.id + "\" refers to another tensor");
  const ops::SampleStatistics* given = file && !file->samples.model.empty() ? &file->samples : nullptr;
  if (given) check_statistics_fit(*given, spec, loop, {shape});
  if (!postprocessing_per_band(spec))
    throw Error(ErrorCode::unsupported, "--shard: the postprocessing of output \"" + spec.outputs[0].id +
                                            "\" needs the whole output, which no shard has");

  // The unsharded run's tile grid, independent of the memory budget.
  Predictor predictor(model, engine::choose_weights(model, o.weights), {.threads = o.threads, .precision = o.precision});
  const TilingOptions tiling{.tile = o.tile, .halo = o.halo, .pad = pad, .whole = false, .after_tile = {}};
  const std::vector<tiling::AxisTiling> axis_tilings = predictor.axis_tilings({shape}, tiling);
  for (const tiling::AxisTiling& a : axis_tilings)
    if (a.rule.step > 0 && !a.tile)
      throw Error(ErrorCode::invalid_argument, std::string("--shard: the model's input size along \"") + a.id + "\" is flexible (" +
                                                   a.rule.describe() + "): give --tile, the same to every shard (and to an unsharded "
                                                   "run to compare with), so that every shard cuts the image into the same tiles");
  const tiling::TilePlan plan = tiling::plan_tiles(axis_tilings);
  std::vector<std::int64_t> sizes;
  for (const tiling::AxisTiling& a : axis_tilings) sizes.push_back(a.image_size);
  for (std::size_t k = 0; k < plan.axes.size(); ++k)
    if (!spec.outputs[0].axis(plan.axes[k]) || predictor.output_size(0, plan.axes[k], sizes[k]) != sizes[k])
      throw Error(ErrorCode::unsupported, "--shard: output \"" + spec.outputs[0].id + "\" is not the input's size along \"" +
                                              std::string(1, plan.axes[k]) + "\"; sharded runs need outputs pixel for pixel over the input");

  // The output as the unsharded run makes it: one tile run on zeros tells its channels and type.
  Shape tile_shape = shape;
  for (std::size_t k = 0; k < plan.axes.size(); ++k) tile_shape[axes.find(plan.axes[k])] = plan.tile_shape[k];
  const Shape probed = predictor.probe({tile_shape}).at(0);
  const ops::OpContext post_context{.tensors = {}, .tensor_id = spec.outputs[0].id, .dataset = file ? &file->dataset : nullptr};
  const Tensor example = to_image_axes(
      ops::apply_postprocessing(Tensor(DType::f32, probed, spec.outputs[0].axes_string()), spec.outputs[0], post_context), in.sample_axes());
  io::ImageInfo info{.shape = loop.sizes, .axes = loop.axes + example.axes(), .dtype = example.dtype(),
                     .calibration = output_calibration(in.calibration(), spec.outputs[0])};
  for (std::size_t d = 0; d < example.rank(); ++d) {
    const auto k = plan.axes.find(example.axes()[d]);
    info.shape.push_back(k == std::string::npos ? example.shape()[d] : sizes[k]);
  }
  const ShardOutput output(o.output, info);
  const Shape& chunks = output.chunks();

  // Units: chunk columns, row-major over the loop axes and the tiled axes the output is chunked along.
  std::vector<std::size_t> unit_dims;   // output axes that count units
  std::vector<std::int64_t> unit_counts;
  for (std::size_t d = 0; d < info.axes.size(); ++d) {
    const bool looped = d < loop.axes.size();
    if (!looped && plan.axes.find(info.axes[d]) == std::string::npos) continue;
    if (looped && chunks[d] != 1)
      throw Error(ErrorCode::internal, "\"" + o.output.string() + "\": chunks along \"" + std::string(1, info.axes[d]) + "\" are not 1");
    unit_dims.push_back(d);
    unit_counts.push_back((info.shape[d] + chunks[d] - 1) / chunks[d]);
  }
  const std::int64_t unit_total = element_count(unit_counts);
  const auto [first, last] = shard.units(unit_total);
  std::vector<Segment> segments;
  for (std::int64_t u = first; u < last; ++u) {
    std::vector<std::int64_t> index(unit_counts.size());
    for (std::int64_t rest = u, k = static_cast<std::int64_t>(index.size()) - 1; k >= 0; --k)
      index[static_cast<std::size_t>(k)] = rest % unit_counts[static_cast<std::size_t>(k)], rest /= unit_counts[static_cast<std::size_t>(k)];
    Box written{Shape(info.shape.size(), 0), info.shape};
    for (std::size_t k = 0; k < unit_dims.size(); ++k) {
      const std::size_t d = unit_dims[k];
      written.begin[d] = index[k] * chunks[d];
      written.end[d] = std::min(info.shape[d], written.begin[d] + chunks[d]);
    }
    // The next unit of the same row (all but the last unit axis equal) extends the segment.
    if (!segments.empty() && index.back() > 0) {
      Box& previous = segments.back().written;
      bool same_row = true;
      for (std::size_t d = 0; d + 1 < unit_dims.size(); ++d)
        same_row = same_row && previous.begin[unit_dims[d]] == written.begin[unit_dims[d]];
      if (same_row && previous.end[unit_dims.back()] == written.begin[unit_dims.back()]) {
        previous.end[unit_dims.back()] = written.end[unit_dims.back()];
        continue;
      }
    }
    segments.push_back({.sample = 0, .box = {}, .written = written});
  }
  // Whole chunk rows of one sample run together (up to kSegmentPixels), so that tiles straddling the
  // border of two such rows run once.
  if (unit_dims.size() >= 2) {
    const std::size_t row = unit_dims[unit_dims.size() - 2], column = unit_dims.back();
    const auto whole_rows = [&](const Box& b) { return b.begin[column] == 0 && b.end[column] == info.shape[column]; };
    const auto pixels = [&](const Box& b) { return b.extent(row) * b.extent(column); };
    std::vector<Segment> merged;
    for (Segment& s : segments) {
      if (!merged.empty()) {
        Box& previous = merged.back().written;
        bool same_sample = true;
        for (std::size_t d = 0; d < loop.axes.size(); ++d) same_sample = same_sample && previous.begin[d] == s.written.begin[d];
        if (same_sample && whole_rows(previous) && whole_rows(s.written) && previous.end[row] == s.written.begin[row] &&
            pixels(previous) + pixels(s.written) <= kSegmentPixels) {
          previous.end[row] = s.written.end[row];
          continue;
        }
      }
      merged.push_back(std::move(s));
    }
    segments = std::move(merged);
  }
  for (Segment& s : segments) {
    std::vector<std::int64_t> loop_index;
    for (std::size_t d = 0; d < loop.axes.size(); ++d) loop_index.push_back(s.written.begin[d]);
    for (std::size_t d = 0; d < loop_index.size(); ++d) s.sample = s.sample * loop.sizes[d] + loop_index[d];
    for (std::size_t k = 0; k < plan.axes.size(); ++k) {
      const std::size_t d = info.axes.find(plan.axes[k], loop.axes.size());
      s.box.begin.push_back(s.written.begin[d]), s.box.end.push_back(s.written.end[d]);
    }
  }

  // Each segment: the tiles whose valid part touches it, read from its padded hull, stitched, cropped.
  RunReport report;
  report.model_name = spec.name;
  report.model_path = o.model.string();
  report.weights_format = predictor.weights().format;
  report.weights_sha256 = predictor.weights().sha256;
  report.engine = engine::engine_for_format(predictor.weights().format)->library;
  report.threads = resolved_thread_count(o.threads);
  report.precision = std::string(to_string(o.precision));
  report.pad = o.pad;
  report.inputs = {in.file()};
  report.input_axes = {in.axes()};
  report.input_shapes = {in.shape()};
  report.slice_axes = loop.axes;
  report.slice_count = static_cast<std::size_t>(loop.count());
  report.streamed = true;
  report.tile_axes = plan.axes;
  report.tile_shape = plan.tile_shape;
  report.tile_grid = plan.grid;
  if (!plan.tiles.empty())
    for (std::size_t k = 0; k < plan.axes.size(); ++k) report.halo.push_back(-plan.tiles.front().read.begin[k]);
  std::vector<std::vector<tiling::Tile>> tiles_of(segments.size());
  std::size_t tile_total = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    for (const tiling::Tile& t : plan.tiles)
      if (intersects(t.write, segments[i].box)) tiles_of[i].push_back(t);
    tile_total += tiles_of[i].size();
  }
  RunProgress progress(o, start, report.slice_count, tile_total);
  progress.emit();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    progress.stop_if_cancelled();
    const Segment& s = segments[i];
    const std::vector<tiling::Tile>& tiles = tiles_of[i];
    std::optional<Box> reads, writes;
    for (const tiling::Tile& t : tiles) grow(reads, t.read), grow(writes, t.write);
    auto t0 = Clock::now();
    const Tensor region = read_padded_region(in, s.sample, axes, plan.axes, *reads, sizes, pad);
    report.read_s += seconds_since(t0);
    ops::OpContext context{.tensors = {}, .tensor_id = input.id, .dataset = file ? &file->dataset : nullptr, .given = given,
                           .sample = s.sample};
    const ops::PreparedOps prep(input.preprocessing, axes, shape, context);
    if (!prep.pointwise() && prep.pass_count() > 0)
      throw Error(ErrorCode::internal, "--shard: preprocessing still needs passes over the image with statistics given");
    const auto read_tile = [&](const tiling::Tile& tile) {
      Box box = tile.read;
      for (std::size_t k = 0; k < plan.axes.size(); ++k) box.begin[k] -= reads->begin[k], box.end[k] -= reads->begin[k];
      Tensor ready = prep.apply(tiling::read_padded(region, plan.axes, box, pad)).converted(input.data_type);
      if (pad == tiling::PadMode::zeros) zero_outside(ready, plan.axes, tile.read, sizes);
      return std::vector<Tensor>{std::move(ready)};
    };
    t0 = Clock::now();
    std::vector<Tensor> outputs = predictor.run_tiles(plan, tiles, writes->begin, writes->shape(), read_tile,
                                                      [&] { progress.tile_done(); }, report.engine_s);
    report.inference_s += seconds_since(t0);
    report.tile_count += tiles.size();
    t0 = Clock::now();
    const Tensor image = to_image_axes(ops::apply_postprocessing(std::move(outputs[0]), spec.outputs[0], post_context), in.sample_axes());
    Box crop = s.box;
    for (std::size_t k = 0; k < plan.axes.size(); ++k) crop.begin[k] -= writes->begin[k], crop.end[k] -= writes->begin[k];
    Tensor part = tiling::read_padded(image, plan.axes, crop, pad);
    report.postprocess_s += seconds_since(t0);
    t0 = Clock::now();
    part.reshape(s.written.shape(), info.axes);
    output.write(s.written, part);
    report.write_s += seconds_since(t0);
  }
  report.outputs_written = {o.output.string()};
  progress.finish();
  report.peak_rss_bytes = peak_rss_bytes();
  report.total_s = seconds_since(start);
  return report;
}

}  // namespace deepimage::run
