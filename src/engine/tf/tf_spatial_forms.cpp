#include "engine/tf/tf_spatial_forms.hpp"

#include <limits>

namespace deepimage::engine::tf_forms {
namespace {

using graph::no_value;
using graph::ValueId;
using Ints = std::vector<std::int64_t>;

std::string list_text(const Ints& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// Where the channels are, from data_format, and the tensor's rank (4 for 2-d images, 5 for 3-d).
struct Layout {
  bool channels_first = false;
  std::size_t rank = 4;
  std::size_t channel_axis() const { return channels_first ? 1 : rank - 1; }
};

Layout layout_of(const TfNode& n, std::size_t rank) {
  const std::string format = n.string_attr("data_format", rank == 5 ? "NDHWC" : "NHWC");
  if (format == "NHWC" || format == "NDHWC") return {false, format.size()};
  if (format == "NCHW" || format == "NCDHW") return {true, format.size()};
  throw n.refused("data_format \"" + format + "\" is not supported (expected NHWC, NCHW, NDHWC or NCDHW)");
}

ValueId channels_first(TfNode& n, ValueId x, const Layout& l) {
  return l.channels_first ? x : n.builder.to_channels_first(x, l.rank, n.name());
}

ValueId channels_back(TfNode& n, ValueId y, const Layout& l) {
  return l.channels_first ? y : n.builder.to_channels_last(y, l.rank, n.name());
}

// The spatial entries of a per-axis list written in the node's data_format (strides [1, 2, 2, 1] ->
// [2, 2]); the batch and channel entries must be 1. `fallback` for each axis when the list is empty.
Ints spatial_entries(const TfNode& n, const std::string& what, const Ints& v, const Layout& l, std::int64_t fallback) {
  if (v.empty()) return Ints(l.rank - 2, fallback);
  if (v.size() != l.rank)
    throw n.broken(what + " " + list_text(v) + " has " + std::to_string(v.size()) + " entries, expected " + std::to_string(l.rank));
  if (v[0] != 1 || v[l.channel_axis()] != 1)
    throw n.refused(what + " " + list_text(v) + " is not 1 along the batch and channel axes; only spatial " + what + " are supported");
  Ints s;
  for (std::size_t d = 1; d < l.rank; ++d)
    if (d != l.channel_axis()) s.push_back(v[d]);
  return s;
}

// TF's padding attribute as the graph's. SAME: output ceil(in / stride), total padding
// max(0, (out - 1) * stride + (k - 1) * dilation + 1 - in), floor(total / 2) before and the rest (the
// odd pixel) after: ONNX's SAME_UPPER, resolved by specialize() once the input size is known.
// EXPLICIT: explicit_paddings holds (before, after) per axis in data_format order.
void set_padding(const TfNode& n, const Layout& l, TfAttributes& a) {
  const std::string padding = n.string_attr("padding", "");
  if (padding == "SAME") {
    a["auto_pad"] = std::string("SAME_UPPER");
  } else if (padding == "VALID") {
    a["auto_pad"] = std::string("VALID");
  } else if (padding == "EXPLICIT") {
    const Ints e = n.ints_attr("explicit_paddings");
    if (e.size() != 2 * l.rank)
      throw n.broken("explicit_paddings " + list_text(e) + " has " + std::to_string(e.size()) + " entries, expected " +
                     std::to_string(2 * l.rank));
    Ints begins, ends;
    for (std::size_t d = 1; d < l.rank; ++d) {
      if (d == l.channel_axis()) continue;
      begins.push_back(e[2 * d]);
      ends.push_back(e[2 * d + 1]);
    }
    if (e[0] != 0 || e[1] != 0 || e[2 * l.channel_axis()] != 0 || e[2 * l.channel_axis() + 1] != 0)
      throw n.refused("explicit_paddings " + list_text(e) + " pads the batch or channel axis");
    begins.insert(begins.end(), ends.begin(), ends.end());
    a["pads"] = begins;
  } else {
    throw n.refused("padding \"" + padding + "\" is not supported (expected SAME, VALID or EXPLICIT)");
  }
}

// A TF kernel (spatial..., in, out) as the graph's (out, in, spatial...): HWIO -> OIHW. The same perm
// turns Conv2DBackpropInput's (spatial..., out, in) into ConvTranspose's (in, out, spatial...).
ValueId kernel_channels_first(TfNode& n, ValueId kernel, std::size_t rank) {
  Ints perm = {static_cast<std::int64_t>(rank) - 1, static_cast<std::int64_t>(rank) - 2};
  for (std::size_t d = 0; d + 2 < rank; ++d) perm.push_back(static_cast<std::int64_t>(d));
  return n.builder.add("Transpose", n.name() + "/kernel", {kernel}, {{"perm", perm}});
}

// The conv's result in TF's layout; noted so that a BiasAdd reading only it becomes the conv's bias.
ValueId convolution_result(TfNode& n, ValueId y, const Layout& l) {
  const auto& nodes = n.builder.graph().nodes;
  const bool emitted = !nodes.empty() && nodes.back().outputs.size() == 1 && nodes.back().outputs[0] == y;
  const std::size_t conv_index = nodes.size() - 1;
  const ValueId result = channels_back(n, y, l);
  if (emitted) n.builder.note_biasless_convolution(result, conv_index);
  return result;
}

TfAttributes window_attributes(const TfNode& n, const Layout& l) {
  TfAttributes a{{"strides", spatial_entries(n, "strides", n.ints_attr("strides"), l, 1)},
                 {"dilations", spatial_entries(n, "dilations", n.ints_attr("dilations"), l, 1)}};
  set_padding(n, l, a);
  return a;
}

}  // namespace

std::vector<ValueId> convolution(TfNode& n) {
  const Layout l = layout_of(n, n.def.op() == "Conv3D" ? 5 : 4);
  const ValueId w = kernel_channels_first(n, n.input(1), l.rank);
  const ValueId y = n.builder.add("Conv", n.name(), {channels_first(n, n.input(0), l), w}, window_attributes(n, l));
  return {convolution_result(n, y, l)};
}

// TF's depthwise kernel (H, W, C, M) holds M filters per input channel; output channel c * M + m is
// input channel c through filter m: a grouped convolution with C groups and kernel (C * M, 1, H, W).
std::vector<ValueId> depthwise_convolution(TfNode& n) {
  const Layout l = layout_of(n, 4);
  const Shape k = n.constant_input(1, "filter").shape();  // a copy: adding values moves the constants
  if (k.size() != 4) throw n.broken("filter has shape " + shape_to_string(k) + ", expected (H, W, C, M)");
  const ValueId cmhw = n.builder.add("Transpose", n.name() + "/kernel", {n.input(1)}, {{"perm", Ints{2, 3, 0, 1}}});
  const ValueId w = n.builder.add("Reshape", n.name() + "/kernel_grouped", {cmhw, n.builder.ints(n.name() + "/kernel_shape", {k[2] * k[3], 1, k[0], k[1]})});
  TfAttributes a = window_attributes(n, l);
  a["group"] = k[2];
  const ValueId y = n.builder.add("Conv", n.name(), {channels_first(n, n.input(0), l), w}, a);
  return {convolution_result(n, y, l)};
}

// Conv2DBackpropInput(input_sizes, filter, out_backprop): the gradient of a Conv2D whose input had
// input_sizes, i.e. a transposed convolution whose output has exactly those sizes. Its padding is the
// forward conv's: for SAME, total = max(0, (in - 1) * stride + k - out) with floor(total / 2) cropped at
// the beginning, which is ConvTranspose with output_shape and SAME_UPPER (padding_rules.hpp); a negative
// total (out larger than the full transposed conv) is output_padding at the end, as TF's zero gradient
// there. input_sizes is often computed from the input's shape (Shape -> StridedSlice -> Pack): then its
// spatial part becomes ConvTranspose's output_shape operand, which specialize() folds.
std::vector<ValueId> transposed_convolution(TfNode& n) {
  const Layout l = layout_of(n, n.def.op() == "Conv3DBackpropInputV2" ? 5 : 4);
  TfAttributes a{{"strides", spatial_entries(n, "strides", n.ints_attr("strides"), l, 1)},
                 {"dilations", spatial_entries(n, "dilations", n.ints_attr("dilations"), l, 1)}};
  const std::string padding = n.string_attr("padding", "");
  if (padding != "SAME" && padding != "VALID")
    throw n.refused("padding \"" + padding + "\" is not supported for a transposed convolution (expected SAME or VALID)");
  a["auto_pad"] = std::string(padding == "SAME" ? "SAME_UPPER" : "VALID");
  const std::int64_t first = l.channels_first ? 2 : 1;
  ValueId output_shape = no_value;
  if (n.builder.constant_of(n.input(0))) {
    const Ints sizes = n.constant_ints(0, "input_sizes");
    if (sizes.size() != l.rank) throw n.broken("input_sizes " + list_text(sizes) + " has not " + std::to_string(l.rank) + " entries");
    a["output_shape"] = Ints(sizes.begin() + first, sizes.begin() + first + static_cast<std::int64_t>(l.rank) - 2);
  } else {
    output_shape = n.builder.add("Slice", n.name() + "/output_size",
                                 {n.input(0), n.builder.ints(n.name() + "/output_size_start", {first}),
                                  n.builder.ints(n.name() + "/output_size_end", {first + static_cast<std::int64_t>(l.rank) - 2}),
                                  n.builder.ints(n.name() + "/output_size_axis", {0})});
  }
  const ValueId w = kernel_channels_first(n, n.input(1), l.rank);
  const ValueId y = n.builder.add("ConvTranspose", n.name(), {channels_first(n, n.input(2), l), w, no_value, output_shape}, a);
  return {convolution_result(n, y, l)};
}

// value + bias along the channel axis. Right after a convolution that nothing else reads, the bias
// becomes the conv's B input (one oneDNN primitive instead of two passes).
std::vector<ValueId> bias_add(TfNode& n) {
  const ValueId x = n.input(0), bias = n.input(1);
  const Tensor* b = n.builder.constant_of(bias);
  if (b && b->rank() == 1 && n.reader_count(n.input_names.at(0)) == 1)
    if (graph::Node* conv = n.builder.biasless_convolution(x)) {
      if (conv->inputs.size() < 3) conv->inputs.resize(3, no_value);
      conv->inputs[2] = bias;
      return {x};
    }
  const std::string format = n.string_attr("data_format", "NHWC");
  if (format == "NCHW") {  // the channel axis is 1 of a 4-d tensor: the bias as (C, 1, 1)
    const ValueId column = n.builder.add("Reshape", n.name() + "/bias", {bias, n.builder.ints(n.name() + "/bias_shape", {-1, 1, 1})});
    return {n.builder.add("Add", n.name(), {x, column})};
  }
  if (format != "NHWC") throw n.refused("data_format \"" + format + "\" is not supported (expected NHWC or NCHW)");
  return {n.builder.add("Add", n.name(), {x, bias})};
}

std::vector<ValueId> pool(TfNode& n) {
  const std::string& op = n.def.op();
  const bool is_max = op.rfind("MaxPool", 0) == 0;
  const Layout l = layout_of(n, op.size() > 2 && op.substr(op.size() - 2) == "3D" ? 5 : 4);
  const bool operands = op == "MaxPoolV2";  // ksize and strides as inputs 1 and 2
  const Ints ksize = operands ? n.constant_ints(1, "ksize") : n.ints_attr("ksize");
  const Ints strides = operands ? n.constant_ints(2, "strides") : n.ints_attr("strides");
  if (ksize.empty()) throw n.broken("has no ksize");
  TfAttributes a{{"kernel_shape", spatial_entries(n, "ksize", ksize, l, 1)}, {"strides", spatial_entries(n, "strides", strides, l, 1)}};
  set_padding(n, l, a);
  // TF averages over the window's pixels inside the input: SAME padding is not counted.
  if (!is_max) a["count_include_pad"] = std::int64_t{0};
  const ValueId y = n.builder.add(is_max ? "MaxPool" : "AveragePool", n.name(), {channels_first(n, n.input(0), l)}, a);
  return {channels_back(n, y, l)};
}

// Inference only: is_training (TF's default: true) normalises with the batch's own statistics, and its
// other outputs (batch mean and variance, reserve space) are training results.
std::vector<ValueId> fused_batch_norm(TfNode& n) {
  if (n.bool_attr("is_training", true))
    throw n.refused("is_training is true (normalising with the batch's own statistics); export the model for inference");
  for (int k = 1; k <= 5; ++k)
    if (n.reader_count(n.name() + ":" + std::to_string(k)) > 0)
      throw n.refused("output " + std::to_string(k) + " (a training statistic) is read; the native engine computes only output 0");
  const std::string format = n.string_attr("data_format", "NHWC");
  const Layout l = layout_of(n, format.size() == 5 ? 5 : 4);
  const ValueId y = n.builder.add("BatchNormalization", n.name(),
                                  {channels_first(n, n.input(0), l), n.input(1), n.input(2), n.input(3), n.input(4)},
                                  {{"epsilon", n.float_attr("epsilon", 1e-4)}});
  return {channels_back(n, y, l)};
}

// ResizeBilinear / ResizeNearestNeighbor(images, size) as Resize with sizes (N, C, size...). TF's
// coordinates for output pixel o (scale = in / out):
//   align_corners        o * (in - 1) / (out - 1); nearest rounds half away from zero
//                        -> "align_corners", nearest_mode round_prefer_ceil
//   half_pixel_centers   bilinear (o + 0.5) * scale - 0.5, neighbours clamped into the input
//                        -> "half_pixel" (Resize reads the edge for neighbours outside);
//                        nearest floor((o + 0.5) * scale) = round_prefer_ceil((o + 0.5) * scale - 0.5)
//                        -> "half_pixel", nearest_mode round_prefer_ceil
//   neither (TF1's default) o * scale; nearest floor -> "asymmetric", nearest_mode floor
std::vector<ValueId> resize(TfNode& n) {
  const bool bilinear = n.def.op() == "ResizeBilinear";
  const bool align = n.bool_attr("align_corners", false), half = n.bool_attr("half_pixel_centers", false);
  if (align && half) throw n.broken("sets both align_corners and half_pixel_centers, which TensorFlow refuses");
  const Layout l{false, 4};
  const ValueId x = channels_first(n, n.input(0), l);
  const ValueId batch_channels = n.builder.add("Shape", n.name() + "/batch_channels", {x}, {{"end", std::int64_t{2}}});
  const ValueId size = n.builder.add("Cast", n.name() + "/size", {n.input(1)}, {{"to", std::int64_t{7}}});
  const ValueId sizes = n.builder.add("Concat", n.name() + "/sizes", {batch_channels, size}, {{"axis", std::int64_t{0}}});
  TfAttributes a{{"mode", std::string(bilinear ? "linear" : "nearest")},
                 {"coordinate_transformation_mode", std::string(align ? "align_corners" : half ? "half_pixel" : "asymmetric")}};
  if (!bilinear) a["nearest_mode"] = std::string(align || half ? "round_prefer_ceil" : "floor");
  const ValueId y = n.builder.add("Resize", n.name(), {x, no_value, no_value, sizes}, a);
  return {channels_back(n, y, l)};
}

}  // namespace deepimage::engine::tf_forms
