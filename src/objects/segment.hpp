// One plane or volume from values to labelled objects: the steps of ObjectRules in order
// (include/deepimage/objects.hpp): value > threshold, fill holes, connected components or the split of
// touching objects, size filters.
#pragma once

#include <array>
#include <span>

#include "deepimage/objects.hpp"
#include "objects/connected_components.hpp"

namespace deepimage::objects {

// `connectivity` as objects.hpp has it (4, 8, 6, 18, 26 or 0), checked against the grid's rank.
Labels segment(std::span<const float> values, const Grid& grid, double threshold, const ObjectRules& rules,
               std::array<double, 3> spacing = {1.0, 1.0, 1.0});

// 1..rank for neighbour counts 4/8 (2D) and 6/18/26 (3D), rank for 0; invalid_argument otherwise.
int connectivity_steps(int neighbours, int rank);

}  // namespace deepimage::objects
