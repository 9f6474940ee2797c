// Graph passes. specialize() is what every executor runs first: tiles have constant shapes, so the
// graph is specialised once per input shape and cached (engine/native/native_engine.cpp).
//
//   Graph s = specialize(imported, {{1, 1, 256, 256}});  // every shape concrete, constants folded
//   pointwise_conv_before_upsampling(s);                  // optional: 1x1 convs at the lower resolution
//   split_conv_over_concat(s);                            // optional: no concatenated copy before a conv
//   fuse_conv_activation(s);                              // optional, for executors with fused convs
//   cancel_transposes(imported);                          // importers of NHWC formats (TF), before specialize()
#pragma once

#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine::graph {

// A copy of `graph` for inputs of `input_shapes` (graph input order): infers every value's shape,
// resolves auto_pad / ConvTranspose output_shape into explicit pads, folds every node whose inputs are
// all constant (Shape included, since shapes are now known), and removes nodes no output depends on.
// Throws Error(invalid_argument) when an input shape does not fit the graph's declared rank or fixed
// sizes, and Error(bad_model) for an inconsistent graph, naming the node.
Graph specialize(const Graph& graph, const std::vector<Shape>& input_shapes);

// Removes nodes whose outputs reach no graph output, and values no node uses.
void remove_dead_nodes(Graph& graph);

// Merges Conv/ConvTranspose -> [Add(residual)] -> activation chains into one node with the fused
// attributes described in ops.hpp, when the intermediate values have no other consumer and are not
// graph outputs; first folds a BatchNormalization that follows a conv with constant weights into them.
void fuse_conv_activation(Graph& graph);

// Resize (nearest or linear up-sampling) -> 1x1 Conv without activation becomes 1x1 Conv -> Resize when
// the conv has no more output channels than input channels: both are linear per pixel and the
// interpolation weights sum to 1 (the bias passes through), so the result is the same while the conv
// runs on 4x (2-d) or 8x (3-d) fewer pixels and fewer channels are resampled (U-Net decoders).
void pointwise_conv_before_upsampling(Graph& graph);

// Concat over channels -> Conv (group 1, constant weights, not yet fused) becomes one Conv per part
// over its slice of the weights, the first with the bias, each further one adding the previous one's
// result as its Sum input (ops.hpp), when the concatenation has no other reader and every part has at
// least 16 channels: the sum of the per-part convolutions is the convolution of the whole, and the
// concatenated copy is never made. Run it before fuse_conv_activation() (which then fuses the
// activation into the last part's conv).
void split_conv_over_concat(Graph& graph);

// Moves Transpose nodes towards the outputs through pointwise, broadcasting (constant operands permuted),
// Concat, reduction, Softmax and Pad nodes (axes remapped), and removes pairs that compose to the
// identity (cancel_transposes.cpp draws it): the NHWC importers wrap each layout-sensitive operator in
// Transposes, and this leaves a convolutional network with one at its input and one at its output.
// Graph outputs keep their values and names. Needs no shapes; then removes dead nodes.
void cancel_transposes(Graph& graph);

}  // namespace deepimage::engine::graph
