// The engine's memory per tile (memory_plan.hpp), measured once per model and kept on disk, so that
// only the first run of a model pays the two probe forwards.
//
//   TileMemory m = cached_tile_memory(predictor, axes, slice_shapes, options);
//
// The key holds everything the measurement depends on: the weights (their sha256, else path, size and
// modification time), the engine library, deepimage's version, precision, threads, and the sample's
// shape on the untiled axes (channels; the probe tiles follow from the model's size rules). Entries live
// in $DEEPIMAGE_CACHE_DIR, else $XDG_CACHE_HOME/deepimage, else ~/.cache/deepimage, under tile-memory/,
// one small JSON file each, written through a temporary file. A cache that cannot be read or written is
// ignored: the probe runs, as without a cache.
#pragma once

#include <filesystem>
#include <vector>

#include "deepimage/run.hpp"
#include "run/memory_plan.hpp"

namespace deepimage::run {

TileMemory cached_tile_memory(Predictor& predictor, const std::vector<tiling::AxisTiling>& axes,
                              const std::vector<Shape>& slice_shapes, const RunOptions& options);

// The folder of deepimage's caches (created on first write).
std::filesystem::path cache_dir();

}  // namespace deepimage::run
