#include "engine/graph/kernels/pool.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/spatial_support.hpp"

namespace deepimage::engine::graph {
namespace {

Shape pooled_shape(const Node& node, const Window& window, const Shape& x) {
  Shape out = {x[0], x[1]};
  for (std::int64_t n : window_output_sizes(node, window, x)) out.push_back(n);
  return out;
}

// MaxPool's optional second output: the flat index into X of each maximum, with the spatial axes
// counted in C order (storage_order 0) or reversed order (1: column major), N and C outermost.
bool wants_indices(const Node& node) {
  if (node.outputs.size() < 2 || node.outputs[1] == no_value) return false;
  const std::int64_t order = node.get_int("storage_order", 0);
  if (order != 0 && order != 1)
    throw Error(ErrorCode::bad_model, node.describe() + ": storage_order " + std::to_string(order) +
                                          " is not 0 (row major) or 1 (column major)");
  return true;
}

// The C-order offset `at` within one (n, c) plane of the 3-d view, in column-major order.
std::int64_t column_major(const Window3& g, std::int64_t at) {
  const std::int64_t x = at % g.in[2], y = at / g.in[2] % g.in[1], z = at / (g.in[2] * g.in[1]);
  return (x * g.in[1] + y) * g.in[0] + z;
}

// Calls visit(offset into the (n, c) plane) for every window position inside X, and returns the
// number of window positions inside the padded input [-pad_begin, in + pad_end).
template <class Visit>
std::int64_t for_window(const Window3& g, const std::int64_t pad_end[3], const std::int64_t o[3], Visit&& visit) {
  std::int64_t first[3], end[3], padded_count = 1;
  for (int a = 0; a < 3; ++a) {
    const std::int64_t start = o[a] * g.stride[a] - g.pad[a];
    // Positions start + k * d inside X, and inside the padded input.
    const IndexRange inside = valid_range(g.kernel[a], g.dilation[a], start, g.in[a]);
    const IndexRange padded = valid_range(g.kernel[a], g.dilation[a], start + g.pad[a], g.in[a] + g.pad[a] + pad_end[a]);
    first[a] = inside.first;
    end[a] = inside.end;
    padded_count *= padded.end - padded.first;
  }
  for (std::int64_t kz = first[0]; kz < end[0]; ++kz) {
    const std::int64_t z = o[0] * g.stride[0] - g.pad[0] + kz * g.dilation[0];
    for (std::int64_t ky = first[1]; ky < end[1]; ++ky) {
      const std::int64_t y = o[1] * g.stride[1] - g.pad[1] + ky * g.dilation[1];
      for (std::int64_t kx = first[2]; kx < end[2]; ++kx) {
        const std::int64_t x = o[2] * g.stride[2] - g.pad[2] + kx * g.dilation[2];
        visit((z * g.in[1] + y) * g.in[2] + x);
      }
    }
  }
  return padded_count;
}

// Runs pool(X's (n, c) plane, that plane's offset in X, the 3-d window, its end pads, the output
// position, the output element's offset) for every output element.
template <class T, class Pool>
void pool_planes(const Tensor& x, const Window& window, Tensor& y, Pool&& pool) {
  const Window3 g = window3(window, x.shape(), {y.shape().begin() + 2, y.shape().end()});
  std::int64_t pad_end[3] = {0, 0, 0};
  for (std::size_t i = 0; i < window.rank(); ++i) pad_end[3 - window.rank() + i] = window.pad_end(i);
  const std::int64_t planes = x.shape()[0] * x.shape()[1];
  const T* xd = x.data<T>();
  for (std::int64_t p = 0; p < planes; ++p) {
    std::int64_t out_index = p * g.out_count();
    for (std::int64_t oz = 0; oz < g.out[0]; ++oz)
      for (std::int64_t oy = 0; oy < g.out[1]; ++oy)
        for (std::int64_t ox = 0; ox < g.out[2]; ++ox, ++out_index) {
          const std::int64_t o[3] = {oz, oy, ox};
          pool(xd + p * g.in_count(), p * g.in_count(), g, pad_end, o, out_index);
        }
  }
}

}  // namespace

namespace {

// MaxPool also takes the 8-bit integer types, as ONNX allows.
DType max_pool_dtype(const Node& node, DType dtype) {
  if (dtype != DType::f32 && dtype != DType::u8 && dtype != DType::i8)
    throw Error(ErrorCode::bad_model, node.describe() + ": input X is " + std::string(to_string(dtype)) +
                                          ", expected float32, uint8 or int8");
  return dtype;
}

template <class T>
void max_pool_planes(const Node& node, const Tensor& x, const Window& window, Tensor& y, Tensor* index) {
  const bool column_major_indices = node.get_int("storage_order", 0) == 1;
  T* yd = y.data<T>();
  std::int64_t* id = index ? index->data<std::int64_t>() : nullptr;
  pool_planes<T>(x, window, y, [&](const T* plane, std::int64_t plane_start, const Window3& g,
                                   const std::int64_t* pad_end, const std::int64_t* o, std::int64_t out) {
    T best{};
    std::int64_t best_at = -1;
    for_window(g, pad_end, o, [&](std::int64_t at) {
      // NaN wins, as in PyTorch and numpy: a NaN input is not hidden by the pool.
      const bool nan = std::isnan(static_cast<double>(plane[at])) && !std::isnan(static_cast<double>(best));
      if (best_at < 0 || plane[at] > best || nan) best = plane[at], best_at = at;
    });
    // A window wholly in the pads (pads as large as the kernel) has no maximum: -inf, index -1.
    if (best_at < 0)
      best = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
    yd[out] = best;
    if (id) id[out] = best_at < 0 ? -1 : plane_start + (column_major_indices ? column_major(g, best_at) : best_at);
  });
}

}  // namespace

std::vector<TensorType> infer_max_pool(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = spatial_input_value(node, inputs, 0, "X", false);
  const DType dtype = max_pool_dtype(node, x.dtype);
  const Shape y = pooled_shape(node, pool_window(node, x.shape), x.shape);
  if (wants_indices(node)) return {{dtype, y}, {DType::i64, y}};
  return {{dtype, y}};
}

std::vector<Tensor> max_pool_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  if (inputs.empty() || !inputs[0]) throw Error(ErrorCode::bad_model, node.describe() + ": input X is missing");
  const Tensor& x = *inputs[0];
  const Window window = pool_window(node, x.shape());
  Tensor y(max_pool_dtype(node, x.dtype()), pooled_shape(node, window, x.shape()));
  const bool indices = wants_indices(node);
  Tensor index(DType::i64, indices ? y.shape() : Shape{0});
  if (x.dtype() == DType::u8) max_pool_planes<std::uint8_t>(node, x, window, y, indices ? &index : nullptr);
  else if (x.dtype() == DType::i8) max_pool_planes<std::int8_t>(node, x, window, y, indices ? &index : nullptr);
  else max_pool_planes<float>(node, x, window, y, indices ? &index : nullptr);
  std::vector<Tensor> outputs;
  outputs.push_back(std::move(y));
  if (indices) outputs.push_back(std::move(index));
  return outputs;
}

