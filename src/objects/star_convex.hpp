// Star-convex objects (StarDist: Schmidt et al., MICCAI 2018, in 2D; Weigert et al., WACV 2020, in 3D):
// a network predicts for each pixel the probability that it lies near an object's centre and the
// distances from it to the object's boundary along N rays. In 2D ray k is at angle 2*pi*k/N and points
// along (sin, cos) of it in (y, x); in 3D the rays are directions on a sphere (sphere_rays.hpp).
// Each pixel above the probability threshold proposes the polygon (polyhedron) its rays reach;
// non-maximum suppression keeps the most probable ones that overlap no kept one by more than `nms`
// (the intersection over the smaller one's size, as StarDist measures it); the kept ones are painted,
// the most probable last, into a label image.
//
//   Labels l = star_convex_objects(prob, distances, {.height = 512, .width = 512}, 32, 0.5, 0.4);
//   Labels v = star_convex_polyhedra(prob, distances, {.depth = 31, .height = 61, .width = 57},
//                                    golden_spiral_rays(96, {2, 1, 1}), 0.5, 0.4);
#pragma once

#include <span>

#include "objects/connected_components.hpp"
#include "objects/sphere_rays.hpp"

namespace deepimage::objects {

// `prob`: grid.size() values (a 2D grid); `distances`: `rays` planes of grid.size() values, ray-major.
// Labels are renumbered in raster order.
Labels star_convex_objects(std::span<const float> prob, std::span<const float> distances, const Grid& grid, int rays,
                           double threshold, double nms);

// The same in 3D: `distances` holds rays.directions.size() volumes, ray-major, in pixel units.
Labels star_convex_polyhedra(std::span<const float> prob, std::span<const float> distances, const Grid& grid, const SphereRays& rays,
                             double threshold, double nms);

}  // namespace deepimage::objects
