// The resolution levels of an OME-Zarr image written by deepimage: how many, how large, and how a
// level is made from the one above. The sink (ome_zarr_sink.cpp) builds them while level 0 arrives;
// the memory planner counts what that holds (ome_zarr_values_held).
//
//   int n = pyramid_level_count(40000, 30000, 0);          // 9: down to 157 x 118, one chunk
//   auto half = downsample_chunk(values, chunks, valid, DType::f32);  // 2 x 2 means (integers: top-left)
//
// Each level halves y and x (rounding up: level k+1 of an odd size n has (n + 1) / 2 pixels) and keeps
// every other axis: z is left whole because it is rarely sampled like y and x (its scale differs) and
// because its chunks are one plane, so halving it would hold two planes at once. Values: the mean of
// each 2 x 2 block (of the pixels it has, at an odd edge) for float images, what viewers show for
// intensities; the top-left pixel of each block (numpy's a[::2, ::2]) for integer and boolean images,
// because those are labels and masks whose values must not be blended. A level is made from the level
// above, not from level 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/box.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::io {

constexpr std::int64_t kPyramidChunk = 256;  // chunk edge along y and x, every level

// The levels written for a level 0 of `height` x `width`. `requested`: 0 for as many as it takes to
// fit y and x in one chunk (kPyramidChunk); otherwise at most that many (1: level 0 only), fewer when
// y and x are both down to one pixel.
int pyramid_level_count(std::int64_t height, std::int64_t width, int requested);

// Level k+1's size along y or x from level k's.
inline std::int64_t half_size(std::int64_t n) { return (n + 1) / 2; }

// The part `valid` (from the origin) of a chunk of shape `chunk` (C order, y and x its last two axes,
// values of `dtype`), made half as large along y and x: a dense array of shape `valid` with its last
// two extents halved (rounding up). A chunk starts at a multiple of kPyramidChunk (or is the whole
// level), an even row and column, so the blocks of the chunk are the blocks of the level.
std::vector<std::byte> downsample_chunk(const std::byte* chunk, const Shape& chunk_shape, const Shape& valid, DType dtype);

// Values (per channel and per plane of the other axes) an OME-Zarr sink of this plane size and level
// count holds at most while rows arrive in order: a partly filled chunk row of every level, each as
// wide as its chunks reach (a whole number of chunks).
std::int64_t ome_zarr_values_held(std::int64_t height, std::int64_t width, int levels);

}  // namespace deepimage::io
