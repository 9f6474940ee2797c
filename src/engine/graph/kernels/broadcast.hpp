// numpy broadcasting for the reference kernels: the result shape of two or more operands, and a walk
// over the result that yields each operand's element offset.
//
//   Shape out = broadcast_shapes(node, {a.shape(), b.shape()});       // (2, 3, 4) + (3, 1) -> (2, 3, 4)
//   BroadcastWalk walk(out, {a.shape(), b.shape()});
//   for (std::int64_t i = 0; i < n; ++i, walk.next()) y[i] = pa[walk.offset(0)] + pb[walk.offset(1)];
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine::graph {

// The numpy result shape; throws Error(bad_model) naming the node when two sizes differ and neither is 1.
Shape broadcast_shapes(const Node& node, const std::vector<Shape>& shapes);

// Visits the elements of `out` in C order, tracking the matching offset into each operand (an
// operand's size-1 and missing leading dimensions repeat).
class BroadcastWalk {
 public:
  BroadcastWalk(const Shape& out, const std::vector<Shape>& operands);
  std::int64_t offset(std::size_t operand) const { return offsets_[operand]; }
  void next();

 private:
  Shape out_;
  std::vector<std::vector<std::int64_t>> strides_;  // per operand, per output dimension; 0 where it repeats
  std::vector<std::int64_t> index_;
  std::vector<std::int64_t> offsets_;
};

}  // namespace deepimage::engine::graph
