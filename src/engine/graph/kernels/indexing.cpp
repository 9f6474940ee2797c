#include "engine/graph/kernels/indexing.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/operands.hpp"

namespace deepimage::engine::graph {
namespace {

Shape concat_shape(const Node& node, const std::vector<Shape>& shapes) {
  if (shapes.empty()) throw Error(ErrorCode::bad_model, node.describe() + " has no inputs");
  const Shape& first = shapes.front();
  const auto axis = static_cast<std::size_t>(normalize_axis(node.get_int("axis", 0), first.size(), node));
  Shape out = first;
  out[axis] = 0;
  for (const auto& s : shapes) {
    bool fits = s.size() == first.size();
    for (std::size_t d = 0; fits && d < s.size(); ++d) fits = d == axis || s[d] == first[d];
    if (!fits)
      throw Error(ErrorCode::bad_model, node.describe() + ": input of shape " + shape_to_string(s) +
                                            " does not match " + shape_to_string(first) + " outside axis " +
                                            std::to_string(axis));
    out[axis] += s[axis];
  }
  return out;
}

std::vector<std::size_t> transpose_perm(const Node& node, std::size_t rank) {
  std::vector<std::int64_t> perm = node.get_ints("perm");
  if (perm.empty())
    for (std::size_t d = rank; d-- > 0;) perm.push_back(static_cast<std::int64_t>(d));  // default: reverse
  std::vector<std::size_t> out;
  std::vector<bool> seen(rank, false);
  for (const auto p : perm) {
    if (perm.size() != rank || p < 0 || p >= static_cast<std::int64_t>(rank) || seen[static_cast<std::size_t>(p)])
      throw Error(ErrorCode::bad_model, node.describe() + ": perm " + shape_to_string(perm) +
                                            " is not a permutation of " + std::to_string(rank) + " axes");
    seen[static_cast<std::size_t>(p)] = true;
    out.push_back(static_cast<std::size_t>(p));
  }
  return out;
}

// One sliced axis: elements start, start + step, ... (count of them).
struct SliceAxis {
  std::int64_t start = 0, step = 1, count = 0;
};

// The ONNX Slice rules: negative starts/ends count from the end, then clamp to [0, size] for a positive
// step and to [-1, size - 1] for a negative one (so -1 as end means "through element 0").
std::vector<SliceAxis> slice_plan(const Node& node, const Shape& in, const std::vector<std::int64_t>& starts,
                                  const std::vector<std::int64_t>& ends,
                                  const std::optional<std::vector<std::int64_t>>& axes_spec,
                                  const std::optional<std::vector<std::int64_t>>& steps_spec) {
  std::vector<SliceAxis> plan(in.size());
  for (std::size_t d = 0; d < in.size(); ++d) plan[d] = {0, 1, in[d]};
  std::vector<std::int64_t> axes_list;
  if (axes_spec)
    axes_list = *axes_spec;
  else
    for (std::size_t i = 0; i < starts.size(); ++i) axes_list.push_back(static_cast<std::int64_t>(i));
  const std::vector<std::int64_t> steps = steps_spec ? *steps_spec : std::vector<std::int64_t>(starts.size(), 1);
  if (ends.size() != starts.size() || axes_list.size() != starts.size() || steps.size() != starts.size())
    throw Error(ErrorCode::bad_model, node.describe() + ": starts, ends, axes and steps have different lengths (" +
                                          std::to_string(starts.size()) + ", " + std::to_string(ends.size()) + ", " +
                                          std::to_string(axes_list.size()) + ", " + std::to_string(steps.size()) + ")");
  const auto axes = normalize_axes(axes_list, in.size(), node);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::int64_t size = in[static_cast<std::size_t>(axes[i])];
    const std::int64_t step = steps[i];
    if (step == 0) throw Error(ErrorCode::bad_model, node.describe() + ": step 0 along axis " + std::to_string(axes[i]));
    std::int64_t start = starts[i] < 0 ? starts[i] + size : starts[i];
    std::int64_t end = ends[i] < 0 ? ends[i] + size : ends[i];
    std::int64_t count = 0;
    if (step > 0) {
      start = std::clamp<std::int64_t>(start, 0, size);
      end = std::clamp<std::int64_t>(end, 0, size);
      if (end > start) count = (end - start - 1) / step + 1;  // no overflow for a huge step
    } else {
      start = std::clamp<std::int64_t>(start, -1, size - 1);
      end = std::clamp<std::int64_t>(end, -1, size - 1);
      if (start > end) count = (start - end - 1) / -step + 1;
    }
    plan[static_cast<std::size_t>(axes[i])] = {start, step, count};
  }
  return plan;
}

std::vector<SliceAxis> slice_plan_of(const Node& node, const Shape& in, const std::vector<const Value*>& inputs) {
  return slice_plan(node, in, *int64_operand(node, inputs, 1, "starts"), *int64_operand(node, inputs, 2, "ends"),
                    int64_operand(node, inputs, 3, "axes"), int64_operand(node, inputs, 4, "steps"));
}

Shape gather_shape(const Node& node, const Shape& data, const Shape& indices) {
  if (data.empty()) throw Error(ErrorCode::bad_model, node.describe() + ": cannot gather from a scalar");
  const auto axis = static_cast<std::size_t>(normalize_axis(node.get_int("axis", 0), data.size(), node));
  Shape out(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(axis));
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.end());
  return out;
}

}  // namespace

