#include "run/shard_run.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>
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

  // Each segment: a region run of run_slice (the tiles whose valid part touches it, read from their
  // padded hull, stitched, cropped), written as it comes.
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
  std::vector<std::size_t> tile_counts;
  for (const Segment& s : segments) tile_counts.push_back(tiles_meeting(plan, s.box).size());
  RunProgress progress(o, start, report.slice_count, std::accumulate(tile_counts.begin(), tile_counts.end(), std::size_t{0}));
  progress.emit();
  SliceRunOptions slice_options{.plan = plan, .axes = axis_tilings, .in_bands = false, .pad = pad,
                                .after_tile = [&] { progress.tile_done(); }, .dataset = file ? &file->dataset : nullptr,
                                .given = given};
  for (std::size_t i = 0; i < segments.size(); ++i) {
    progress.stop_if_cancelled();
    const Segment& s = segments[i];
    double read_s = 0;
    const auto timed = [&read_s](auto read) {
      const auto t0 = Clock::now();
      Tensor part = read();
      read_s += seconds_since(t0);
      return part;
    };
    const SliceInput slice_input{
        .shape = shape,
        .read = [&](char axis, std::int64_t begin, std::int64_t end) { return timed([&] { return in.read(s.sample, axis, begin, end); }); },
        .read_box = [&](const std::string& box_axes, const Box& box) { return timed([&] { return in.read(s.sample, box_axes, box); }); },
        .inspect = {}};
    slice_options.sample = s.sample;
    slice_options.region = s.box;
    const PredictionStats stats = run_slice(predictor, {slice_input}, slice_options, [&](const OutputBand& band) {
      const auto t0 = Clock::now();
      Tensor part = to_image_axes(band.values, in.sample_axes());
      part.reshape(s.written.shape(), info.axes);
      output.write(s.written, part);
      report.write_s += seconds_since(t0);
    });
    // The region's reads happen among its tiles; they count as reading, as they did.
    report.read_s += read_s;
    report.inference_s += stats.inference_s - std::min(read_s, stats.inference_s);
    report.engine_s += stats.engine_s;
    report.preprocess_s += stats.preprocess_s;
    report.postprocess_s += stats.postprocess_s;
    report.tile_count += tile_counts[i];
  }
  report.outputs_written = {o.output.string()};
  progress.finish();
  report.peak_rss_bytes = peak_rss_bytes();
  report.total_s = seconds_since(start);
  return report;
}

}  // namespace deepimage::run