std::vector<TensorType> infer_average_pool(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = spatial_input_value(node, inputs, 0, "X");
  return {{DType::f32, pooled_shape(node, pool_window(node, x.shape), x.shape)}};
}

std::vector<Tensor> average_pool_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = spatial_input_tensor(node, inputs, 0, "X");
  const Window window = pool_window(node, x.shape());
  const bool include_pad = node.get_int("count_include_pad", 0) != 0;
  Tensor y(DType::f32, pooled_shape(node, window, x.shape()));
  float* yd = y.data<float>();
  pool_planes<float>(x, window, y, [&](const float* plane, std::int64_t, const Window3& g,
                                      const std::int64_t* pad_end, const std::int64_t* o, std::int64_t out) {
    double sum = 0;
    std::int64_t inside = 0;
    const std::int64_t padded = for_window(g, pad_end, o, [&](std::int64_t at) {
      sum += plane[at];
      ++inside;
    });
    const std::int64_t divisor = include_pad ? padded : inside;
    yd[out] = divisor > 0 ? static_cast<float>(sum / static_cast<double>(divisor)) : 0.0f;
  });
  std::vector<Tensor> outputs;
  outputs.push_back(std::move(y));
  return outputs;
}

std::vector<TensorType> infer_global_pool(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = spatial_input_value(node, inputs, 0, "X");
  if (x.shape.size() < 3)
    throw Error(ErrorCode::bad_model, node.describe() + ": input X has shape " + shape_to_string(x.shape) +
                                          ", expected (N, C, spatial...)");
  Shape y = x.shape;
  std::fill(y.begin() + 2, y.end(), 1);
  return {{DType::f32, y}};
}

namespace {

template <class Reduce>
std::vector<Tensor> global_pool(const Node& node, const std::vector<const Tensor*>& inputs, Reduce&& reduce) {
  const Tensor& x = spatial_input_tensor(node, inputs, 0, "X");
  if (x.rank() < 3)
    throw Error(ErrorCode::bad_model, node.describe() + ": input X has shape " + shape_to_string(x.shape()) +
                                          ", expected (N, C, spatial...)");
  Shape shape = x.shape();
  std::fill(shape.begin() + 2, shape.end(), 1);
  Tensor y(DType::f32, shape);
  const std::int64_t planes = x.shape()[0] * x.shape()[1], size = x.element_count() / std::max<std::int64_t>(planes, 1);
  for (std::int64_t p = 0; p < planes; ++p) y.data<float>()[p] = reduce(x.data<float>() + p * size, size);
  std::vector<Tensor> outputs;
  outputs.push_back(std::move(y));
  return outputs;
}

}  // namespace

std::vector<Tensor> global_average_pool_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return global_pool(node, inputs, [](const float* v, std::int64_t n) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += v[i];
    return static_cast<float>(sum / static_cast<double>(n));
  });
}

std::vector<Tensor> global_max_pool_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return global_pool(node, inputs, [](const float* v, std::int64_t n) {
    float best = -std::numeric_limits<float>::infinity();
    for (std::int64_t i = 0; i < n; ++i) best = std::max(best, v[i]);
    return best;
  });
}

}  // namespace deepimage::engine::graph
