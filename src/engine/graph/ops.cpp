#include "engine/graph/ops.hpp"

#include "engine/graph/kernels/conv.hpp"
#include "engine/graph/kernels/conv_transpose.hpp"
#include "engine/graph/kernels/pool.hpp"
#include "engine/graph/kernels/resize.hpp"
#include "engine/graph/kernels/normalization.hpp"
#include "engine/graph/kernels/pad.hpp"

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
