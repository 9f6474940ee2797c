// The built-in ops, one function per file; register_builtin_ops() in ops.cpp lists them.
#pragma once

#include "ops/kwargs.hpp"
#include "ops/op.hpp"

namespace deepimage::ops {

OpDeclaration binarize_op();
OpDeclaration clip_op();
OpDeclaration ensure_dtype_op();
OpDeclaration fixed_zero_mean_unit_variance_op();
OpDeclaration scale_linear_op();
OpDeclaration scale_mean_variance_op();
OpDeclaration scale_range_op();
OpDeclaration sigmoid_op();
OpDeclaration softmax_op();
OpDeclaration zero_mean_unit_variance_op();

// Shared with zero_mean_unit_variance, whose 0.4 `mode: fixed` is this op under another name.
Tensor normalize_with_fixed_mean_std(const Tensor& in, const Kwargs& kwargs);

}  // namespace deepimage::ops
