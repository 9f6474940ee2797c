// Size filters: objects with fewer than `min_size` or more than `max_size` pixels (voxels) go back
// to background; the rest are renumbered 1..n in raster order (scikit-image's remove_small_objects
// followed by relabelling).
#pragma once

#include <cstdint>

#include "objects/connected_components.hpp"

namespace deepimage::objects {

// max_size 0: no upper bound.
void filter_by_size(Labels& labels, std::uint64_t min_size, std::uint64_t max_size);

}  // namespace deepimage::objects
