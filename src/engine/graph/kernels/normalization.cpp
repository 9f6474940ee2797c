#include "engine/graph/kernels/normalization.hpp"

#include <cmath>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/spatial_support.hpp"

namespace deepimage::engine::graph {
namespace {

// X has N and C; each per-channel input (names[k - 1] for input k) has shape (C).
void check_channel_inputs(const Node& node, const std::vector<Shape>& shapes, const std::vector<std::string>& names,
                          std::size_t min_rank) {
  const Shape& x = shapes[0];
  if (x.size() < min_rank)
    throw Error(ErrorCode::bad_model, node.describe() + ": input X has shape " + shape_to_string(x) + ", expected " +
                                          (min_rank == 2 ? "(N, C, ...)" : "(N, C, spatial...)"));
  for (std::size_t k = 1; k < shapes.size(); ++k)
    if (x[1] >= 0 && shapes[k] != Shape{x[1]})
      throw Error(ErrorCode::bad_model, node.describe() + ": input " + names[k - 1] + " has shape " +
                                            shape_to_string(shapes[k]) + ", expected (" + std::to_string(x[1]) +
                                            ") for the channels of X " + shape_to_string(x));
}

const std::vector<std::string> kBatchNormInputs = {"scale", "B", "input_mean", "input_var"};
const std::vector<std::string> kInstanceNormInputs = {"scale", "B"};

void refuse_training(const Node& node) {
  if (node.get_int("training_mode", 0) != 0)
    throw Error(ErrorCode::unsupported, node.describe() + ": training_mode 1 is not supported, expected inference (0)");
  for (std::size_t i = 1; i < node.outputs.size(); ++i)
    if (node.outputs[i] != no_value)
      throw Error(ErrorCode::unsupported, node.describe() + ": has " + std::to_string(node.outputs.size()) +
                                              " outputs; only Y (inference) is supported");
}

std::vector<Tensor> single(Tensor y) {
  std::vector<Tensor> outputs;
  outputs.push_back(std::move(y));
  return outputs;
}

}  // namespace

std::vector<TensorType> infer_batch_normalization(const Node& node, const std::vector<const Value*>& inputs) {
  refuse_training(node);
  std::vector<Shape> shapes = {spatial_input_value(node, inputs, 0, "X").shape};
  for (std::size_t k = 1; k <= 4; ++k) shapes.push_back(spatial_input_value(node, inputs, k, kBatchNormInputs[k - 1]).shape);
  check_channel_inputs(node, shapes, kBatchNormInputs, 2);
  return {{DType::f32, shapes[0]}};
}

std::vector<Tensor> batch_normalization_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  refuse_training(node);
  const Tensor& x = spatial_input_tensor(node, inputs, 0, "X");
  std::vector<const float*> p;  // scale, B, mean, var
  std::vector<Shape> shapes = {x.shape()};
  for (std::size_t k = 1; k <= 4; ++k) {
    const Tensor& t = spatial_input_tensor(node, inputs, k, kBatchNormInputs[k - 1]);
    p.push_back(t.data<float>());
    shapes.push_back(t.shape());
  }
  check_channel_inputs(node, shapes, kBatchNormInputs, 2);
  const double epsilon = node.get_float("epsilon", 1e-5);
  Tensor y(DType::f32, x.shape());
  const std::int64_t channels = x.shape()[1], planes = x.shape()[0] * channels;
  const std::int64_t size = planes > 0 ? x.element_count() / planes : 0;
  for (std::int64_t plane = 0; plane < planes; ++plane) {
    const std::int64_t c = plane % channels;
    const double factor = p[0][c] / std::sqrt(static_cast<double>(p[3][c]) + epsilon);
    const double shift = p[1][c] - p[2][c] * factor;
    const float* in = x.data<float>() + plane * size;
    float* out = y.data<float>() + plane * size;
    for (std::int64_t i = 0; i < size; ++i) out[i] = static_cast<float>(in[i] * factor + shift);
  }
  return single(std::move(y));
}

std::vector<TensorType> infer_instance_normalization(const Node& node, const std::vector<const Value*>& inputs) {
  std::vector<Shape> shapes = {spatial_input_value(node, inputs, 0, "X").shape};
  for (std::size_t k = 1; k <= 2; ++k)
    shapes.push_back(spatial_input_value(node, inputs, k, kInstanceNormInputs[k - 1]).shape);
  check_channel_inputs(node, shapes, kInstanceNormInputs, 3);
  return {{DType::f32, shapes[0]}};
}

std::vector<Tensor> instance_normalization_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = spatial_input_tensor(node, inputs, 0, "X");
  const Tensor& scale = spatial_input_tensor(node, inputs, 1, "scale");
  const Tensor& bias = spatial_input_tensor(node, inputs, 2, "B");
  check_channel_inputs(node, {x.shape(), scale.shape(), bias.shape()}, kInstanceNormInputs, 3);
  const double epsilon = node.get_float("epsilon", 1e-5);
  Tensor y(DType::f32, x.shape());
  const std::int64_t channels = x.shape()[1], planes = x.shape()[0] * channels;
  const std::int64_t size = planes > 0 ? x.element_count() / planes : 0;
  for (std::int64_t plane = 0; plane < planes; ++plane) {
    const float* in = x.data<float>() + plane * size;
    float* out = y.data<float>() + plane * size;
    double mean = 0;
    for (std::int64_t i = 0; i < size; ++i) mean += in[i];
    mean /= static_cast<double>(size);
    double variance = 0;
    for (std::int64_t i = 0; i < size; ++i) variance += (in[i] - mean) * (in[i] - mean);
    variance /= static_cast<double>(size);
    const std::int64_t c = plane % channels;
    const double factor = scale.data<float>()[c] / std::sqrt(variance + epsilon);
    for (std::int64_t i = 0; i < size; ++i) out[i] = static_cast<float>((in[i] - mean) * factor + bias.data<float>()[c]);
  }
  return single(std::move(y));
}

}  // namespace deepimage::engine::graph
