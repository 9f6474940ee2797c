#include "objects/grid.hpp"

#include <algorithm>
#include <cstdlib>

namespace deepimage::objects {

std::vector<Offset> neighbour_offsets(const Grid& grid, int connectivity) {
  const int rank = grid.rank();
  connectivity = std::clamp(connectivity, 1, rank);
  const int z_reach = rank == 3 ? 1 : 0;
  std::vector<Offset> offsets;
  for (int dz = -z_reach; dz <= z_reach; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int moved = std::abs(dz) + std::abs(dy) + std::abs(dx);
        if (moved > 0 && moved <= connectivity) offsets.push_back({dz, dy, dx});
      }
  return offsets;
}

std::vector<Offset> preceding_offsets(const Grid& grid, int connectivity) {
  std::vector<Offset> all = neighbour_offsets(grid, connectivity);
  // The first half of a symmetric raster-ordered set is the half that comes earlier in the scan.
  all.resize(all.size() / 2);
  return all;
}

}  // namespace deepimage::objects
