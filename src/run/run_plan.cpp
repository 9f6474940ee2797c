#include "run/run_plan.hpp"

#include "deepimage/error.hpp"
#include "deepimage/memory_size.hpp"
#include "io/image.hpp"
#include "io/zarr_pyramid.hpp"
#include "run/memory.hpp"
#include "run/slice_run.hpp"
#include "run/tile_memory_cache.hpp"

namespace deepimage::run {
namespace {

std::string tiled_axes(const std::vector<tiling::AxisTiling>& axes) {
  std::string ids;
  for (const auto& a : axes) ids += a.id;
  return ids;
}

// Pixels (per output channel) the output files hold until they can write them: an OME-Zarr writer
// keeps a partly filled chunk row of every pyramid level of the sample's y x plane; other formats
// write what comes.
std::int64_t writer_pixels(const std::vector<tiling::AxisTiling>& axes, const std::vector<std::filesystem::path>& outputs,
                           int pyramid_levels) {
  std::int64_t height = 0, width = 0;
  for (const auto& a : axes) {
    if (a.id == 'y') height = a.image_size;
    if (a.id == 'x') width = a.image_size;
  }
  if (height == 0 || width == 0) return 0;
  for (const auto& out : outputs) {
    const io::ImageFormat* format = io::find_format(out);
    if (format && format->name == "ome-zarr")
      return io::ome_zarr_values_held(height, width, io::pyramid_level_count(height, width, pyramid_levels));
  }
  return 0;
}

}  // namespace

std::uint64_t memory_budget(const RunOptions& o) {
  return o.memory ? o.memory
                  : current_rss_bytes() + static_cast<std::uint64_t>(0.6 * static_cast<double>(available_memory_bytes()));
}

RunPlan plan_run(Predictor& predictor, const RunOptions& o, const TilingOptions& tiling, const std::vector<Shape>& slice_shapes,
                 DType raw, std::optional<TileMemory>& tile_memory, const std::vector<std::filesystem::path>& outputs) {
  const ModelSpec& spec = predictor.spec();
  const std::vector<tiling::AxisTiling> axes = predictor.axis_tilings(slice_shapes, tiling);
  if (!tile_memory) tile_memory = cached_tile_memory(predictor, axes, slice_shapes, o);
  SliceSize slice{.input_values = 0, .pixels = 1, .bytes_per_value = static_cast<std::int64_t>(dtype_size(raw)),
                  .band_axis_size = 0, .outputs_held = false, .writer_pixels = writer_pixels(axes, outputs, o.pyramid_levels)};
  for (const Shape& s : slice_shapes)
    if (!s.empty()) slice.input_values += element_count(s);
  for (const auto& a : axes) slice.pixels *= a.image_size;
  const std::uint64_t resident = current_rss_bytes();
  RunPlan plan{.axes = axes, .tiles = {}, .in_bands = false, .budget = memory_budget(o), .estimate = {}};
  const std::string why_not = why_not_in_bands(spec, tiled_axes(axes), slice_shapes);
  if (o.read_in_parts && !why_not.empty())
    throw Error(ErrorCode::unsupported, "--read-in-parts: this model cannot run on parts of the image, because " + why_not);

  bool fits = false;
  if (!o.read_in_parts) {
    fits = largest_tile_within(plan.budget, plan.axes, *tile_memory, slice, resident);
    plan.in_bands = !fits && why_not.empty();
  } else {
    plan.in_bands = true;
  }
  if (plan.in_bands) {
    plan.axes = axes;
    slice.band_axis_size = axes.at(0).image_size;
    slice.outputs_held = !postprocessing_per_band(spec);
    fits = largest_tile_within(plan.budget, plan.axes, *tile_memory, slice, resident);
  }
  plan.tiles = tiling::plan_tiles(plan.axes);
  plan.estimate = estimate_memory(*tile_memory, slice, resident, plan.tiles.tile_shape);
  if (!fits && o.memory)
    throw Error(ErrorCode::invalid_argument,
                "a memory budget of " + format_bytes(plan.budget) + " is too small for this image" +
                    (plan.in_bands ? ", even read in parts" : "") + ": even with tiles of " + shape_to_string(plan.tiles.tile_shape) +
                    " the run needs about " + format_bytes(plan.estimate.total()) + " (" + format_bytes(plan.estimate.resident) +
                    " already in use, " + format_bytes(plan.estimate.buffers) + " for " +
                    (plan.in_bands ? "rows of the image" : "whole-slice buffers") + ", " + format_bytes(plan.estimate.tile) +
                    " per tile)" + (why_not.empty() || plan.in_bands ? "" : "; it cannot be read in parts, because " + why_not));
  return plan;
}

}  // namespace deepimage::run
