// Star-convex objects (StarDist, Schmidt et al., MICCAI 2018): a network predicts for each pixel the
// probability that it lies near an object's centre and the distances from it to the object's boundary
// along N rays at angles 2*pi*k/N (k = 0..N-1; ray k points along (sin, cos) of its angle in (y, x)).
// Each pixel above the probability threshold proposes the polygon of its rays; non-maximum suppression
// keeps the most probable polygons that overlap no kept one by more than `nms` (intersection over
// union); the kept polygons are painted, the most probable last, into a label image.
//
//   Labels l = star_convex_objects(prob, distances, {.height = 512, .width = 512}, 32, 0.5, 0.4);
#pragma once

#include <span>

#include "objects/connected_components.hpp"

namespace deepimage::objects {

// `prob`: grid.size() values (2D grid); `distances`: `rays` planes of grid.size() values, ray-major.
// Labels are renumbered in raster order.
Labels star_convex_objects(std::span<const float> prob, std::span<const float> distances, const Grid& grid, int rays,
                           double threshold, double nms);

}  // namespace deepimage::objects
