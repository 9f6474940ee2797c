#include "objects/segment.hpp"

#include "deepimage/error.hpp"
#include "objects/fill_holes.hpp"
#include "objects/size_filter.hpp"
#include "objects/split_touching.hpp"

namespace deepimage::objects {

int connectivity_steps(int neighbours, int rank) {
  if (neighbours == 0) return rank;
  if (rank == 2 && (neighbours == 4 || neighbours == 8)) return neighbours == 4 ? 1 : 2;
  if (rank == 3 && (neighbours == 6 || neighbours == 18 || neighbours == 26)) return neighbours == 6 ? 1 : neighbours == 18 ? 2 : 3;
  throw Error(ErrorCode::invalid_argument, "connectivity " + std::to_string(neighbours) + " does not apply to " +
                                               std::to_string(rank) + "D objects (expected " +
                                               (rank == 2 ? "4 or 8" : "6, 18 or 26") + ")");
}

Labels segment(std::span<const float> values, const Grid& grid, double threshold, const ObjectRules& rules,
               std::array<double, 3> spacing) {
  const int steps = connectivity_steps(rules.connectivity, grid.rank());
  std::vector<std::uint8_t> mask(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) mask[i] = static_cast<double>(values[i]) > threshold ? 1 : 0;
  if (rules.fill_holes) fill_holes(mask, grid);
  Labels labels = rules.split ? split_touching(mask, grid, rules.split_depth, steps, spacing) : label_components(mask, grid, steps);
  filter_by_size(labels, rules.min_size, rules.max_size);
  return labels;
}

}  // namespace deepimage::objects
