// The TF operations that depend on which axis holds the channels, as channels-first graph operators
// between Transposes (tf_operator_forms.hpp's layout rule): convolutions, transposed convolution,
// pooling, batch normalisation, resizing. Listed in tf_operator_forms.cpp's operator_forms().
#pragma once

#include <vector>

#include "engine/tf/tf_node.hpp"

namespace deepimage::engine::tf_forms {

std::vector<graph::ValueId> convolution(TfNode& n);            // Conv2D, Conv3D
std::vector<graph::ValueId> depthwise_convolution(TfNode& n);  // DepthwiseConv2dNative
std::vector<graph::ValueId> transposed_convolution(TfNode& n); // Conv2DBackpropInput, Conv3DBackpropInputV2
std::vector<graph::ValueId> bias_add(TfNode& n);               // BiasAdd, BiasAddV1
std::vector<graph::ValueId> pool(TfNode& n);                   // MaxPool, MaxPoolV2, AvgPool, MaxPool3D, AvgPool3D
std::vector<graph::ValueId> fused_batch_norm(TfNode& n);       // FusedBatchNorm, V2, V3
std::vector<graph::ValueId> resize(TfNode& n);                 // ResizeBilinear, ResizeNearestNeighbor

}  // namespace deepimage::engine::tf_forms
