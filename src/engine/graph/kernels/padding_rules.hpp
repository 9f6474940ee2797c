// Window geometry of Conv, ConvTranspose, MaxPool and AveragePool: ONNX's attribute defaults, the
// output-size rules, and the conversion of auto_pad / ConvTranspose output_shape into explicit pads.
// specialize() calls resolve_explicit_pads() on every node once shapes are known, so kernels and
// executors see explicit pads only; the kernels also accept an unresolved node (they resolve a copy).
//
//   one spatial axis, window extent e = (k - 1) * d + 1 moved by stride s:
//
//     |<- pb ->|x x x x x x x x x x x x|<- pe ->|
//      [w . w . w]                                  first window (k = 3, d = 2: e = 5)
//          s   [w . w . w]                          next window, s further
//
//     conv, pool:      out = floor((pb + in + pe - e) / s) + 1     (ceil for a pool with ceil_mode,
//                                                                   minus a last window starting in pe)
//     conv transpose:  out = s * (in - 1) + output_padding + e - pb - pe
//     SAME_UPPER/LOWER: out = ceil(in / s), total pad = max(0, (out - 1) * s + e - in); the odd pixel
//                      goes to the end (UPPER) or the beginning (LOWER). VALID: no pads.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine::graph {

struct Window {
  std::vector<std::int64_t> kernel;
  std::vector<std::int64_t> strides;
  std::vector<std::int64_t> dilations;
  std::vector<std::int64_t> pads;            // begin..., end... (2 * rank)
  std::vector<std::int64_t> output_padding;  // ConvTranspose only; else zeros
  bool ceil_mode = false;                    // pools only

  std::size_t rank() const { return kernel.size(); }
  std::int64_t extent(std::size_t axis) const { return (kernel[axis] - 1) * dilations[axis] + 1; }
  std::int64_t pad_begin(std::size_t axis) const { return pads[axis]; }
  std::int64_t pad_end(std::size_t axis) const { return pads[rank() + axis]; }
};

// The node's window for an input of shape `input` (N, C, spatial...) and, for convolutions, weights of
// shape `weight` (kernel = its spatial dims). auto_pad and output_shape are applied: the pads returned
// are explicit. A spatial size of -1 (unknown) gets zero pads: its output size is unknown anyway.
// Throws Error(bad_model) naming the node when an attribute has the wrong length or value.
Window conv_window(const Node& node, const Shape& input, const Shape& weight);
Window conv_transpose_window(const Node& node, const Shape& input, const Shape& weight);
Window pool_window(const Node& node, const Shape& input);

// Output spatial sizes; -1 where the input's size is -1. Throws Error(bad_model) when the window
// does not fit the padded input. window_output_sizes serves convolutions and pools (ceil_mode is
// only ever set on a pool's window).
std::vector<std::int64_t> window_output_sizes(const Node& node, const Window& window, const Shape& input);
std::vector<std::int64_t> conv_transpose_output_sizes(const Node& node, const Window& window, const Shape& input);

// Rewrites the node's attributes into the explicit form: pads (and output_padding, ceil_mode) set,
// auto_pad and output_shape removed. The shapes must be fully known.
void resolve_conv_pads(Node& node, const Shape& input, const Shape& weight);
void resolve_conv_transpose_pads(Node& node, const Shape& input, const Shape& weight);
void resolve_pool_pads(Node& node, const Shape& input);
// The above by node.op (Conv, ConvTranspose, MaxPool, AveragePool); other nodes are left as they are.
// `input_shapes` are the node's input shapes in order (omitted inputs may be empty).
void resolve_explicit_pads(Node& node, const std::vector<Shape>& input_shapes);

}  // namespace deepimage::engine::graph
