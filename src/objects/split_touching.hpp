// Splitting touching objects: a seeded watershed on the distance transform, the classic way to cut
// clustered nuclei apart (the seed's Figure 1B; ImageJ's Process > Binary > Watershed does the same).
//
//   distance   the Euclidean distance of each foreground pixel to the background (distance_transform)
//   seeds      the h-maxima of the distance: peaks that rise at least `h` above every path to a higher
//              peak (a neck narrower than the two bodies by h pixels separates them); each connected
//              plateau of them (full connectivity) is one seed
//   flooding   from the seeds, downhill on the distance (lowest -distance first; ties first come, first
//              served), with the objects' connectivity, inside the mask; where two floods meet is the cut
//
// The same steps as scikit-image's `h_maxima` + `label` + `segmentation.watershed(-distance, markers,
// mask=mask,
// connectivity=...)`, which the tests compare against.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "objects/connected_components.hpp"

namespace deepimage::objects {

// The h-maxima of `image` (>= 0 where it matters), as a 0/1 mask: morphological reconstruction by
// dilation of image - h under image, full connectivity; pixels where image - reconstruction >= h.
std::vector<std::uint8_t> h_maxima(std::span<const float> image, const Grid& grid, double h);

// Seeded watershed of `mask` on `-height`: seeds' labels grow downhill to neighbours of `connectivity`
// (1..rank, grid.hpp). Returns the labels renumbered in raster order.
Labels watershed_from_seeds(std::span<const float> height, std::span<const std::uint8_t> mask, const Grid& grid, Labels seeds,
                            int connectivity);

// The whole split: distance transform (with `spacing`, z y x), h-maxima seeds, watershed. `h` is in
// units of `spacing` (pixels when the spacing is 1).
Labels split_touching(std::span<const std::uint8_t> mask, const Grid& grid, double h, int connectivity,
                      std::array<double, 3> spacing = {1.0, 1.0, 1.0});

}  // namespace deepimage::objects
