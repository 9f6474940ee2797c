// ConvTranspose scatters: every input position i adds X[n, c, i] * W[c, m, k] to the output at
// i * stride - pad_begin + k * dilation; positions outside the output are dropped. W is
// (C, M / group, kernel...): the group's input channels map to its block of M / group outputs.
#include "engine/graph/kernels/conv_transpose.hpp"

#include "deepimage/error.hpp"
#include "engine/graph/kernels/spatial_support.hpp"

namespace deepimage::engine::graph {
namespace {

struct TransposedShapes {
  Window window;
  Shape output;
  std::int64_t group = 1;
};

TransposedShapes transposed_shapes(const Node& node, const Shape& x, const Shape& w, const Shape* bias) {
  TransposedShapes s;
  s.window = conv_transpose_window(node, x, w);
  s.group = node.get_int("group", 1);
  if (s.group < 1 || w[0] % s.group != 0)
    throw Error(ErrorCode::bad_model, node.describe() + ": group " + std::to_string(s.group) +
                                          " does not divide the " + std::to_string(w[0]) +
                                          " input channels of weight W " + shape_to_string(w));
  if (x[1] >= 0 && x[1] != w[0])
    throw Error(ErrorCode::bad_model, node.describe() + ": input X " + shape_to_string(x) + " has " +
                                          std::to_string(x[1]) + " channels, expected " + std::to_string(w[0]) +
                                          " (the first axis of weight W " + shape_to_string(w) + ")");
  const std::int64_t filters = w[1] * s.group;
  if (bias) expect_shape(node, "B", *bias, {filters});
  s.output = {x[0], filters};
  for (std::int64_t n : conv_transpose_output_sizes(node, s.window, x)) s.output.push_back(n);
  check_fused_activation(node);
  return s;
}

}  // namespace

std::vector<TensorType> infer_conv_transpose(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = spatial_input_value(node, inputs, 0, "X");
  const Value& w = spatial_input_value(node, inputs, 1, "W");
  const Value* b = inputs.size() > 2 && inputs[2] ? &spatial_input_value(node, inputs, 2, "B") : nullptr;
  return {{DType::f32, transposed_shapes(node, x.shape, w.shape, b ? &b->shape : nullptr).output}};
}

std::vector<Tensor> conv_transpose_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = spatial_input_tensor(node, inputs, 0, "X");
  const Tensor& w = spatial_input_tensor(node, inputs, 1, "W");
  const Tensor* b = optional_input_tensor(node, inputs, 2, "B");
  const TransposedShapes s = transposed_shapes(node, x.shape(), w.shape(), b ? &b->shape() : nullptr);
  Tensor y(DType::f32, s.output);

  // Window3 read the other way round: "in" is X's extent, "out" the output's.
  const Window3 g = window3(s.window, x.shape(), {s.output.begin() + 2, s.output.end()});
  const std::int64_t batch = x.shape()[0], channels = x.shape()[1], filters = s.output[1];
  const std::int64_t group_channels = channels / s.group, group_filters = filters / s.group;
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  float* yd = y.data<float>();
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t m = 0; m < filters; ++m) {
      float* out = yd + (n * filters + m) * g.out_count();
      std::fill(out, out + g.out_count(), b ? b->data<float>()[m] : 0.0f);
      const std::int64_t group = m / group_filters, mo = m % group_filters;
      for (std::int64_t ci = 0; ci < group_channels; ++ci) {
        const std::int64_t c = group * group_channels + ci;
        const float* in = xd + (n * channels + c) * g.in_count();
        const float* kernel = wd + (c * group_filters + mo) * g.kernel_count();
        for (std::int64_t kz = 0; kz < g.kernel[0]; ++kz)
          for (std::int64_t ky = 0; ky < g.kernel[1]; ++ky)
            for (std::int64_t kx = 0; kx < g.kernel[2]; ++kx) {
              const float weight = kernel[(kz * g.kernel[1] + ky) * g.kernel[2] + kx];
              const IndexRange zs = valid_range(g.in[0], g.stride[0], kz * g.dilation[0] - g.pad[0], g.out[0]);
              const IndexRange ys = valid_range(g.in[1], g.stride[1], ky * g.dilation[1] - g.pad[1], g.out[1]);
              const std::int64_t x_offset = kx * g.dilation[2] - g.pad[2];
              const IndexRange xs = valid_range(g.in[2], g.stride[2], x_offset, g.out[2]);
              for (std::int64_t iz = zs.first; iz < zs.end; ++iz) {
                const std::int64_t oz = iz * g.stride[0] + kz * g.dilation[0] - g.pad[0];
                for (std::int64_t iy = ys.first; iy < ys.end; ++iy) {
                  const std::int64_t oy = iy * g.stride[1] + ky * g.dilation[1] - g.pad[1];
                  float* out_row = out + (oz * g.out[1] + oy) * g.out[2];
                  const float* in_row = in + (iz * g.in[1] + iy) * g.in[2];
                  const std::int64_t stride = g.stride[2];
                  for (std::int64_t ix = xs.first; ix < xs.end; ++ix) out_row[ix * stride + x_offset] += weight * in_row[ix];
                }
              }
            }
      }
    }
  apply_fused_activation(node, yd, y.element_count());
  std::vector<Tensor> outputs;
  outputs.push_back(std::move(y));
  return outputs;
}

}  // namespace deepimage::engine::graph
