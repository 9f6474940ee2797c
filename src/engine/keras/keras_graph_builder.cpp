#include "engine/keras/keras_graph_builder.hpp"

#include "deepimage/error.hpp"

namespace deepimage::engine::keras {

int channels_first_axis(std::int64_t axis, int rank) {
  const std::int64_t a = axis < 0 ? axis + rank : axis;
  if (rank < 3 || a <= 0) return static_cast<int>(a);
  return a == rank - 1 ? 1 : static_cast<int>(a + 1);
}

std::vector<std::int64_t> to_channels_first_perm(int rank) {
  std::vector<std::int64_t> perm{0, rank - 1};
  for (int k = 1; k < rank - 1; ++k) perm.push_back(k);
  return perm;
}

std::vector<std::int64_t> to_channels_last_perm(int rank) {
  std::vector<std::int64_t> perm{0};
  for (int k = 2; k < rank; ++k) perm.push_back(k);
  perm.push_back(1);
  return perm;
}

Tensor permuted(const Tensor& t, const std::vector<std::int64_t>& perm) {
  const Shape& in = t.shape();
  Shape out;
  for (auto p : perm) out.push_back(in.at(static_cast<std::size_t>(p)));
  Tensor result(t.dtype(), out);
  const auto in_strides = strides_of(in);
  const std::size_t rank = perm.size();
  std::vector<std::int64_t> index(rank, 0);
  const float* src = t.data<float>();
  float* dst = result.data<float>();
  for (std::int64_t k = 0; k < result.element_count(); ++k) {
    std::int64_t offset = 0;
    for (std::size_t d = 0; d < rank; ++d) offset += index[d] * in_strides[static_cast<std::size_t>(perm[d])];
    dst[k] = src[offset];
    for (std::size_t d = rank; d-- > 0;) {  // next output index, C order
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return result;
}

graph::ValueId KerasGraphBuilder::node(const std::string& op, const std::string& name,
                                       std::vector<graph::ValueId> inputs,
                                       std::map<std::string, graph::Attribute> attributes) {
  graph::Value value;
  value.name = name;
  const graph::ValueId out = graph_.add_value(std::move(value));
  graph_.nodes.push_back(
      {.op = op, .name = name, .inputs = std::move(inputs), .outputs = {out}, .attributes = std::move(attributes)});
  return out;
}

graph::ValueId KerasGraphBuilder::constant(const std::string& name, Tensor t) {
  return graph_.add_constant(name, std::move(t));
}

graph::ValueId KerasGraphBuilder::ints(const std::string& name, const std::vector<std::int64_t>& values) {
  Tensor t(DType::i64, {static_cast<std::int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<std::int64_t>());
  return constant(name, std::move(t));
}

graph::ValueId KerasGraphBuilder::scalar(const std::string& name, float value) {
  Tensor t(DType::f32, {});
  *t.data<float>() = value;
  return constant(name, std::move(t));
}

KerasValue KerasGraphBuilder::to_channels_last(KerasValue v, const std::string& name) {
  if (v.rank < 3) return v;
  return {node("Transpose", name, {v.id}, {{"perm", to_channels_last_perm(v.rank)}}), v.rank};
}

KerasValue KerasGraphBuilder::to_channels_first(KerasValue v, const std::string& name) {
  if (v.rank < 3) return v;
  return {node("Transpose", name, {v.id}, {{"perm", to_channels_first_perm(v.rank)}}), v.rank};
}

KerasValue KerasGraphBuilder::activation(KerasValue v, const std::string& activation, const std::string& name,
                                         const std::string& where) {
  const auto unary = [&](const std::string& op, std::map<std::string, graph::Attribute> attributes = {}) {
    return KerasValue{node(op, name, {v.id}, std::move(attributes)), v.rank};
  };
  if (activation.empty() || activation == "linear") return v;
  if (activation == "relu") return unary("Relu");
  if (activation == "sigmoid") return unary("Sigmoid");
  if (activation == "tanh") return unary("Tanh");
  if (activation == "elu") return unary("Elu", {{"alpha", 1.0}});
  if (activation == "exponential") return unary("Exp");
  if (activation == "softplus") return unary("Softplus");
  if (activation == "softsign") {  // x / (1 + |x|)
    const graph::ValueId magnitude = node("Abs", name + "/abs", {v.id});
    const graph::ValueId denominator = node("Add", name + "/denominator", {magnitude, scalar(name + "/one", 1.f)});
    return {node("Div", name, {v.id, denominator}), v.rank};
  }
  if (activation == "softmax") return unary("Softmax", {{"axis", std::int64_t{v.rank >= 3 ? 1 : -1}}});
  if (activation == "selu") {  // scale * elu(x, alpha) with Keras' constants
    const graph::ValueId elu = node("Elu", name + "/elu", {v.id}, {{"alpha", 1.6732632423543772}});
    return {node("Mul", name, {elu, scalar(name + "/scale", 1.0507009873554805f)}), v.rank};
  }
  if (activation == "hard_sigmoid") {  // Keras 2.x: clip(0.2 x + 0.5, 0, 1)
    const graph::ValueId scaled = node("Mul", name + "/scaled", {v.id, scalar(name + "/slope", 0.2f)});
    const graph::ValueId shifted = node("Add", name + "/shifted", {scaled, scalar(name + "/offset", 0.5f)});
    return {node("Clip", name, {shifted, scalar(name + "/min", 0.f), scalar(name + "/max", 1.f)}), v.rank};
  }
  if (activation == "swish" || activation == "silu") {
    const graph::ValueId gate = node("Sigmoid", name + "/sigmoid", {v.id});
    return {node("Mul", name, {v.id, gate}), v.rank};
  }
  throw Error(ErrorCode::unsupported,
              where + " uses the activation \"" + activation +
                  "\"; the native engine knows linear, relu, sigmoid, tanh, softmax, elu, selu, "
                  "hard_sigmoid, swish, softplus, softsign and exponential");
}

}  // namespace deepimage::engine::keras
