// fuse_conv_activation() (passes.hpp): folds BatchNormalization into the convolution before it and
// merges Conv/ConvTranspose -> [Add(residual)] -> activation chains into one node (ops.hpp's fused form),
// so an executor runs each chain as one primitive with post-ops instead of three passes over memory.
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "engine/graph/passes.hpp"

namespace deepimage::engine::graph {
namespace {

// How many node inputs read each value, and whether it is a graph output: a value may be folded into a
// fused node only when the node that replaces it is its sole reader.
struct Uses {
  std::vector<int> readers;
  std::vector<bool> is_output;
};

Uses count_uses(const Graph& graph) {
  Uses uses{std::vector<int>(graph.values.size(), 0), std::vector<bool>(graph.values.size(), false)};
  for (const Node& node : graph.nodes)
    for (ValueId in : node.inputs)
      if (in != no_value) ++uses.readers[static_cast<std::size_t>(in)];
  for (ValueId out : graph.outputs) uses.is_output[static_cast<std::size_t>(out)] = true;
  return uses;
}

bool only_read_by_one_node(const Uses& uses, ValueId v) {
  return uses.readers[static_cast<std::size_t>(v)] == 1 && !uses.is_output[static_cast<std::size_t>(v)];
}

// The index of the node reading `v` (the caller knows there is exactly one), or -1.
int reader_of(const Graph& graph, ValueId v) {
  for (std::size_t i = 0; i < graph.nodes.size(); ++i)
    for (ValueId in : graph.nodes[i].inputs)
      if (in == v) return static_cast<int>(i);
  return -1;
}

bool is_convolution(const Node& node) { return node.op == "Conv" || node.op == "ConvTranspose"; }

const float* constant_floats(const Graph& graph, ValueId v) {
  if (!graph.is_constant(v) || graph.value(v).dtype != DType::f32) return nullptr;
  return graph.value(v).constant->data<float>();
}

// Conv(X, W, B) -> BatchNormalization(scale, shift, mean, var) becomes Conv(X, W * s, (B - mean) * s + shift)
// with s = scale / sqrt(var + epsilon) per output channel; the conv node takes the BN's output value.
bool fold_batch_norm(Graph& graph, std::size_t conv_index, const Uses& uses) {
  Node& conv = graph.nodes[conv_index];
  if (!is_convolution(conv) || conv.has("activation") || conv.inputs.size() > 3 || conv.outputs.size() != 1)
    return false;
  const ValueId y = conv.outputs[0];
  if (!only_read_by_one_node(uses, y)) return false;
  const int bn_index = reader_of(graph, y);
  if (bn_index < 0) return false;
  const Node& bn = graph.nodes[static_cast<std::size_t>(bn_index)];
  if (bn.op != "BatchNormalization" || bn.inputs.size() < 5 || bn.inputs[0] != y || bn.outputs.size() != 1) return false;

  const ValueId w_id = conv.inputs[1];
  const float* w = constant_floats(graph, w_id);
  const ValueId b_id = conv.inputs.size() > 2 ? conv.inputs[2] : no_value;
  const float* b = b_id == no_value ? nullptr : constant_floats(graph, b_id);
  const float* scale = constant_floats(graph, bn.inputs[1]);
  const float* shift = constant_floats(graph, bn.inputs[2]);
  const float* mean = constant_floats(graph, bn.inputs[3]);
  const float* var = constant_floats(graph, bn.inputs[4]);
  if (!w || (b_id != no_value && !b) || !scale || !shift || !mean || !var) return false;

  const Tensor& weights = *graph.value(w_id).constant;
  if (weights.rank() < 3) return false;
  const std::int64_t group = conv.get_int("group", 1);
  // Conv weights are [OC, IC/G, k...]; ConvTranspose weights are [IC, OC/G, k...].
  const bool transposed = conv.op == "ConvTranspose";
  const std::int64_t channels = transposed ? weights.shape()[1] * group : weights.shape()[0];
  for (ValueId p : {bn.inputs[1], bn.inputs[2], bn.inputs[3], bn.inputs[4]})
    if (graph.value(p).constant->element_count() != channels) return false;
  if (b && graph.value(b_id).constant->element_count() != channels) return false;

  const double epsilon = bn.get_float("epsilon", 1e-5);
  std::vector<float> s(static_cast<std::size_t>(channels));
  for (std::int64_t c = 0; c < channels; ++c)
    s[static_cast<std::size_t>(c)] = static_cast<float>(scale[c] / std::sqrt(static_cast<double>(var[c]) + epsilon));

  Tensor folded_w = weights;  // a copy: the original constant may be shared with another node
  float* fw = folded_w.data<float>();
  const std::int64_t kernel = element_count(Shape(weights.shape().begin() + 2, weights.shape().end()));
  if (!transposed) {
    const std::int64_t per_channel = weights.element_count() / channels;
    for (std::int64_t i = 0; i < weights.element_count(); ++i) fw[i] *= s[static_cast<std::size_t>(i / per_channel)];
  } else {
    const std::int64_t in_channels = weights.shape()[0], out_per_group = weights.shape()[1];
    const std::int64_t in_per_group = in_channels / group;
    for (std::int64_t ic = 0; ic < in_channels; ++ic)
      for (std::int64_t j = 0; j < out_per_group; ++j) {
        const float f = s[static_cast<std::size_t>((ic / in_per_group) * out_per_group + j)];
        float* p = fw + (ic * out_per_group + j) * kernel;
        for (std::int64_t k = 0; k < kernel; ++k) p[k] *= f;
      }
  }
  Tensor folded_b(DType::f32, {channels});
  float* fb = folded_b.data<float>();
  for (std::int64_t c = 0; c < channels; ++c)
    fb[c] = ((b ? b[c] : 0.0f) - mean[c]) * s[static_cast<std::size_t>(c)] + shift[c];

  const ValueId bn_out = bn.outputs[0];
  const ValueId new_w = graph.add_constant(graph.value(w_id).name + "/bn_folded", std::move(folded_w));
  const ValueId new_b = graph.add_constant(graph.value(w_id).name + "/bn_folded_bias", std::move(folded_b));
  Node& c = graph.nodes[conv_index];
  c.inputs.resize(3);
  c.inputs[1] = new_w;
  c.inputs[2] = new_b;
  c.outputs[0] = bn_out;
  graph.nodes[static_cast<std::size_t>(bn_index)].op.clear();  // marked for removal
  return true;
}

// The fused `activation` attributes for an activation node, or false when it cannot be fused.
bool activation_attributes(const Graph& graph, const Node& act, Node& into) {
  if (act.op == "Relu") {
    into.attributes["activation"] = std::string("relu");
  } else if (act.op == "LeakyRelu") {
    into.attributes["activation"] = std::string("leaky_relu");
    into.attributes["alpha"] = act.get_float("alpha", 0.01);
  } else if (act.op == "Elu") {
    into.attributes["activation"] = std::string("elu");
    into.attributes["alpha"] = act.get_float("alpha", 1.0);
  } else if (act.op == "Sigmoid") {
    into.attributes["activation"] = std::string("sigmoid");
  } else if (act.op == "Tanh") {
    into.attributes["activation"] = std::string("tanh");
  } else if (act.op == "Clip") {
    double bounds[2] = {-std::numeric_limits<float>::max(), std::numeric_limits<float>::max()};
    for (std::size_t k = 1; k < 3 && k < act.inputs.size(); ++k) {
      const ValueId v = act.inputs[k];
      if (v == no_value) continue;
      const float* bound = constant_floats(graph, v);
      if (!bound || graph.value(v).constant->element_count() != 1) return false;
      bounds[k - 1] = bound[0];
    }
    into.attributes["activation"] = std::string("clip");
    into.attributes["alpha"] = bounds[0];
    into.attributes["beta"] = bounds[1];
  } else {
    return false;
  }
  return true;
}

// One fusion step at the conv node `conv_index`: the residual Add, or the activation, that reads its
// output. The fused node moves to the position of the node it absorbs: its inputs are all computed
// before the conv, and the residual is computed before the Add, so that position is valid for both.
bool fuse_next(Graph& graph, std::size_t conv_index, const Uses& uses) {
  const Node& conv = graph.nodes[conv_index];
  if (!is_convolution(conv) || conv.has("activation") || conv.outputs.size() != 1) return false;
  const ValueId y = conv.outputs[0];
  if (graph.value(y).dtype != DType::f32 || !only_read_by_one_node(uses, y)) return false;
  const int next_index = reader_of(graph, y);
  if (next_index < 0) return false;
  Node& next = graph.nodes[static_cast<std::size_t>(next_index)];
  if (next.outputs.size() != 1) return false;

  Node fused = conv;
  if (next.op == "Add") {
    // Only Conv takes a residual (ops.hpp), once, and only of the output's own shape (no broadcasting).
    if (conv.op != "Conv" || conv.inputs.size() > 3 || next.inputs.size() != 2) return false;
    const ValueId residual = next.inputs[0] == y ? next.inputs[1] : next.inputs[0];
    if (residual == y || residual == no_value) return false;
    const Value& r = graph.value(residual);
    if (r.dtype != DType::f32 || !r.shape_known || r.shape != graph.value(y).shape ||
        graph.value(next.outputs[0]).shape != graph.value(y).shape)
      return false;
    fused.inputs.resize(4, no_value);
    fused.inputs[3] = residual;
  } else if (next.inputs.empty() || next.inputs[0] != y || !activation_attributes(graph, next, fused)) {
    return false;
  }
  fused.outputs[0] = next.outputs[0];
  next = std::move(fused);
  graph.nodes[conv_index].op.clear();  // marked for removal
  return true;
}

void drop_marked_nodes(Graph& graph) {
  std::vector<Node> kept;
  kept.reserve(graph.nodes.size());
  for (Node& node : graph.nodes)
    if (!node.op.empty()) kept.push_back(std::move(node));
  graph.nodes = std::move(kept);
}

}  // namespace

void fuse_conv_activation(Graph& graph) {
  // Each rewrite removes one node, so the loops end; uses are recounted after every rewrite because
  // the rewritten node reads other values than the nodes it replaced.
  for (bool changed = true; changed;) {
    changed = false;
    const Uses uses = count_uses(graph);
    for (std::size_t i = 0; i < graph.nodes.size() && !changed; ++i) changed = fold_batch_norm(graph, i, uses);
    drop_marked_nodes(graph);
  }
  for (bool changed = true; changed;) {
    changed = false;
    const Uses uses = count_uses(graph);
    for (std::size_t i = 0; i < graph.nodes.size() && !changed; ++i) changed = fuse_next(graph, i, uses);
    drop_marked_nodes(graph);
  }
}

}  // namespace deepimage::engine::graph
