// Measurements of each labelled object: size, centroid, bounding box, and the mean, min and max of
// each channel of an intensity image over the object, as scikit-image's `measure.regionprops` gives
// `area`, `centroid`, `bbox`, `intensity_mean/min/max` (here in pixels and pixel indices; the caller
// adds the calibration).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "objects/connected_components.hpp"

namespace deepimage::objects {

struct ObjectMeasurement {
  std::uint32_t label = 0;
  std::uint64_t size = 0;                         // pixels (voxels in 3D)
  std::array<double, 3> centroid{};               // z, y, x in pixels (z is 0 in 2D)
  std::array<std::int64_t, 3> begin{}, end{};     // bounding box z, y, x; end exclusive
  std::vector<double> mean, min, max;             // per intensity channel
};

// `intensity`: `channels` planes of grid.size() values each (channel-major); empty for none.
std::vector<ObjectMeasurement> measure_objects(const Labels& labels, const Grid& grid, std::span<const float> intensity,
                                               std::size_t channels);

}  // namespace deepimage::objects
