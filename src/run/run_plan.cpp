#include "run/run_plan.hpp"

#include "deepimage/error.hpp"
#include "deepimage/memory_size.hpp"
#include "run/memory.hpp"
#include "run/plane_stream.hpp"

namespace deepimage::run {
namespace {

void record(RunReport& report, std::uint64_t budget, const MemoryEstimate& e) {
  report.memory_budget_bytes = budget;
  report.predicted_peak_bytes = e.total();
  report.predicted_resident_bytes = e.resident;
  report.predicted_buffers_bytes = e.buffers;
  report.predicted_tile_bytes = e.tile;
}

}  // namespace

std::uint64_t memory_budget(const RunOptions& o) {
  return o.memory ? o.memory
                  : current_rss_bytes() + static_cast<std::uint64_t>(0.6 * static_cast<double>(available_memory_bytes()));
}

tiling::TilePlan plan_streamed_plane(Predictor& predictor, const RunOptions& o, const Shape& model_shape, DType raw,
                                     TilingOptions& tiling_options, const TileMemory& tile_memory, RunReport& report) {
  std::vector<tiling::AxisTiling> axes = predictor.axis_tilings({model_shape}, tiling_options);
  const std::uint64_t resident = current_rss_bytes(), budget = memory_budget(o);
  largest_tile_within(budget, axes, tile_memory, {.input_values = 0, .pixels = 0, .count = 0, .results_held = false}, resident);
  const auto estimate = [&](const std::vector<std::int64_t>& tile) {
    return MemoryEstimate{resident, plane_stream_buffer_bytes(model_shape, raw, tile, tile_memory.output_values_per_pixel),
                               tile_memory.tile_bytes(tile[0] * tile[1])};
  };
  std::vector<std::int64_t> tile = tiling::plan_tile_shape(axes);
  while (estimate(tile).total() > budget && tiling::shrink_tiles(axes, tile)) tile = tiling::plan_tile_shape(axes);
  const MemoryEstimate e = estimate(tile);
  record(report, budget, e);
  if (e.total() > budget && o.memory)
    throw Error(ErrorCode::invalid_argument,
                "a memory budget of " + format_bytes(budget) + " is too small for this image, even read in parts: with tiles of " +
                    shape_to_string(tile) + " the run needs about " + format_bytes(e.total()) + " (" +
                    format_bytes(e.resident) + " already in use, " + format_bytes(e.buffers) + " for rows of the image, " +
                    format_bytes(e.tile) + " per tile)");
  for (const auto& a : axes)
    if (a.tile) tiling_options.tile[a.id] = *a.tile;
  return tiling::plan_tiles(axes);
}

tiling::TilePlan plan_within_memory(Predictor& predictor, const ModelSpec& spec, const RunOptions& o,
                                    const std::vector<Shape>& slice_shapes, bool results_streamed, TilingOptions& tiling_options,
                                    std::optional<TileMemory>& tile_memory, RunReport& report,
                                    std::uint64_t unread_bytes, bool* fits_out) {
  std::vector<tiling::AxisTiling> axes = predictor.axis_tilings(slice_shapes, tiling_options);
  if (!tile_memory) tile_memory = measure_tile_memory(predictor, spec, axes, slice_shapes);
  SliceSize slice{.input_values = 0, .pixels = 1, .count = report.slice_count, .results_held = !results_streamed};
  for (const Shape& s : slice_shapes) slice.input_values += element_count(s);
  for (const auto& a : axes) slice.pixels *= a.image_size;
  const std::uint64_t resident = current_rss_bytes() + unread_bytes;
  const std::uint64_t budget = memory_budget(o);
  const bool fits = largest_tile_within(budget, axes, *tile_memory, slice, resident);
  if (fits_out) *fits_out = fits;
  if (!fits && fits_out) return {};  // the caller goes another way; smallest tiles may be millions
  for (const auto& a : axes)
    if (a.tile) tiling_options.tile[a.id] = *a.tile;
  tiling::TilePlan plan = tiling::plan_tiles(axes);
  const MemoryEstimate e = estimate_memory(*tile_memory, slice, resident, plan.tile_shape);
  record(report, budget, e);
  if (!fits && o.memory)
    throw Error(ErrorCode::invalid_argument,
                "a memory budget of " + format_bytes(budget) + " is too small for this image: even with tiles of " +
                    shape_to_string(plan.tile_shape) + " the run needs about " + format_bytes(e.total()) + " (" +
                    format_bytes(e.resident) + " already in use, " + format_bytes(e.buffers) + " for whole-slice buffers, " +
                    format_bytes(e.tile) + " per tile)");
  return plan;
}

}  // namespace deepimage::run
