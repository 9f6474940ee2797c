#include "objects/size_filter.hpp"

namespace deepimage::objects {

void filter_by_size(Labels& labels, std::uint64_t min_size, std::uint64_t max_size) {
  if (min_size <= 1 && max_size == 0) return;
  std::vector<std::uint64_t> sizes(static_cast<std::size_t>(labels.count) + 1, 0);
  for (auto v : labels.values) ++sizes[v];
  for (auto& v : labels.values)
    if (v && (sizes[v] < min_size || (max_size && sizes[v] > max_size))) v = 0;
  relabel_in_raster_order(labels);
}

}  // namespace deepimage::objects
