// Object-level agreement of two label images: objects match when their intersection over union
// exceeds 0.5 (at most one partner each, since IoU > 0.5 is unique); F1 = 2 TP / (predicted + true),
// the score of the stardist and cellpose papers at IoU 0.5.
#pragma once

#include <cstdint>
#include <vector>

namespace deepimage::testing {

struct Matching {
  std::size_t matched = 0, predicted = 0, truth = 0;
  // Pixels where both agree whatever the label numbers: background in both, or in a matched pair.
  double agreement = 0;
  double f1() const { return predicted + truth ? 2.0 * static_cast<double>(matched) / static_cast<double>(predicted + truth) : 1.0; }
};

// Labels: 0 background, any positive integer an object (need not be sequential).
Matching match_objects(const std::vector<std::uint32_t>& predicted, const std::vector<std::uint32_t>& truth);

}  // namespace deepimage::testing
