// A bundle's cover: the example input and the model's output side by side, as bioimage.io shows it.
//
//   Tensor rgb = render_cover(input, output);   // "yxc" uint8, 3 channels, 2:1 for square images
//
// Each side is one 2-D plane (first batch/index/time element, middle z; the first channel, or RGB when
// the tensor has exactly 3 channels), contrast-stretched from its 0.5th to its 99.5th percentile, and
// scaled (nearest neighbour) so that its longer side is kCoverPanel pixels; the output is drawn at the
// input's panel size whatever its own size (a 2x super-resolution output fills the same panel).
#pragma once

#include <cstdint>

#include "deepimage/tensor.hpp"

namespace deepimage::build {

inline constexpr std::int64_t kCoverPanel = 256;

Tensor render_cover(const Tensor& input, const Tensor& output);

}  // namespace deepimage::build
