// The chunks of a zarr array a box touches, and each one's part of the box: the geometry shared by
// the OME-Zarr source (reads) and sink (writes).
//
//   for_each_chunk(shape, chunks, box, [&](const ChunkPart& p) { ... p.index, p.in_chunk, p.in_box ... });
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/box.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::io {

struct ChunkPart {
  std::vector<std::int64_t> index;  // the chunk's grid position
  Box in_chunk;                     // the overlap, relative to the chunk's origin
  Box in_box;                       // the same overlap, relative to the box's begin
  std::int64_t chunk_valid = 0;     // elements of the chunk inside the array (edge chunks hold fewer)
};

// Calls `part` for every chunk overlapping `box` (inside `shape`, not empty), in C order of the grid.
void for_each_chunk(const Shape& shape, const Shape& chunks, const Box& box, const std::function<void(const ChunkPart&)>& part);

}  // namespace deepimage::io
