// The TensorFlow operations the native engine runs, each with the graph operators (graph/ops.hpp) it
// becomes: ONE list, tf_operator_forms.cpp's operator_forms().
//
// Layout: TF tensors keep TF's own order (NHWC, NDHWC) in the graph. Operations whose meaning depends on
// which axis holds the channels (Conv2D/3D, Conv2DBackpropInput, DepthwiseConv2dNative, Max/AvgPool(3D),
// FusedBatchNorm*, ResizeBilinear/NearestNeighbor) become their channels-first graph operator between
// Transpose(NHWC -> NCHW) and Transpose(NCHW -> NHWC); graph/passes.hpp's cancel_transposes() then removes
// the pairs that meet, so a convolutional network keeps one Transpose at each end. Graphs written with
// data_format NCHW need none.
//
// TF semantics kept (tf_operator_forms.cpp says how): SAME padding with the odd pixel at the end (ONNX's
// SAME_UPPER), Conv2DBackpropInput's output size from its input_sizes operand (even when computed from
// the input's shape at run time), AvgPool's average over the pixels inside the input, ResizeBilinear's
// and ResizeNearestNeighbor's align_corners / half_pixel_centers coordinates, keep_dims and empty
// reduction axes (nothing reduced), StridedSlice's five masks, Reshape's literal 0, Shape's int32.
//
//   if (const TfOperatorForm* form = find_tf_operator_form("Conv2D")) outputs = form->import(node);
#pragma once

#include <string>
#include <vector>

#include "engine/tf/tf_node.hpp"

namespace deepimage::engine {

// How one operation is read: returns the graph values of the node's outputs 0, 1, ... (an output it
// does not compute is left out at the end; reading it is refused by the importer).
struct TfOperatorForm {
  std::vector<graph::ValueId> (*import)(TfNode& node);
};

// nullptr when the native engine does not run `op`. Const, Placeholder, PlaceholderWithDefault,
// Identity and its kin and NoOp are the importer's own (tf_import.cpp), not forms.
const TfOperatorForm* find_tf_operator_form(const std::string& op);

// Every TF operation the importer reads, its own included, in name order (for docs and messages).
std::vector<std::string> tf_operators();

// ONNX's number for an element type (graph Cast's `to`).
std::int64_t onnx_type_number(DType dtype);

}  // namespace deepimage::engine
