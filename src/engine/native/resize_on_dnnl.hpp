// Which ONNX Resize nodes oneDNN's resampling primitive computes exactly. oneDNN has one coordinate
// rule per algorithm, with F = out / in per spatial axis:
//   nearest: in = round((out + 0.5) / F - 0.5), clamped to [0, in - 1]
//   linear:  in = (out + 0.5) / F - 0.5, neighbours clamped to the edge (ONNX half_pixel)
// ONNX has five coordinate transforms, four nearest rounding modes and scales that need not equal
// out / in; only the combinations that give the same source coordinates run on oneDNN, the rest run
// the reference kernel.
#pragma once

#include "engine/graph/graph.hpp"

namespace deepimage::engine::native {

enum class DnnlResampling { none, nearest, linear };

// `node` is a specialised Resize (constant scales/sizes); `in` and `out` its input and output shapes.
DnnlResampling dnnl_resampling_for(const graph::Graph& graph, const graph::Node& node, const Shape& in, const Shape& out);

}  // namespace deepimage::engine::native
