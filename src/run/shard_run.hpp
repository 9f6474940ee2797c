// A sharded run: `deepimage run MODEL IMAGE -o OUT.ome.zarr --shard I/N` computes only shard I's share
// of the output's chunks, reading only what its tiles read (chunk + halo), and writes only its chunks
// into the one OME-Zarr output every shard shares (shard_output.hpp); no locks, no coordinator. The
// union of shards 0..N-1, run in any order or at once, is the unsharded run's output bit for bit.
//
// Why bit for bit: every shard uses the unsharded run's tile grid (a pure function of the image size,
// the model's rules, --tile and --halo: never of the memory budget, hence --tile for a flexible model),
// runs every tile whose valid part touches its chunks with the same pixels, padding and statistics
// (the whole image's, from --stats: `deepimage stats`) as the unsharded run, and stitches their valid
// parts as it does; a pixel's value depends only on the tile that writes it. A tile straddling two
// shards' chunks is run by both (the price of independence; docs/scaling.md). The tiles run through
// run_slice, the loop of every run, as a region run (slice_run.hpp) per stretch of units; out of
// memory, a shard stops and asks for a smaller --tile rather than change the grid.
//
// Units of work: the output's chunk columns (one sample of a stack, one chunk along y, one along x,
// every other axis whole), row-major; shard I takes units [I*U/N, (I+1)*U/N). Consecutive units of
// one chunk row run together, and so do whole chunk rows up to 16 Mpixels, so a shard runs a tile
// twice only where it straddles the border of two such stretches.
#pragma once

#include "deepimage/run.hpp"

namespace deepimage::run {

// options.shard set; options.output an OME-Zarr folder. Throws invalid_argument / unsupported with one
// line for what a shard cannot do (a TIFF output, statistics it would have to measure, postprocessing
// of the whole output, several inputs or outputs, a flexible model without --tile).
RunReport run_sharded(const RunOptions& options);

}  // namespace deepimage::run
