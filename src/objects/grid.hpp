// Grid — the shape of one plane (depth 1) or volume that objects are found in, and the neighbours of
// a pixel in it.
//
//   Grid g{.depth = 1, .height = 512, .width = 512};
//   for (const Offset& o : neighbour_offsets(g, 2)) ...   // 8 neighbours: connectivity 2 in 2D
//
// Connectivity follows scikit-image: the number of axes a neighbour may differ along, 1..rank. In 2D
// 1 is 4-connected and 2 is 8-connected; in 3D 1, 2, 3 are 6-, 18- and 26-connected.
#pragma once

#include <cstdint>
#include <vector>

namespace deepimage::objects {

struct Grid {
  std::int64_t depth = 1, height = 1, width = 1;
  std::int64_t size() const { return depth * height * width; }
  int rank() const { return depth > 1 ? 3 : 2; }
};

struct Offset {
  int dz, dy, dx;
};

// Every neighbour offset of `connectivity` (clamped to 1..rank), in raster order (z, then y, then x).
std::vector<Offset> neighbour_offsets(const Grid& grid, int connectivity);
// Those of them that come before the pixel in raster order: what a forward scan has already visited.
std::vector<Offset> preceding_offsets(const Grid& grid, int connectivity);

// Calls f(neighbour index) for each offset that stays inside the grid, from the pixel at (z, y, x).
template <class F>
void for_each_neighbour(const Grid& g, const std::vector<Offset>& offsets, std::int64_t z, std::int64_t y, std::int64_t x, F&& f) {
  for (const Offset& o : offsets) {
    const std::int64_t nz = z + o.dz, ny = y + o.dy, nx = x + o.dx;
    if (nz < 0 || ny < 0 || nx < 0 || nz >= g.depth || ny >= g.height || nx >= g.width) continue;
    f((nz * g.height + ny) * g.width + nx);
  }
}

}  // namespace deepimage::objects
