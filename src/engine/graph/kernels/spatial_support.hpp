// What the convolution, pooling, resampling, normalisation and padding kernels share: reading their
// inputs with the error naming the node, the 3-d view of a 1-d/2-d/3-d window, and the fused
// activation of Conv / ConvTranspose.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"
#include "engine/graph/graph.hpp"
#include "engine/graph/kernels/padding_rules.hpp"

namespace deepimage::engine::graph {

// Input `k` for shape inference: present, float32 when `want_f32`, shape known; else Error(bad_model)
// naming the node and the input ("input W").
const Value& spatial_input_value(const Node& node, const std::vector<const Value*>& inputs, std::size_t k,
                                 const std::string& name, bool want_f32 = true);
// Input `k` for a reference kernel: present and float32.
const Tensor& spatial_input_tensor(const Node& node, const std::vector<const Tensor*>& inputs, std::size_t k,
                                   const std::string& name);
// Optional input `k`: nullptr when omitted; else checked like spatial_input_tensor.
const Tensor* optional_input_tensor(const Node& node, const std::vector<const Tensor*>& inputs, std::size_t k,
                                    const std::string& name);
// Throws Error(bad_model) unless `shape` equals `expected`.
void expect_shape(const Node& node, const std::string& name, const Shape& shape, const Shape& expected);

// A window over 1 to 3 spatial axes seen as 3-d: leading axes of size 1, kernel 1, stride 1, no pads.
struct Window3 {
  std::int64_t in[3], out[3], kernel[3], stride[3], dilation[3], pad[3];
  std::int64_t in_count() const { return in[0] * in[1] * in[2]; }
  std::int64_t out_count() const { return out[0] * out[1] * out[2]; }
  std::int64_t kernel_count() const { return kernel[0] * kernel[1] * kernel[2]; }
};
Window3 window3(const Window& window, const Shape& input, const std::vector<std::int64_t>& output_sizes);

// The positions i in [0, count) with 0 <= i * stride + offset < limit: [first, end).
struct IndexRange {
  std::int64_t first = 0, end = 0;
};
IndexRange valid_range(std::int64_t count, std::int64_t stride, std::int64_t offset, std::int64_t limit);

// Conv / ConvTranspose `activation` with `alpha` / `beta` (ops.hpp), applied in place.
void apply_fused_activation(const Node& node, float* data, std::int64_t count);
// Throws Error(bad_model) for an unknown `activation`.
void check_fused_activation(const Node& node);

}  // namespace deepimage::engine::graph
