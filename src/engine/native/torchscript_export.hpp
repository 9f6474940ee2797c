// export_torchscript — the native engine's graph (graph/graph.hpp) as TorchScript source: the module
// `deepimage convert --to torchscript` compiles and saves (engine/torchscript_source.hpp).
//
//   TorchScriptSource s = export_torchscript(with_free_input_sizes(import_graph(model, weights)),
//                                            input_order, output_order);
//
// Written from the imported graph, the one every tile shape is specialised from (native_engine.cpp),
// so the module takes any input size the network takes: operands computed from shapes at run time
// (Shape -> Gather -> Concat chains, TF's Conv2DBackpropInput sizes) are computed by the module too,
// with the ONNX rules of each op (SAME padding, Reshape's 0 and -1, Slice's clamping, Resize's
// coordinate modes) written once as helper methods (torchscript_helpers.hpp). Each node becomes one
// line over aten ops; constants become buffers, or literals where an op takes a list of ints.
// `forward` takes the inputs in rdf order (input_order[k] = the graph input of the rdf's k-th tensor),
// converted to the graph inputs' types, and returns the outputs in rdf order (a tuple when several).
// An operator or attribute with no TorchScript spelling here is refused with Error(unsupported), one
// line naming the node.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/graph/graph.hpp"
#include "engine/torchscript_source.hpp"

namespace deepimage::engine {

TorchScriptSource export_torchscript(const graph::Graph& graph, const std::vector<std::size_t>& input_order,
                                     const std::vector<std::size_t>& output_order);

}  // namespace deepimage::engine
