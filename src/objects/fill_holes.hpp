// Hole filling: background that cannot reach the border of the grid becomes foreground, as
// scipy.ndimage.binary_fill_holes does (background connected along axes only: 4 in 2D, 6 in 3D).
#pragma once

#include <cstdint>
#include <vector>

#include "objects/grid.hpp"

namespace deepimage::objects {

void fill_holes(std::vector<std::uint8_t>& mask, const Grid& grid);

}  // namespace deepimage::objects
