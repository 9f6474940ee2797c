// RunPlan — how a run will go, decided before it starts, as one value: the tiles, whether samples are
// read whole or in bands of tile rows (slice_run.hpp), and the peak memory predicted for that, within
// the budget (see memory_plan.hpp for the model of the peak).
//
//   std::optional<TileMemory> per_tile;                        // measured once per loaded model
//   RunPlan plan = plan_run(predictor, options, tiling, slice_shapes, DType::u16, per_tile);
//   SliceRunOptions run{.plan = plan.tiles, .axes = plan.axes, .in_bands = plan.in_bands, ...};
//
// A sample is read whole when it fits the budget with some tile; otherwise, or with --read-in-parts,
// in bands of tile rows, when the model allows (why_not_in_bands); the tile is then the largest whose
// band buffers and engine peak fit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "deepimage/run.hpp"
#include "run/memory_plan.hpp"
#include "run/predictor.hpp"

namespace deepimage::run {

struct RunPlan {
  std::vector<tiling::AxisTiling> axes;  // with the chosen tile sizes
  tiling::TilePlan tiles;                // of one sample
  bool in_bands = false;
  std::uint64_t budget = 0;
  MemoryEstimate estimate;
};

// options.memory, or 60 % of the memory available now plus what the process holds.
std::uint64_t memory_budget(const RunOptions& options);

// `slice_shapes`: one sample of each input in model axes; `raw`: the inputs' type as read; `outputs`:
// the files the run writes, for what their writers hold (none: tensors returned in memory). Measures
// the engine's tile memory into `tile_memory` on the first call. Throws when a budget the user set
// cannot be met, or when --read-in-parts asks for bands the model does not allow.
RunPlan plan_run(Predictor& predictor, const RunOptions& options, const TilingOptions& tiling,
                 const std::vector<Shape>& slice_shapes, DType raw, std::optional<TileMemory>& tile_memory,
                 const std::vector<std::filesystem::path>& outputs = {});

}  // namespace deepimage::run
