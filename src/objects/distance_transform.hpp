// Exact Euclidean distance transform: for each foreground pixel, the distance to the nearest
// background pixel, in units of `spacing` (pixel sizes z, y, x: anisotropic stacks are measured in
// physical units); 0 on background. As scipy.ndimage.distance_transform_edt(mask, sampling): only
// background pixels of the grid count, none are assumed beyond its border.
//
// Felzenszwalb & Huttenlocher's separable algorithm (Theory of Computing 8, 2012): a 1D lower envelope of
// parabolas along x, then y, then z, linear in the pixel count.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "objects/grid.hpp"

namespace deepimage::objects {

// A grid without background gives +infinity everywhere.
std::vector<float> distance_transform(std::span<const std::uint8_t> mask, const Grid& grid,
                                      std::array<double, 3> spacing = {1.0, 1.0, 1.0});

}  // namespace deepimage::objects
