// Resize (ops.hpp; ONNX opset 18 semantics): shape inference and the reference kernel over C-order
// float32 tensors of any rank, resizing any axes. roi, scales and sizes must be constant (specialize()
// folds them); an input with no elements counts as omitted, as opset 11-12 files write it.
//
// Each output index o along an axis maps to a coordinate in the input (coordinate_transformation_mode,
// with the given scale, or output / input length for sizes; align_corners and tf_crop_and_resize
// divide by the resized length input * scale, unrounded, as ONNX's formulas and node tests do), then
//   nearest: one input index by nearest_mode, clamped into the input;
//   linear:  the 2 neighbours floor(x), floor(x) + 1, weights 1 - t, t (t = x - floor(x));
//   cubic:   the 4 neighbours floor(x) - 1 .. floor(x) + 2, Keys weights with cubic_coeff_a;
// neighbours outside the input read the edge value, or (exclude_outside) get weight 0 and the others
// are renormalised. tf_crop_and_resize reads extrapolation_value where x falls outside the input.
// Several axes combine as the product of their weights.
#pragma once

#include <vector>

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_resize(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> resize_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
