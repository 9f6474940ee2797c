#include "engine/graph/kernels/pad.hpp"

#include <cstring>

#include "deepimage/error.hpp"

namespace deepimage::engine::graph {
namespace {

[[noreturn]] void fail(const Node& node, const std::string& message) {
  throw Error(ErrorCode::bad_model, node.describe() + ": " + message);
}

std::vector<std::int64_t> integers_of(const Node& node, const Tensor& t, const std::string& name) {
  if (t.dtype() != DType::i64 && t.dtype() != DType::i32)
    fail(node, "input " + name + " is " + std::string(to_string(t.dtype())) + ", expected int64");
  const Tensor v = t.converted(DType::i64);
  return {v.data<std::int64_t>(), v.data<std::int64_t>() + v.element_count()};
}

std::string mode_of(const Node& node) {
  const std::string mode = node.get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    fail(node, "mode \"" + mode + "\" is not constant, reflect, edge or wrap");
  return mode;
}

// Per axis of X: (begin, end) pads.
std::vector<std::pair<std::int64_t, std::int64_t>> pads_per_axis(const Node& node, const Shape& x, const Tensor& pads,
                                                                 const Tensor* axes_tensor) {
  const std::vector<std::int64_t> p = integers_of(node, pads, "pads");
  std::vector<int> axes;
  if (axes_tensor) {
    for (std::int64_t a : integers_of(node, *axes_tensor, "axes")) axes.push_back(normalize_axis(a, x.size(), node));
  } else {
    for (std::size_t a = 0; a < x.size(); ++a) axes.push_back(static_cast<int>(a));
  }
  if (p.size() != 2 * axes.size())
    fail(node, "pads has " + std::to_string(p.size()) + " entries, expected " + std::to_string(2 * axes.size()) +
                   " (begin and end for each of the " + std::to_string(axes.size()) + " padded axes)");
  std::vector<std::pair<std::int64_t, std::int64_t>> per_axis(x.size(), {0, 0});
  for (std::size_t i = 0; i < axes.size(); ++i) per_axis[static_cast<std::size_t>(axes[i])] = {p[i], p[axes.size() + i]};
  return per_axis;
}

Shape padded_shape(const Node& node, const Shape& x, const std::vector<std::pair<std::int64_t, std::int64_t>>& pads,
                   const std::string& mode) {
  Shape out = x;
  for (std::size_t a = 0; a < x.size(); ++a) {
    if (x[a] < 0) continue;
    out[a] = x[a] + pads[a].first + pads[a].second;
    if (out[a] < 0)
      fail(node, "pads (" + std::to_string(pads[a].first) + ", " + std::to_string(pads[a].second) +
                     ") crop more than the " + std::to_string(x[a]) + " elements of axis " + std::to_string(a));
    if (mode != "constant" && x[a] == 0 && out[a] > 0)
      fail(node, "mode \"" + mode + "\" cannot pad the empty axis " + std::to_string(a) + " of X " + shape_to_string(x));
  }
  return out;
}

// X's index for output index o along an axis of length n, or -1 for the constant.
std::int64_t source_index(const std::string& mode, std::int64_t o, std::int64_t begin, std::int64_t n) {
  std::int64_t i = o - begin;
  if (i >= 0 && i < n) return i;
  if (mode == "constant") return -1;
  if (mode == "edge") return i < 0 ? 0 : n - 1;
  if (mode == "wrap") return ((i % n) + n) % n;
  if (n == 1) return 0;  // reflect
  const std::int64_t period = 2 * (n - 1);
  i = ((i % period) + period) % period;
  return i < n ? i : period - i;
}

}  // namespace

std::vector<TensorType> infer_pad(const Node& node, const std::vector<const Value*>& inputs) {
  if (inputs.empty() || !inputs[0] || !inputs[0]->shape_known)
    fail(node, "input data has no known shape");
  const auto constant = [&](std::size_t k, const std::string& name) -> const Tensor* {
    if (k >= inputs.size() || !inputs[k]) return nullptr;
    if (!inputs[k]->constant)
      fail(node, "input " + name + " \"" + inputs[k]->name + "\" is not constant (specialize() folds it first)");
    return &*inputs[k]->constant;
  };
  const Tensor* pads = constant(1, "pads");
  if (!pads) fail(node, "input pads is missing");
  const std::string mode = mode_of(node);
  const Value& x = *inputs[0];
  return {{x.dtype, padded_shape(node, x.shape, pads_per_axis(node, x.shape, *pads, constant(3, "axes")), mode)}};
}

std::vector<Tensor> pad_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  if (inputs.size() < 2 || !inputs[0] || !inputs[1]) fail(node, "inputs data and pads are required");
  const Tensor& x = *inputs[0];
  const std::string mode = mode_of(node);
  const auto pads = pads_per_axis(node, x.shape(), *inputs[1], inputs.size() > 3 ? inputs[3] : nullptr);
  Tensor y(x.dtype(), padded_shape(node, x.shape(), pads, mode));
  const std::size_t element = dtype_size(x.dtype());
  std::vector<std::byte> fill(element, std::byte{0});
  if (inputs.size() > 2 && inputs[2] && inputs[2]->element_count() > 0) {
    if (inputs[2]->dtype() != x.dtype() || inputs[2]->element_count() != 1)
      fail(node, "constant_value is " + std::string(to_string(inputs[2]->dtype())) + " of shape " +
                     shape_to_string(inputs[2]->shape()) + ", expected one " + std::string(to_string(x.dtype())) +
                     " like data");
    std::memcpy(fill.data(), inputs[2]->bytes(), element);
  }
  const std::size_t rank = x.rank();
  std::vector<std::vector<std::int64_t>> sources(rank);
  for (std::size_t a = 0; a < rank; ++a)
    for (std::int64_t o = 0; o < y.shape()[a]; ++o)
      sources[a].push_back(source_index(mode, o, pads[a].first, x.shape()[a]));
  const std::vector<std::int64_t> strides = strides_of(x.shape());
  std::vector<std::int64_t> o(rank, 0);
  std::byte* out = y.bytes();
  for (std::int64_t i = 0; i < y.element_count(); ++i, out += element) {
    std::int64_t offset = 0;
    bool inside = true;
    for (std::size_t a = 0; a < rank && inside; ++a) {
      const std::int64_t s = sources[a][static_cast<std::size_t>(o[a])];
      inside = s >= 0;
      offset += s * strides[a];
    }
    std::memcpy(out, inside ? x.bytes() + offset * static_cast<std::int64_t>(element) : fill.data(), element);
    for (std::size_t a = rank; a-- > 0;) {
      if (++o[a] < y.shape()[a]) break;
      o[a] = 0;
    }
  }
  std::vector<Tensor> outputs;
  outputs.push_back(std::move(y));
  return outputs;
}

}  // namespace deepimage::engine::graph