std::vector<TensorType> infer_concat(const Node& node, const std::vector<const Value*>& inputs) {
  std::vector<Shape> shapes;
  for (const auto* v : inputs) {
    if (v == nullptr) throw Error(ErrorCode::bad_model, node.describe() + ": an input is missing");
    if (v->dtype != inputs[0]->dtype)
      throw Error(ErrorCode::bad_model, node.describe() + ": inputs are " + std::string(to_string(inputs[0]->dtype)) +
                                            " and " + std::string(to_string(v->dtype)) + ", expected one type");
    shapes.push_back(v->shape);
  }
  const Shape out = concat_shape(node, shapes);
  return {{inputs[0]->dtype, out}};
}

std::vector<Tensor> concat_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  std::vector<Shape> shapes;
  for (const auto* t : inputs) shapes.push_back(t->shape());
  const Shape shape = concat_shape(node, shapes);
  const auto axis = static_cast<std::size_t>(normalize_axis(node.get_int("axis", 0), shape.size(), node));
  Tensor y(inputs[0]->dtype(), shape);
  // Each input contributes one block of (its axis size * inner) elements per outer index.
  std::int64_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= shape[d];
  for (std::size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const auto es = static_cast<std::int64_t>(dtype_size(y.dtype()));
  const std::int64_t out_row = shape[axis] * inner * es;
  std::int64_t offset = 0;
  for (const auto* t : inputs) {
    const std::int64_t block = t->shape()[axis] * inner * es;
    if (block == 0) continue;  // an empty input has no storage: memcpy must not see its null pointer
    for (std::int64_t o = 0; o < outer; ++o)
      std::memcpy(y.bytes() + o * out_row + offset, t->bytes() + o * block, static_cast<std::size_t>(block));
    offset += block;
  }
  return {std::move(y)};
}

std::vector<TensorType> infer_transpose(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 1);
  const Shape& in = inputs[0]->shape;
  Shape out;
  for (const auto p : transpose_perm(node, in.size())) out.push_back(in[p]);
  return {{inputs[0]->dtype, out}};
}

std::vector<Tensor> transpose_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  const auto perm = transpose_perm(node, x.rank());
  const auto in_strides = strides_of(x.shape());
  Shape shape;
  std::vector<std::int64_t> strides;  // input stride of each output dimension
  for (const auto p : perm) shape.push_back(x.shape()[p]), strides.push_back(in_strides[p]);
  Tensor y(x.dtype(), shape);
  const std::size_t es = dtype_size(x.dtype());
  const std::int64_t n = y.element_count();
  std::vector<std::int64_t> index(shape.size(), 0);
  std::int64_t src = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::memcpy(y.bytes() + static_cast<std::size_t>(i) * es, x.bytes() + static_cast<std::size_t>(src) * es, es);
    for (std::size_t d = shape.size(); d-- > 0;) {
      src += strides[d];
      if (++index[d] < shape[d]) break;
      src -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return {std::move(y)};
}

std::vector<TensorType> infer_slice(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 3, 5);
  Shape out;
  for (const auto& a : slice_plan_of(node, inputs[0]->shape, inputs)) out.push_back(a.count);
  return {{inputs[0]->dtype, out}};
}

