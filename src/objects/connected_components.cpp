#include "objects/connected_components.hpp"

#include <limits>
#include <numeric>

#include "deepimage/error.hpp"

namespace deepimage::objects {
namespace {

// Union-find over provisional labels; the smaller root wins, so roots stay the earliest label.
struct Equivalences {
  std::vector<std::uint32_t> parent{0};
  std::uint32_t add() {
    parent.push_back(static_cast<std::uint32_t>(parent.size()));
    return parent.back();
  }
  std::uint32_t root(std::uint32_t a) {
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
  }
  void join(std::uint32_t a, std::uint32_t b) {
    a = root(a), b = root(b);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
  }
};

}  // namespace

Labels label_components(std::span<const std::uint8_t> mask, const Grid& g, int connectivity) {
  if (static_cast<std::int64_t>(mask.size()) != g.size())
    throw Error(ErrorCode::internal, "label_components: mask of " + std::to_string(mask.size()) + " values for a grid of " +
                                         std::to_string(g.size()));
  const std::vector<Offset> before = preceding_offsets(g, connectivity);
  Labels out;
  out.values.assign(mask.size(), 0);
  Equivalences eq;
  // First pass: a provisional label per pixel, from the neighbours already visited.
  for (std::int64_t z = 0, i = 0; z < g.depth; ++z)
    for (std::int64_t y = 0; y < g.height; ++y)
      for (std::int64_t x = 0; x < g.width; ++x, ++i) {
        if (!mask[static_cast<std::size_t>(i)]) continue;
        std::uint32_t mine = 0;
        for_each_neighbour(g, before, z, y, x, [&](std::int64_t n) {
          const std::uint32_t theirs = out.values[static_cast<std::size_t>(n)];
          if (!theirs) return;
          if (!mine) mine = theirs;
          else eq.join(mine, theirs);
        });
        if (!mine) {
          if (eq.parent.size() > std::numeric_limits<std::uint32_t>::max() - 1)
            throw Error(ErrorCode::invalid_argument, "more than 4294967294 objects in one image");
          mine = eq.add();
        }
        out.values[static_cast<std::size_t>(i)] = mine;
      }
  for (auto& v : out.values)
    if (v) v = eq.root(v);
  relabel_in_raster_order(out);
  return out;
}

void relabel_in_raster_order(Labels& labels) {
  std::uint32_t largest = 0;
  for (auto v : labels.values) largest = std::max(largest, v);
  std::vector<std::uint32_t> renumbered(static_cast<std::size_t>(largest) + 1, 0);
  std::uint32_t next = 0;
  for (auto& v : labels.values) {
    if (!v) continue;
    auto& to = renumbered[v];
    if (!to) to = ++next;
    v = to;
  }
  labels.count = next;
}

}  // namespace deepimage::objects
