// Reading a node's operands inside shape inference and reference kernels: constant integer lists
// (Reshape's shape, Slice's starts, Squeeze's axes, ...), dtype checks, and the checks both share.
//
//   const auto shape = int64_operand(node, inputs, 1, "shape");   // {1, -1, 64}
//   require_dtype(node, "X", x, {DType::f32, DType::i64});
//
// Operand inputs must be constant once specialize() has folded them (graph.hpp); the error says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "engine/graph/graph.hpp"
#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

// The integers of an int64 or int32 tensor, in C order.
std::vector<std::int64_t> int64_values(const Node& node, const Tensor& t, const char* what);

// Input `index` of a node as constant integers, for shape inference; nullopt when the input is omitted.
// Throws Error(bad_model) naming the node when it is present but not constant.
std::optional<std::vector<std::int64_t>> int64_operand(const Node& node, const std::vector<const Value*>& inputs,
                                                       std::size_t index, const char* what);
// The same for a reference kernel's tensors.
std::optional<std::vector<std::int64_t>> int64_operand(const Node& node, const std::vector<const Tensor*>& inputs,
                                                       std::size_t index, const char* what);

// Throws Error(bad_model) naming the node when fewer than `min` or more than `max` inputs are given, or
// when a required one (index < min) is omitted.
void require_input_count(const Node& node, std::size_t given_count, std::size_t min, std::size_t max);
void require_inputs(const Node& node, const std::vector<const Value*>& inputs, std::size_t min, std::size_t max);

// Throws Error(bad_model) naming the node and input when `dtype` is not one of `allowed`.
void require_dtype(const Node& node, const char* what, DType dtype, std::initializer_list<DType> allowed);

// Every axis of `axes` normalised against `rank` (negative ones count from the end); a repeated axis
// throws Error(bad_model).
std::vector<int> normalize_axes(const std::vector<std::int64_t>& axes, std::size_t rank, const Node& node);

}  // namespace deepimage::engine::graph
