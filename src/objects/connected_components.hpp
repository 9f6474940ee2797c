// Connected components of a binary mask: each object gets its own label, 1..count, numbered in the
// order a raster scan (z, then y, then x) first meets them, as scikit-image's `measure.label` numbers
// them, so the two label images can be compared pixel for pixel.
//
//   Labels l = label_components(mask, {.height = 512, .width = 512}, 2);   // 8-connected
//   l.count;   l.values[y * 512 + x];   // 0: background
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "objects/grid.hpp"

namespace deepimage::objects {

struct Labels {
  std::vector<std::uint32_t> values;  // one per pixel of the grid, 0 for background
  std::uint32_t count = 0;            // labels are 1..count
};

// `mask`: non-zero for foreground, grid.size() values.
Labels label_components(std::span<const std::uint8_t> mask, const Grid& grid, int connectivity);

// Renumbers `labels` 1..n in raster order of first appearance, dropping labels no pixel has.
void relabel_in_raster_order(Labels& labels);

}  // namespace deepimage::objects
