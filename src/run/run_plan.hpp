// RunPlan — the tile plan of a run within its memory budget, with the prediction recorded in the
// run report (see memory_plan.hpp for the model of the peak).
//
//   std::optional<TileMemory> per_tile;                       // measured once per loaded model
//   TilePlan plan = plan_within_memory(predictor, spec, options, slice_shapes, false, tiling, per_tile, report);
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "deepimage/run.hpp"
#include "run/memory_plan.hpp"
#include "run/predictor.hpp"

namespace deepimage::run {

// options.memory, or 60 % of the memory available now plus what the process holds.
std::uint64_t memory_budget(const RunOptions& options);

// Chooses the tile for the budget (the whole image when it fits, else the largest tile that fits),
// sets it in `tiling_options` and records the prediction in `report`. Throws when a budget the user
// set cannot be met. `unread_bytes`: image data to be read before the run (counted as resident).
// With `fits` given, a budget that cannot be met is reported there instead (and the plan is empty).
tiling::TilePlan plan_within_memory(Predictor& predictor, const ModelSpec& spec, const RunOptions& options,
                                    const std::vector<Shape>& slice_shapes, bool results_streamed, TilingOptions& tiling_options,
                                    std::optional<TileMemory>& tile_memory, RunReport& report, std::uint64_t unread_bytes = 0,
                                    bool* fits = nullptr);

// The same for a plane read in rows (plane_stream.hpp): the largest tile whose row buffers and engine
// peak fit.
tiling::TilePlan plan_streamed_plane(Predictor& predictor, const RunOptions& options, const Shape& model_shape, DType raw,
                                     TilingOptions& tiling_options, const TileMemory& tile_memory, RunReport& report);

}  // namespace deepimage::run
