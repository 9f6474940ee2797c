// Operators that move elements: Concat, Transpose, Slice (ONNX clamping, negative steps), Gather
// (int64/int32 indices, negative indices count from the end) and Tile (repeats per axis). Any element type.
#pragma once

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_concat(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_transpose(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_slice(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_gather(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_tile(const Node& node, const std::vector<const Value*>& inputs);

std::vector<Tensor> concat_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> transpose_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> slice_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> gather_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> tile_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
