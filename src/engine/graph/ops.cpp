#include "engine/graph/ops.hpp"

#include "engine/graph/kernels/conv.hpp"
#include "engine/graph/kernels/conv_transpose.hpp"
#include "engine/graph/kernels/elementwise.hpp"
#include "engine/graph/kernels/indexing.hpp"
#include "engine/graph/kernels/matmul.hpp"
#include "engine/graph/kernels/normalization.hpp"
#include "engine/graph/kernels/pad.hpp"
#include "engine/graph/kernels/pool.hpp"
#include "engine/graph/kernels/reduce.hpp"
#include "engine/graph/kernels/resize.hpp"
#include "engine/graph/kernels/shape_ops.hpp"
#include "engine/graph/kernels/softmax.hpp"
#include "engine/graph/kernels/unary.hpp"

namespace deepimage::engine::graph {
namespace {

// The one list of graph operators. Each entry: canonical name (ops.hpp says its form), shape
// inference, reference kernel. Kernels live one family per file in engine/graph/kernels/.
std::vector<OpDef> register_builtin_graph_ops() {
  return {
      // convolution, pooling, resampling, normalisation, padding
      {"Conv", infer_conv, conv_reference},
      {"ConvTranspose", infer_conv_transpose, conv_transpose_reference},
      {"MaxPool", infer_max_pool, max_pool_reference},
      {"AveragePool", infer_average_pool, average_pool_reference},
      {"GlobalAveragePool", infer_global_pool, global_average_pool_reference},
      {"GlobalMaxPool", infer_global_pool, global_max_pool_reference},
      {"Resize", infer_resize, resize_reference},
      {"BatchNormalization", infer_batch_normalization, batch_normalization_reference},
      {"InstanceNormalization", infer_instance_normalization, instance_normalization_reference},
      {"Pad", infer_pad, pad_reference},

      // elementwise, shape manipulation, reductions, matrix products
      {"Add", infer_arithmetic, add_reference},
      {"Sub", infer_arithmetic, sub_reference},
      {"Mul", infer_arithmetic, mul_reference},
      {"Div", infer_arithmetic, div_reference},
      {"Pow", infer_arithmetic, pow_reference},
      {"Max", infer_arithmetic, max_reference},
      {"Min", infer_arithmetic, min_reference},
      {"PRelu", infer_prelu, prelu_reference},
      {"Equal", infer_comparison, equal_reference},
      {"Less", infer_comparison, less_reference},
      {"Greater", infer_comparison, greater_reference},
      {"Where", infer_where, where_reference},
      {"Relu", infer_numeric_pointwise, relu_reference},
      {"Sigmoid", infer_float_pointwise, sigmoid_reference},
      {"Tanh", infer_float_pointwise, tanh_reference},
      {"Sqrt", infer_float_pointwise, sqrt_reference},
      {"Exp", infer_float_pointwise, exp_reference},
      {"Log", infer_float_pointwise, log_reference},
      {"Softplus", infer_float_pointwise, softplus_reference},
      {"Identity", infer_identity, identity_reference},
      {"Neg", infer_numeric_pointwise, neg_reference},
      {"Abs", infer_numeric_pointwise, abs_reference},
      {"Floor", infer_float_pointwise, floor_reference},
      {"Ceil", infer_float_pointwise, ceil_reference},
      {"Erf", infer_float_pointwise, erf_reference},
      {"LeakyRelu", infer_float_pointwise, leaky_relu_reference},
      {"Elu", infer_float_pointwise, elu_reference},
      {"Clip", infer_clip, clip_reference},
      {"Softmax", infer_softmax, softmax_reference},
      {"Concat", infer_concat, concat_reference},
      {"Reshape", infer_reshape, reshape_reference},
      {"Flatten", infer_flatten, flatten_reference},
      {"Transpose", infer_transpose, transpose_reference},
      {"Squeeze", infer_squeeze, squeeze_reference},
      {"Unsqueeze", infer_unsqueeze, unsqueeze_reference},
      {"Slice", infer_slice, slice_reference},
      {"Shape", infer_shape, shape_reference},
      {"Gather", infer_gather, gather_reference},
      {"Tile", infer_tile, tile_reference},
      {"Cast", infer_cast, cast_reference},
      {"Expand", infer_expand, expand_reference},
      {"ConstantOfShape", infer_constant_of_shape, constant_of_shape_reference},
      {"ReduceMean", infer_reduce, reduce_mean_reference},
      {"ReduceMax", infer_reduce, reduce_max_reference},
      {"ReduceMin", infer_reduce, reduce_min_reference},
      {"ReduceSum", infer_reduce, reduce_sum_reference},
      {"ReduceProd", infer_reduce, reduce_prod_reference},
      {"MatMul", infer_matmul, matmul_reference},
      {"Gemm", infer_gemm, gemm_reference},

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
