#include "objects/fill_holes.hpp"

namespace deepimage::objects {

void fill_holes(std::vector<std::uint8_t>& mask, const Grid& g) {
  // Flood the background from every border pixel; what the flood does not reach is a hole.
  std::vector<std::uint8_t> outside(mask.size(), 0);
  std::vector<std::int64_t> queue;
  const auto seed = [&](std::int64_t z, std::int64_t y, std::int64_t x) {
    const std::int64_t i = (z * g.height + y) * g.width + x;
    if (mask[static_cast<std::size_t>(i)] || outside[static_cast<std::size_t>(i)]) return;
    outside[static_cast<std::size_t>(i)] = 1;
    queue.push_back(i);
  };
  for (std::int64_t z = 0; z < g.depth; ++z)
    for (std::int64_t y = 0; y < g.height; ++y)
      for (std::int64_t x = 0; x < g.width; ++x) {
        const bool border = y == 0 || x == 0 || y == g.height - 1 || x == g.width - 1 ||
                            (g.depth > 1 && (z == 0 || z == g.depth - 1));
        if (border) seed(z, y, x);
      }
  const std::vector<Offset> axes = neighbour_offsets(g, 1);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::int64_t i = queue[head];
    const std::int64_t x = i % g.width, y = (i / g.width) % g.height, z = i / (g.width * g.height);
    for_each_neighbour(g, axes, z, y, x, [&](std::int64_t n) {
      if (mask[static_cast<std::size_t>(n)] || outside[static_cast<std::size_t>(n)]) return;
      outside[static_cast<std::size_t>(n)] = 1;
      queue.push_back(n);
    });
  }
  for (std::size_t i = 0; i < mask.size(); ++i)
    if (!outside[i]) mask[i] = 1;
}

}  // namespace deepimage::objects
