// split_conv_over_concat() (passes.hpp): a convolution of a channel concatenation becomes a sum of
// convolutions of its parts.
//   y = conv(concat(a, b), W) + B  =  (conv(a, W[:, :Ca]) + B) + conv(b, W[:, Ca:])
// since each output channel sums over the input channels. U-Net decoders concatenate the skip
// connection with the up-sampled features only to convolve the result: the copy into the concatenated
// buffer costs as much as a third of the convolution at full resolution (channels-last, where the
// parts cannot be written in place), while each further part's convolution adds the running sum as
// its Sum input (oneDNN's sum post-op, accumulated in place).
#include <cstddef>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "engine/graph/passes.hpp"

namespace deepimage::engine::graph {
namespace {

// Thinner parts are left concatenated: a convolution over few input channels does little arithmetic
// per pixel read, so running one per part costs more passes over the output than the copy saves.
constexpr std::int64_t kMinPartChannels = 16;

bool splittable_concat(const Graph& graph, const Node& concat) {
  if (concat.op != "Concat" || concat.inputs.size() < 2 || concat.outputs.size() != 1) return false;
  const Shape& out = graph.value(concat.outputs[0]).shape;
  if (out.size() < 3 || normalize_axis(concat.get_int("axis", 1), out.size(), concat) != 1) return false;
  for (ValueId in : concat.inputs) {
    if (in == no_value || graph.is_constant(in)) return false;
    const Value& v = graph.value(in);
    if (v.dtype != DType::f32 || !v.shape_known || v.shape.size() != out.size() || v.shape[1] < kMinPartChannels) return false;
  }
  return true;
}

bool plain_conv_of(const Graph& graph, const Node& conv, ValueId x) {
  if (conv.op != "Conv" || conv.has("activation") || conv.inputs.size() < 2 || conv.inputs.size() > 3 || conv.inputs[0] != x ||
      conv.outputs.size() != 1 || conv.get_int("group", 1) != 1)
    return false;
  const ValueId w = conv.inputs[1];
  if (!graph.is_constant(w) || graph.value(w).dtype != DType::f32) return false;
  return conv.inputs.size() == 2 || conv.inputs[2] == no_value || graph.is_constant(conv.inputs[2]);
}

// W[:, first : first + count] of a conv weight [OC, IC, k...].
Tensor input_channels(const Tensor& w, std::int64_t first, std::int64_t count) {
  Shape shape = w.shape();
  const std::int64_t out_channels = shape[0], in_channels = shape[1];
  std::int64_t kernel = 1;
  for (std::size_t i = 2; i < shape.size(); ++i) kernel *= shape[i];
  shape[1] = count;
  Tensor part(DType::f32, shape);
  for (std::int64_t o = 0; o < out_channels; ++o)
    std::memcpy(part.data<float>() + o * count * kernel, w.data<float>() + (o * in_channels + first) * kernel,
                static_cast<std::size_t>(count * kernel) * sizeof(float));
  return part;
}

}  // namespace

void split_conv_over_concat(Graph& graph) {
  std::vector<Node> rewritten;
  rewritten.reserve(graph.nodes.size());
  std::vector<bool> dropped(graph.nodes.size(), false);
  // The conv that replaces each concat, by node index: emitted in the conv's place, where every part
  // and the conv's constants already exist.
  std::vector<std::vector<Node>> replacement(graph.nodes.size());
  for (std::size_t c = 0; c < graph.nodes.size(); ++c) {
    const Node& concat = graph.nodes[c];
    if (!splittable_concat(graph, concat)) continue;
    const ValueId joined = concat.outputs[0];
    if (readers_of(graph, joined) != 1) continue;
    std::size_t k = c + 1;
    while (k < graph.nodes.size() &&
           std::find(graph.nodes[k].inputs.begin(), graph.nodes[k].inputs.end(), joined) == graph.nodes[k].inputs.end())
      ++k;
    if (k == graph.nodes.size() || !plain_conv_of(graph, graph.nodes[k], joined)) continue;

    const Node conv = graph.nodes[k];
    const Tensor weights = *graph.value(conv.inputs[1]).constant;
    const ValueId y = conv.outputs[0];
    // Part 0: conv + bias; each further part: conv + the running sum (Conv's 4th input, ops.hpp), the
    // last one writing the original output.
    std::vector<Node> parts;
    ValueId sum = no_value;
    std::int64_t first = 0;
    for (std::size_t p = 0; p < concat.inputs.size(); ++p) {
      const ValueId part = concat.inputs[p];
      const std::int64_t channels = graph.value(part).shape[1];
      Node piece = conv;
      piece.name = conv.name + "/part" + std::to_string(p);
      const ValueId bias = p == 0 && conv.inputs.size() == 3 ? conv.inputs[2] : no_value;
      piece.inputs = {part,
                      graph.add_constant(graph.value(conv.inputs[1]).name + "/part" + std::to_string(p),
                                         input_channels(weights, first, channels)),
                      bias};
      if (sum != no_value) piece.inputs.push_back(sum);
      first += channels;
      if (p + 1 == concat.inputs.size()) {
        piece.outputs = {y};
      } else {
        Value partial = graph.value(y);
        partial.name = graph.value(y).name + "/part" + std::to_string(p);
        piece.outputs = {graph.add_value(std::move(partial))};
      }
      sum = piece.outputs[0];
      parts.push_back(std::move(piece));
    }
    if (first != weights.shape()[1]) continue;  // a weight that does not match the parts: leave it
    dropped[c] = true;
    dropped[k] = true;
    replacement[k] = std::move(parts);
  }
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    if (!dropped[n]) rewritten.push_back(std::move(graph.nodes[n]));
    for (Node& r : replacement[n]) rewritten.push_back(std::move(r));
  }
  graph.nodes = std::move(rewritten);
  remove_dead_nodes(graph);
}

}  // namespace deepimage::engine::graph
