#include "engine/graph/kernels/broadcast.hpp"

#include <algorithm>

#include "deepimage/error.hpp"

namespace deepimage::engine::graph {

Shape broadcast_shapes(const Node& node, const std::vector<Shape>& shapes) {
  std::size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const auto& s : shapes) {
    const std::size_t lead = rank - s.size();
    for (std::size_t d = 0; d < s.size(); ++d) {
      auto& o = out[lead + d];
      if (s[d] == o || s[d] == 1) continue;
      if (o != 1) {
        std::string all;
        for (const auto& t : shapes) all += (all.empty() ? "" : " and ") + shape_to_string(t);
        throw Error(ErrorCode::bad_model, node.describe() + ": shapes " + all + " do not broadcast");
      }
      o = s[d];
    }
  }
  return out;
}

BroadcastWalk::BroadcastWalk(const Shape& out, const std::vector<Shape>& operands)
    : out_(out), index_(out.size(), 0), offsets_(operands.size(), 0) {
  for (const auto& s : operands) {
    const auto own = strides_of(s);
    std::vector<std::int64_t> strides(out.size(), 0);
    const std::size_t lead = out.size() - s.size();
    for (std::size_t d = 0; d < s.size(); ++d) strides[lead + d] = s[d] == 1 ? 0 : own[d];
    strides_.push_back(std::move(strides));
  }
}

void BroadcastWalk::next() {
  for (std::size_t d = out_.size(); d-- > 0;) {
    if (++index_[d] < out_[d]) {
      for (std::size_t k = 0; k < offsets_.size(); ++k) offsets_[k] += strides_[k][d];
      return;
    }
    for (std::size_t k = 0; k < offsets_.size(); ++k) offsets_[k] -= strides_[k][d] * (out_[d] - 1);
    index_[d] = 0;
  }
}

}  // namespace deepimage::engine::graph