std::vector<Tensor> slice_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  const auto plan = slice_plan(node, x.shape(), *int64_operand(node, inputs, 1, "starts"),
                               *int64_operand(node, inputs, 2, "ends"), int64_operand(node, inputs, 3, "axes"),
                               int64_operand(node, inputs, 4, "steps"));
  Shape shape;
  for (const auto& a : plan) shape.push_back(a.count);
  Tensor y(x.dtype(), shape);
  const std::int64_t n = y.element_count();
  if (n == 0) return {std::move(y)};
  const auto in_strides = strides_of(x.shape());
  const std::size_t es = dtype_size(x.dtype());
  std::int64_t src = 0;
  for (std::size_t d = 0; d < plan.size(); ++d) src += plan[d].start * in_strides[d];
  // With step 1 along the last axis each output row is one contiguous run of the input (the usual crop):
  // copy rows, walking the other axes.
  const std::size_t rank = shape.size();
  const bool row_runs = rank > 0 && plan[rank - 1].step == 1;
  const std::int64_t run = row_runs ? shape[rank - 1] : 1;
  const std::size_t walk_rank = row_runs ? rank - 1 : rank;
  std::vector<std::int64_t> index(walk_rank, 0);
  for (std::int64_t i = 0; i < n; i += run) {
    std::memcpy(y.bytes() + static_cast<std::size_t>(i) * es, x.bytes() + static_cast<std::size_t>(src) * es,
                static_cast<std::size_t>(run) * es);
    for (std::size_t d = walk_rank; d-- > 0;) {
      src += plan[d].step * in_strides[d];
      if (++index[d] < shape[d]) break;
      src -= plan[d].step * in_strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return {std::move(y)};
}

std::vector<TensorType> infer_gather(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 2);
  require_dtype(node, "indices", inputs[1]->dtype, {DType::i64, DType::i32});
  return {{inputs[0]->dtype, gather_shape(node, inputs[0]->shape, inputs[1]->shape)}};
}

std::vector<Tensor> gather_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& data = *inputs.at(0);
  const Tensor& indices_tensor = *inputs.at(1);
  const Shape shape = gather_shape(node, data.shape(), indices_tensor.shape());
  const auto axis = static_cast<std::size_t>(normalize_axis(node.get_int("axis", 0), data.rank(), node));
  const auto indices = int64_values(node, indices_tensor, "indices");
  std::int64_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= data.shape()[d];
  for (std::size_t d = axis + 1; d < data.rank(); ++d) inner *= data.shape()[d];
  const std::int64_t size = data.shape()[axis];
  Tensor y(data.dtype(), shape);
  const auto block = static_cast<std::size_t>(inner) * dtype_size(data.dtype());
  std::byte* dst = y.bytes();
  for (std::int64_t o = 0; o < outer; ++o)
    for (const auto raw : indices) {
      const std::int64_t k = raw < 0 ? raw + size : raw;
      if (k < 0 || k >= size)
        throw Error(ErrorCode::invalid_argument, node.describe() + ": index " + std::to_string(raw) +
                                                     " is outside [" + std::to_string(-size) + ", " +
                                                     std::to_string(size) + ") along axis " + std::to_string(axis));
      std::memcpy(dst, data.bytes() + (static_cast<std::size_t>(o * size + k)) * block, block);
      dst += block;
    }
  return {std::move(y)};
}

namespace {

// Tile's output shape: each axis times its repeat count (constant once specialize() has folded it).
Shape tile_shape(const Node& node, const Shape& in, const std::vector<std::int64_t>& repeats) {
  if (repeats.size() != in.size())
    throw Error(ErrorCode::bad_model, node.describe() + ": repeats " + shape_to_string(repeats) + " has " +
                                          std::to_string(repeats.size()) + " entries for an input of rank " + std::to_string(in.size()));
  Shape out;
  for (std::size_t d = 0; d < in.size(); ++d) {
    if (repeats[d] < 0) throw Error(ErrorCode::bad_model, node.describe() + ": repeats " + shape_to_string(repeats) + " has a negative entry");
    out.push_back(in[d] * repeats[d]);
  }
  return out;
}

}  // namespace

std::vector<TensorType> infer_tile(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 2);
  return {{inputs[0]->dtype, tile_shape(node, inputs[0]->shape, *int64_operand(node, inputs, 1, "repeats"))}};
}

// Output element i reads the input at (i_d mod in_d) along every axis.
std::vector<Tensor> tile_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  const Shape shape = tile_shape(node, x.shape(), *int64_operand(node, inputs, 1, "repeats"));
  Tensor y(x.dtype(), shape);
  const std::size_t es = dtype_size(x.dtype());
  const auto in_strides = strides_of(x.shape());
  std::vector<std::int64_t> index(shape.size(), 0);
  for (std::int64_t i = 0; i < y.element_count(); ++i) {
    std::int64_t src = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) src += (index[d] % x.shape()[d]) * in_strides[d];
    std::memcpy(y.bytes() + static_cast<std::size_t>(i) * es, x.bytes() + static_cast<std::size_t>(src) * es, es);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return {std::move(y)};
}

}  // namespace deepimage::engine::graph
