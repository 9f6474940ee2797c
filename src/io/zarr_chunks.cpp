#include "io/zarr_chunks.hpp"

#include <algorithm>

namespace deepimage::io {

void for_each_chunk(const Shape& shape, const Shape& chunks, const Box& box, const std::function<void(const ChunkPart&)>& part) {
  const std::size_t rank = shape.size();
  std::vector<std::int64_t> first(rank), last(rank);
  for (std::size_t d = 0; d < rank; ++d) {
    first[d] = box.begin[d] / chunks[d];
    last[d] = (box.end[d] - 1) / chunks[d];
  }
  ChunkPart p;
  p.index = first;
  p.in_chunk.begin.resize(rank);
  p.in_chunk.end.resize(rank);
  p.in_box = p.in_chunk;
  while (true) {
    p.chunk_valid = 1;
    for (std::size_t d = 0; d < rank; ++d) {
      const std::int64_t origin = p.index[d] * chunks[d];
      const std::int64_t begin = std::max(box.begin[d], origin), end = std::min(box.end[d], origin + chunks[d]);
      p.in_chunk.begin[d] = begin - origin;
      p.in_chunk.end[d] = end - origin;
      p.in_box.begin[d] = begin - box.begin[d];
      p.in_box.end[d] = end - box.begin[d];
      p.chunk_valid *= std::min(chunks[d], shape[d] - origin);
    }
    part(p);
    std::size_t d = rank;  // odometer: the last axis fastest
    while (d > 0 && p.index[d - 1] == last[d - 1]) {
      p.index[d - 1] = first[d - 1];
      --d;
    }
    if (d == 0) return;
    ++p.index[d - 1];
  }
}

}  // namespace deepimage::io
