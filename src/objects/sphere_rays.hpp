// The rays of 3D star-convex objects (StarDist 3D, Weigert et al., WACV 2020): N unit directions on a
// sphere and the triangles between them, so that the distances along the rays make a polyhedron.
//
//   SphereRays r = golden_spiral_rays(96, {2.0, 1.0, 1.0});   // z sampled half as densely as y, x
//   r.directions[k];   // (z, y, x), unit length in pixel units
//   r.faces[f];        // three ray indices, counter-clockwise seen from outside
//
// The directions are StarDist's golden spiral: ray k at height h = -1 + 2k/(N-1) on the unit sphere
// and longitude k * pi * (3 - sqrt(5)) (the golden angle), i.e. (h, sqrt(1-h^2) sin, sqrt(1-h^2) cos)
// in (z, y, x); each divided by the anisotropy (the voxel size ratio z:y:x the model was trained with),
// then made unit length again. The faces are the convex hull of the divided points, which tile the
// sphere of directions, seen from the centre, into triangular cones.
#pragma once

#include <array>
#include <vector>

namespace deepimage::objects {

struct SphereRays {
  std::vector<std::array<double, 3>> directions;  // (z, y, x)
  std::vector<std::array<int, 3>> faces;
};

// n >= 4; anisotropy: three positive numbers (1, 1, 1 for isotropic voxels).
SphereRays golden_spiral_rays(int n, std::array<double, 3> anisotropy);

// The faces of the convex hull of `points` (at least 4, not all in one plane; every point on the hull,
// as points on an ellipsoid are), each counter-clockwise seen from outside.
std::vector<std::array<int, 3>> convex_hull_faces(const std::vector<std::array<double, 3>>& points);

}  // namespace deepimage::objects
