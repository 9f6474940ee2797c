#include "object_matching.hpp"

#include <map>
#include <utility>

namespace deepimage::testing {

Matching match_objects(const std::vector<std::uint32_t>& predicted, const std::vector<std::uint32_t>& truth) {
  std::map<std::uint32_t, std::size_t> size_p, size_t_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> overlap;
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    if (predicted[i]) ++size_p[predicted[i]];
    if (truth[i]) ++size_t_[truth[i]];
    if (predicted[i] && truth[i]) ++overlap[{predicted[i], truth[i]}];
  }
  Matching m;
  m.predicted = size_p.size(), m.truth = size_t_.size();
  std::size_t agreeing = 0;
  for (std::size_t i = 0; i < predicted.size(); ++i) agreeing += !predicted[i] && !truth[i];
  for (const auto& [pair, both] : overlap) {
    const double uni = static_cast<double>(size_p[pair.first] + size_t_[pair.second] - both);
    if (static_cast<double>(both) / uni > 0.5) ++m.matched, agreeing += both;
  }
  m.agreement = predicted.empty() ? 1.0 : static_cast<double>(agreeing) / static_cast<double>(predicted.size());
  return m;
}

}  // namespace deepimage::testing
