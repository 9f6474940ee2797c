// MemoryPlan — a run's peak memory, predicted before it runs, and the largest tile that fits a budget.
//
//   TileMemory per_tile = measure_tile_memory(predictor, axes, slice_shapes);  // two probe runs on zeros
//   if (!largest_tile_within(budget, axes, per_tile, slice)) ...               // sets axes[k].tile
//   MemoryEstimate e = estimate_memory(per_tile, slice, current_rss_bytes(), plan);
//
// The peak of a run is modelled as three parts:
//   resident  what the process holds when planning: libraries, model weights;
//   buffers   the sample's copies (slice_run.hpp): read whole, the raw sample, the stitched output
//             and its postprocessed copy; read in bands, the rows one row of tiles reads (as read,
//             gathered, and copied for the NaN check), that row's output band, its postprocessed
//             copy and its copy on the way to the file, plus the whole output and its copy when
//             postprocessing needs whole outputs; what the output files hold until they can write
//             it (OME-Zarr: a partly filled chunk row per pyramid level). Results are written as
//             they come, never held across slices. No preprocessed copy of the sample exists: tiles
//             are preprocessed one at a time;
//   tile      the engine's own peak for one tile: fixed + per-pixel, a straight line fitted to the
//             peak RSS of two probe runs of different sizes (one for a fixed-size model).
// A probe measures the process's high-water mark above the RSS before the first probe, so memory the
// allocator keeps from a larger earlier run cannot hide in it (probes go small to large).
#pragma once

#include <cstdint>
#include <vector>

#include "deepimage/tensor.hpp"
#include "run/predictor.hpp"
#include "tiling/tile_plan.hpp"

namespace deepimage::run {

struct TileMemory {
  double fixed_bytes = 0;              // engine peak of a tile above the resident memory: fixed part
  double bytes_per_pixel = 0;          // ... and per input pixel of the tile (tiled axes only)
  double output_values_per_pixel = 0;  // output values (all outputs and channels) per input pixel
  bool measured = false;               // false where the kernel gives no peak RSS to measure with

  std::uint64_t tile_bytes(std::int64_t tile_pixels) const;
};

// One sample (slice) of the image as the model sees it, and how it is read.
struct SliceSize {
  std::int64_t input_values = 0;        // all inputs, all channels
  std::int64_t pixels = 0;              // of the first input, over the tiled axes
  std::int64_t bytes_per_value = 4;     // of the inputs as read (1 for uint8)
  std::int64_t band_axis_size = 0;      // > 0: read in bands along the first tiled axis, this long
  bool outputs_held = false;            // in bands: whole outputs are held for their postprocessing
  std::int64_t writer_pixels = 0;       // pixels of every output channel the output files hold until they can
                                        // write them: OME-Zarr's partly filled chunk rows (ome_zarr_values_held)
};

struct MemoryEstimate {
  std::uint64_t resident = 0, buffers = 0, tile = 0;
  std::uint64_t total() const { return resident + buffers + tile; }
};

// Runs the engine on zero-filled inputs shaped like `slice_shapes` with the tiled axes set to probe
// sizes, and fits the tile line. `axes` as from Predictor::axis_tilings.
TileMemory measure_tile_memory(Predictor& predictor, const std::vector<tiling::AxisTiling>& axes,
                               const std::vector<Shape>& slice_shapes);

MemoryEstimate estimate_memory(const TileMemory& per_tile, const SliceSize& slice, std::uint64_t resident,
                               const std::vector<std::int64_t>& tile_shape);

// Keeps the plan of `axes` when it fits `budget`; otherwise forces the largest tile (the same edge on
// every axis that may change, capped at the whole-image size) whose estimate fits. Returns false when
// not even the smallest usable tile fits; the axes are then left at that smallest tile.
bool largest_tile_within(std::uint64_t budget, std::vector<tiling::AxisTiling>& axes, const TileMemory& per_tile,
                         const SliceSize& slice, std::uint64_t resident);

}  // namespace deepimage::run
