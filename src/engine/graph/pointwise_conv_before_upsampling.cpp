// pointwise_conv_before_upsampling() (passes.hpp): swaps Resize -> 1x1 Conv into 1x1 Conv -> Resize.
//   y = conv1x1(resize(x)):  y[o](p) = b[o] + sum_c W[o,c] * sum_i w_i(p) x[c](q_i)
//                                    = sum_i w_i(p) * (b[o] + sum_c W[o,c] x[c](q_i))   since sum_i w_i(p) = 1
// which holds for nearest (one weight of 1) and linear interpolation without extrapolation.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/graph/passes.hpp"

namespace deepimage::engine::graph {
namespace {

bool is_pointwise_conv(const Graph& graph, const Node& conv) {
  if (conv.op != "Conv" || conv.has("activation") || conv.inputs.size() < 2 || conv.inputs.size() > 3) return false;
  if (!graph.is_constant(conv.inputs[1]) || (conv.inputs.size() == 3 && conv.inputs[2] != no_value && !graph.is_constant(conv.inputs[2])))
    return false;
  const Shape& w = graph.value(conv.inputs[1]).shape;
  for (std::size_t i = 2; i < w.size(); ++i)
    if (w[i] != 1) return false;
  for (auto s : conv.get_ints("strides", {}))
    if (s != 1) return false;
  for (auto p : conv.get_ints("pads", {}))
    if (p != 0) return false;
  return true;
}

bool is_linear_upsampling(const Graph& graph, const Node& resize) {
  if (resize.op != "Resize" || resize.inputs.empty() || resize.outputs.size() != 1) return false;
  const std::string mode = resize.get_string("mode", "nearest");
  if ((mode != "nearest" && mode != "linear") ||
      resize.get_string("coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize" || resize.has("axes"))
    return false;
  const Shape& in = graph.value(resize.inputs[0]).shape;
  const Shape& out = graph.value(resize.outputs[0]).shape;
  if (in.size() < 3 || out.size() != in.size() || in[0] != out[0] || in[1] != out[1]) return false;
  for (std::size_t i = 2; i < in.size(); ++i)
    if (out[i] < in[i]) return false;
  // Operands must be constants (specialize() folds them): sizes names the channel count, rewritten below.
  for (std::size_t k = 1; k < resize.inputs.size(); ++k)
    if (resize.inputs[k] != no_value && !graph.is_constant(resize.inputs[k])) return false;
  return true;
}

}  // namespace

void pointwise_conv_before_upsampling(Graph& graph) {
  for (std::size_t r = 0; r < graph.nodes.size(); ++r) {
    if (!is_linear_upsampling(graph, graph.nodes[r])) continue;
    const ValueId upsampled = graph.nodes[r].outputs[0];
    if (readers_of(graph, upsampled) != 1) continue;
    std::size_t c = r + 1;
    while (c < graph.nodes.size() &&
           std::find(graph.nodes[c].inputs.begin(), graph.nodes[c].inputs.end(), upsampled) == graph.nodes[c].inputs.end())
      ++c;
    if (c == graph.nodes.size() || !is_pointwise_conv(graph, graph.nodes[c]) || graph.nodes[c].inputs[0] != upsampled) continue;
    const Shape& in = graph.value(graph.nodes[r].inputs[0]).shape;
    const ValueId conv_out = graph.nodes[c].outputs[0];
    const std::int64_t out_channels = graph.value(conv_out).shape[1];
    if (out_channels > in[1]) continue;

    // x -> Conv -> small (new value) -> Resize -> conv_out (the conv's old output, same shape).
    Value small;
    small.name = graph.value(conv_out).name + "/before_upsampling";
    small.dtype = graph.value(conv_out).dtype;
    small.shape = in;
    small.shape[1] = out_channels;
    small.shape_known = true;
    const ValueId small_id = graph.add_value(std::move(small));
    Node conv = graph.nodes[c];
    Node resize = graph.nodes[r];
    conv.inputs[0] = resize.inputs[0];
    conv.outputs[0] = small_id;
    resize.inputs[0] = small_id;
    resize.outputs[0] = conv_out;
    if (resize.inputs.size() > 3 && resize.inputs[3] != no_value) {
      Tensor sizes = *graph.value(resize.inputs[3]).constant;
      if (sizes.dtype() != DType::i64 || sizes.element_count() < 2) continue;
      sizes.data<std::int64_t>()[1] = out_channels;
      resize.inputs[3] = graph.add_constant(graph.value(resize.inputs[3]).name + "/channels", std::move(sizes));
    }
    graph.nodes[r] = std::move(conv);
    graph.nodes[c] = std::move(resize);
  }
}

}  // namespace deepimage::engine::graph
