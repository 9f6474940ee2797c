// Matrix products: MatMul (numpy matmul: 1-d operands promoted, batch dimensions broadcast) and Gemm
// (Y = alpha * A' * B' + beta * C with A' = A or its transpose per transA, likewise B; C broadcasts to
// the result). Float32/float64 (int32/int64 for MatMul); products accumulate in double.
#pragma once

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_matmul(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_gemm(const Node& node, const std::vector<const Value*>& inputs);

std::vector<Tensor> matmul_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> gemm_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
