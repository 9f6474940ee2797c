// Conv: Y[n, m] = act(B[m] + Sum[n, m] + sum over the group's channels c and the kernel k of
// W[m, c, k] * X[n, c, position * stride - pad + k * dilation]), positions outside X reading 0.
#include "engine/graph/kernels/conv.hpp"

#include <cstring>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/spatial_support.hpp"

namespace deepimage::engine::graph {
namespace {

struct ConvShapes {
  Window window;
  Shape output;
  std::int64_t group = 1;
};

ConvShapes conv_shapes(const Node& node, const Shape& x, const Shape& w, const Shape* bias) {
  ConvShapes s;
  s.window = conv_window(node, x, w);
  s.group = node.get_int("group", 1);
  const std::int64_t channels = x[1], filters = w[0];
  if (s.group < 1 || filters % s.group != 0)
    throw Error(ErrorCode::bad_model, node.describe() + ": group " + std::to_string(s.group) +
                                          " does not divide the " + std::to_string(filters) + " filters of weight W " +
                                          shape_to_string(w));
  if (channels >= 0 && channels != w[1] * s.group)
    throw Error(ErrorCode::bad_model, node.describe() + ": input X " + shape_to_string(x) + " has " +
                                          std::to_string(channels) + " channels, expected " +
                                          std::to_string(w[1] * s.group) + " (weight W " + shape_to_string(w) +
                                          " times group " + std::to_string(s.group) + ")");
  if (bias) expect_shape(node, "B", *bias, {filters});
  s.output = {x[0], filters};
  for (std::int64_t n : window_output_sizes(node, s.window, x)) s.output.push_back(n);
  check_fused_activation(node);
  return s;
}

}  // namespace

std::vector<TensorType> infer_conv(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = spatial_input_value(node, inputs, 0, "X");
  const Value& w = spatial_input_value(node, inputs, 1, "W");
  const Value* b = inputs.size() > 2 && inputs[2] ? &spatial_input_value(node, inputs, 2, "B") : nullptr;
  const ConvShapes s = conv_shapes(node, x.shape, w.shape, b ? &b->shape : nullptr);
  if (inputs.size() > 3 && inputs[3]) {
    const Value& sum = spatial_input_value(node, inputs, 3, "Sum");
    bool fits = sum.shape.size() == s.output.size();
    for (std::size_t i = 0; fits && i < s.output.size(); ++i)
      fits = sum.shape[i] == s.output[i] || sum.shape[i] < 0 || s.output[i] < 0;
    if (!fits)
      throw Error(ErrorCode::bad_model, node.describe() + ": input Sum has shape " + shape_to_string(sum.shape) +
                                            ", expected the output's " + shape_to_string(s.output));
  }
  return {{DType::f32, s.output}};
}

std::vector<Tensor> conv_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = spatial_input_tensor(node, inputs, 0, "X");
  const Tensor& w = spatial_input_tensor(node, inputs, 1, "W");
  const Tensor* b = optional_input_tensor(node, inputs, 2, "B");
  const Tensor* sum = optional_input_tensor(node, inputs, 3, "Sum");
  const ConvShapes s = conv_shapes(node, x.shape(), w.shape(), b ? &b->shape() : nullptr);
  if (sum) expect_shape(node, "Sum", sum->shape(), s.output);
  Tensor y(DType::f32, s.output);

  const Window3 g = window3(s.window, x.shape(), {s.output.begin() + 2, s.output.end()});
  const std::int64_t batch = x.shape()[0], channels = x.shape()[1], filters = w.shape()[0];
  const std::int64_t group_channels = channels / s.group, group_filters = filters / s.group;
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  float* yd = y.data<float>();
  for (std::int64_t n = 0; n < batch; ++n)
    for (std::int64_t m = 0; m < filters; ++m) {
      float* out = yd + (n * filters + m) * g.out_count();
      std::fill(out, out + g.out_count(), b ? b->data<float>()[m] : 0.0f);
      const std::int64_t first_channel = m / group_filters * group_channels;
      for (std::int64_t ci = 0; ci < group_channels; ++ci) {
        const float* in = xd + (n * channels + first_channel + ci) * g.in_count();
        const float* kernel = wd + (m * group_channels + ci) * g.kernel_count();
        for (std::int64_t kz = 0; kz < g.kernel[0]; ++kz)
          for (std::int64_t ky = 0; ky < g.kernel[1]; ++ky)
            for (std::int64_t kx = 0; kx < g.kernel[2]; ++kx) {
              const float weight = kernel[(kz * g.kernel[1] + ky) * g.kernel[2] + kx];
              const IndexRange zs = valid_range(g.out[0], g.stride[0], kz * g.dilation[0] - g.pad[0], g.in[0]);
              const IndexRange ys = valid_range(g.out[1], g.stride[1], ky * g.dilation[1] - g.pad[1], g.in[1]);
              const std::int64_t x_offset = kx * g.dilation[2] - g.pad[2];
              const IndexRange xs = valid_range(g.out[2], g.stride[2], x_offset, g.in[2]);
              for (std::int64_t oz = zs.first; oz < zs.end; ++oz) {
                const std::int64_t iz = oz * g.stride[0] + kz * g.dilation[0] - g.pad[0];
                for (std::int64_t oy = ys.first; oy < ys.end; ++oy) {
                  const std::int64_t iy = oy * g.stride[1] + ky * g.dilation[1] - g.pad[1];
                  float* out_row = out + (oz * g.out[1] + oy) * g.out[2];
                  const float* in_row = in + (iz * g.in[1] + iy) * g.in[2];
                  const std::int64_t stride = g.stride[2];
                  if (stride == 1)  // the common case, kept apart so that the compiler vectorises it
                    for (std::int64_t ox = xs.first; ox < xs.end; ++ox) out_row[ox] += weight * in_row[ox + x_offset];
                  else
                    for (std::int64_t ox = xs.first; ox < xs.end; ++ox)
                      out_row[ox] += weight * in_row[ox * stride + x_offset];
                }
              }
            }
      }
    }
  if (sum) {
    const float* sd = sum->data<float>();
    for (std::int64_t i = 0; i < y.element_count(); ++i) yd[i] += sd[i];
  }
  apply_fused_activation(node, yd, y.element_count());
  std::vector<Tensor> outputs;
  outputs.push_back(std::move(y));
  return outputs;
}

}  // namespace deepimage::engine::graph
