#include "ops/op.hpp"

#include "deepimage/error.hpp"
#include "ops/builtin_ops.hpp"
#include "ops/prepared_ops.hpp"

namespace deepimage::ops {

namespace {

// The one list of built-in ops. To add an op: write <id>.cpp returning its OpDeclaration, declare
// the function in builtin_ops.hpp, and add it here.
std::vector<OpDeclaration> register_builtin_ops() {
  return {
      binarize_op(),
      clip_op(),
      ensure_dtype_op(),
      fixed_zero_mean_unit_variance_op(),
      scale_linear_op(),
      scale_mean_variance_op(),
      scale_range_op(),
      sigmoid_op(),
      softmax_op(),
      zero_mean_unit_variance_op(),
  };
}

}  // namespace

const std::vector<OpDeclaration>& builtin_ops() {
  static const std::vector<OpDeclaration> ops = register_builtin_ops();
  return ops;
}

const OpDeclaration& find_op(std::string_view id) {
  for (const auto& op : builtin_ops()) {
    if (op.id == id) return op;
    for (const auto& alias : op.aliases)
      if (alias == id) return op;
  }
  std::string known;
  for (const auto& op : builtin_ops()) known += (known.empty() ? "" : ", ") + op.id;
  throw Error(ErrorCode::unsupported, "unknown processing op \"" + std::string(id) + "\" (known: " + known + ")");
}

// The whole tensor is one region: the same passes and apply as for a tensor seen in parts.
Tensor apply_ops(Tensor tensor, const std::vector<OpSpec>& ops, const OpContext& context) {
  if (ops.empty()) return tensor;
  PreparedOps prepared(ops, tensor.axes(), tensor.shape(), context);
  while (prepared.start_pass()) prepared.scan(tensor);
  return prepared.apply(tensor);
}

Tensor apply_postprocessing(Tensor tensor, const TensorSpec& output, const OpContext& context) {
  tensor = apply_ops(std::move(tensor), output.postprocessing, context);
  return tensor.dtype() == output.data_type ? tensor : tensor.converted(output.data_type);
}

}  // namespace deepimage::ops
