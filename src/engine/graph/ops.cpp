#include "engine/graph/ops.hpp"

#include "engine/graph/kernels/elementwise.hpp"
#include "engine/graph/kernels/indexing.hpp"
#include "engine/graph/kernels/matmul.hpp"
#include "engine/graph/kernels/reduce.hpp"
#include "engine/graph/kernels/shape_ops.hpp"
#include "engine/graph/kernels/softmax.hpp"
#include "engine/graph/kernels/unary.hpp"
#include "engine/graph/kernels/conv.hpp"
#include "engine/graph/kernels/pool.hpp"

namespace deepimage::engine::graph {
namespace {

// The one list of graph operators. Each entry: canonical name (ops.hpp says its form), shape
// inference, reference kernel. Kernels live one family per file in engine/graph/kernels/.
std::vector<OpDef> register_builtin_graph_ops() {
  return {
      // convolution, pooling, resampling, normalisation, padding
      {"Conv", infer_conv, conv_reference},
      {"MaxPool", infer_max_pool, max_pool_reference},
      {"AveragePool", infer_average_pool, average_pool_reference},
      {"GlobalAveragePool", infer_global_pool, global_average_pool_reference},
      {"GlobalMaxPool", infer_global_pool, global_max_pool_reference},

      // elementwise, shape manipulation, reductions, matrix products
      {"Add", infer_arithmetic, compute_add},
      {"Sub", infer_arithmetic, compute_sub},
      {"Mul", infer_arithmetic, compute_mul},
      {"Div", infer_arithmetic, compute_div},
      {"Pow", infer_arithmetic, compute_pow},
      {"PRelu", infer_prelu, compute_prelu},
      {"Equal", infer_comparison, compute_equal},
      {"Less", infer_comparison, compute_less},
      {"Greater", infer_comparison, compute_greater},
      {"Where", infer_where, compute_where},
      {"Relu", infer_numeric_pointwise, compute_relu},
      {"Sigmoid", infer_float_pointwise, compute_sigmoid},
      {"Tanh", infer_float_pointwise, compute_tanh},
      {"Sqrt", infer_float_pointwise, compute_sqrt},
      {"Exp", infer_float_pointwise, compute_exp},
      {"Identity", infer_identity, compute_identity},
      {"Neg", infer_numeric_pointwise, compute_neg},
      {"Abs", infer_numeric_pointwise, compute_abs},
      {"Floor", infer_float_pointwise, compute_floor},
      {"Ceil", infer_float_pointwise, compute_ceil},
      {"Erf", infer_float_pointwise, compute_erf},
      {"LeakyRelu", infer_float_pointwise, compute_leaky_relu},
      {"Elu", infer_float_pointwise, compute_elu},
      {"Clip", infer_clip, compute_clip},
      {"Softmax", infer_softmax, compute_softmax},
      {"Concat", infer_concat, compute_concat},
      {"Reshape", infer_reshape, compute_reshape},
      {"Flatten", infer_flatten, compute_flatten},
      {"Transpose", infer_transpose, compute_transpose},
      {"Squeeze", infer_squeeze, compute_squeeze},
      {"Unsqueeze", infer_unsqueeze, compute_unsqueeze},
      {"Slice", infer_slice, compute_slice},
      {"Shape", infer_shape, compute_shape},
      {"Gather", infer_gather, compute_gather},
      {"Cast", infer_cast, compute_cast},
      {"Expand", infer_expand, compute_expand},
      {"ConstantOfShape", infer_constant_of_shape, compute_constant_of_shape},
      {"ReduceMean", infer_reduce, compute_reduce_mean},
      {"ReduceMax", infer_reduce, compute_reduce_max},
      {"ReduceMin", infer_reduce, compute_reduce_min},
      {"ReduceSum", infer_reduce, compute_reduce_sum},
      {"MatMul", infer_matmul, compute_matmul},
      {"Gemm", infer_gemm, compute_gemm},

  };
}

}  // namespace

const std::vector<OpDef>& builtin_graph_ops() {
  static const std::vector<OpDef> ops = register_builtin_graph_ops();
  return ops;
}

const OpDef* find_graph_op(const std::string& name) {
  for (const auto& op : builtin_graph_ops())
    if (op.name == name) return &op;
  return nullptr;
}

}  // namespace deepimage::engine::graph
