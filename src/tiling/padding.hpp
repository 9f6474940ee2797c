// Padding as a view: reading a box that reaches outside the image maps each coordinate back inside
// (numpy names), so the whole image is never copied into a padded buffer.
//
//   numpy reflect   (default)  ... 3 2 1 | 0 1 2 3 | 2 1 0 ...   edge pixel not repeated
//   numpy symmetric            ... 2 1 0 | 0 1 2 3 | 3 2 1 ...   edge pixel repeated
//   edge                       ... 0 0 0 | 0 1 2 3 | 3 3 3 ...
//   zeros                      ... 0 0 0 | 0 1 2 3 | 0 0 0 ...
//
//   Tensor tile = read_padded(image, "yx", read_box, PadMode::reflect);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/box.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::tiling {

enum class PadMode { reflect, symmetric, edge, zeros };

PadMode pad_mode_from_string(std::string_view name);  // throws invalid_argument listing the modes
std::string_view to_string(PadMode mode);

// Maps i (any integer) into [0, n) for the mode; returns -1 for `zeros` outside. Repeats the
// reflection as often as needed, so a halo larger than the image still works.
std::int64_t source_index(std::int64_t i, std::int64_t n, PadMode mode);

// A copy of `box` of `image`, where `box_axes` names the axes the box covers (a subset of the image's
// axes); other axes are taken whole. Coordinates outside the image are filled per `mode`.
Tensor read_padded(const Tensor& image, const std::string& box_axes, const Box& box, PadMode mode);

// Copies `from` (a tile result; box `valid` of it, over `box_axes`) into `to` at box `write`.
// Other axes must have equal sizes in both tensors.
void write_box(Tensor& to, const std::string& box_axes, const Box& write, const Tensor& from, const Box& valid);

}  // namespace deepimage::tiling
