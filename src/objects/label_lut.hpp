// The colour table label images are shown with: 256 colours as far apart from each other as a greedy
// search can place them (Glasbey et al., "Colour displays for categorical images", 2007): label 0 black,
// every other label a colour unlike its neighbours in the table, so touching objects with nearby labels
// look different. ImageJ's "glasbey" LUTs are made the same way.
#pragma once

#include <array>
#include <cstdint>

namespace deepimage::objects {

// ImageJ's LUT layout: 256 reds, then 256 greens, then 256 blues.
const std::array<std::uint8_t, 768>& label_lut();

}  // namespace deepimage::objects
