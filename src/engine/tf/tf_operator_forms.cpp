#include "engine/tf/tf_operator_forms.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "engine/tf/tf_spatial_forms.hpp"

namespace deepimage::engine {
namespace {

using graph::no_value;
using graph::ValueId;
using Ints = std::vector<std::int64_t>;
using Outputs = std::vector<ValueId>;

constexpr std::int64_t kToEnd = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kToStart = std::numeric_limits<std::int64_t>::min();

// The graph operator of the same meaning, for operations that need nothing but the name changed.
const std::map<std::string, std::string>& same_meaning() {
  static const std::map<std::string, std::string> ops = {
      {"Relu", "Relu"},   {"Sigmoid", "Sigmoid"}, {"Tanh", "Tanh"},   {"Sqrt", "Sqrt"},      {"Exp", "Exp"},
      {"Log", "Log"},     {"Softplus", "Softplus"}, {"Neg", "Neg"},   {"Abs", "Abs"},        {"Floor", "Floor"},
      {"Ceil", "Ceil"},   {"Erf", "Erf"},         {"Elu", "Elu"},     {"Add", "Add"},        {"AddV2", "Add"},
      {"Sub", "Sub"},     {"Mul", "Mul"},         {"RealDiv", "Div"}, {"Div", "Div"},        {"Maximum", "Max"},
      {"Minimum", "Min"}, {"Pow", "Pow"},         {"Greater", "Greater"}, {"Less", "Less"},  {"Equal", "Equal"},
      {"SelectV2", "Where"}, {"Mean", "ReduceMean"}, {"Max", "ReduceMax"}, {"Min", "ReduceMin"},
      {"Sum", "ReduceSum"}, {"Prod", "ReduceProd"},
  };
  return ops;
}

Outputs renamed(TfNode& n) {
  const std::string& op = same_meaning().at(n.def.op());
  if (op.rfind("Reduce", 0) == 0) {
    // TF reduces nothing over an empty axis list (ONNX would reduce everything), and drops the reduced
    // axes unless keep_dims.
    return {n.builder.add(op, n.name(), {n.input(0), n.input(1)},
                          {{"keepdims", std::int64_t{n.bool_attr("keep_dims", false) ? 1 : 0}}, {"noop_with_empty_axes", std::int64_t{1}}})};
  }
  return {n.builder.add(op, n.name(), n.inputs)};
}

ValueId one_like(TfNode& n, double value) { return n.builder.scalar(n.name() + "/" + std::to_string(value), n.type_attr("T"), value); }

// Activations and arithmetic written with other graph operators.
Outputs relu6(TfNode& n) { return {n.builder.add("Clip", n.name(), {n.input(0), one_like(n, 0), one_like(n, 6)})}; }

Outputs leaky_relu(TfNode& n) {
  return {n.builder.add("LeakyRelu", n.name(), {n.input(0)}, {{"alpha", n.float_attr("alpha", 0.2)}})};
}

// selu(x) = scale * elu(x, alpha) with TF's (and the SELU paper's) constants.
Outputs selu(TfNode& n) {
  const ValueId elu = n.builder.add("Elu", n.name() + "/elu", {n.input(0)}, {{"alpha", 1.6732632423543772848170429916717}});
  return {n.builder.add("Mul", n.name(), {elu, one_like(n, 1.0507009873554804934193349852946)})};
}

Outputs softsign(TfNode& n) {
  const ValueId abs = n.builder.add("Abs", n.name() + "/abs", {n.input(0)});
  const ValueId denominator = n.builder.add("Add", n.name() + "/denominator", {abs, one_like(n, 1)});
  return {n.builder.add("Div", n.name(), {n.input(0), denominator})};
}

Outputs square(TfNode& n) { return {n.builder.add("Mul", n.name(), {n.input(0), n.input(0)})}; }

Outputs rsqrt(TfNode& n) {
  const ValueId root = n.builder.add("Sqrt", n.name() + "/sqrt", {n.input(0)});
  return {n.builder.add("Div", n.name(), {one_like(n, 1), root})};
}

Outputs reciprocal(TfNode& n) { return {n.builder.add("Div", n.name(), {one_like(n, 1), n.input(0)})}; }

Outputs squared_difference(TfNode& n) {
  const ValueId d = n.builder.add("Sub", n.name() + "/difference", {n.input(0), n.input(1)});
  return {n.builder.add("Mul", n.name(), {d, d})};
}

Outputs add_n(TfNode& n) {
  ValueId sum = n.input(0);
  for (std::size_t k = 1; k < n.inputs.size(); ++k)
    sum = n.builder.add("Add", k + 1 == n.inputs.size() ? n.name() : n.name() + "/" + std::to_string(k), {sum, n.inputs[k]});
  return {sum};
}

// TF's Softmax is over the last axis.
Outputs softmax(TfNode& n) { return {n.builder.add("Softmax", n.name(), {n.input(0)}, {{"axis", std::int64_t{-1}}})}; }

Outputs matmul(TfNode& n) {
  ValueId a = n.input(0), b = n.input(1);
  if (n.bool_attr("transpose_a", false)) a = n.builder.add("Transpose", n.name() + "/a", {a}, {{"perm", Ints{1, 0}}});
  if (n.bool_attr("transpose_b", false)) b = n.builder.add("Transpose", n.name() + "/b", {b}, {{"perm", Ints{1, 0}}});
  return {n.builder.add("MatMul", n.name(), {a, b})};
}

Outputs cast(TfNode& n) {
  return {n.builder.add("Cast", n.name(), {n.input(0)}, {{"to", onnx_type_number(n.type_attr("DstT"))}})};
}

// ---- shape manipulation ----

// ConcatV2(values..., axis) and the older Concat(axis, values...).
Outputs concat(TfNode& n) {
  const bool axis_first = n.def.op() == "Concat";
  const std::size_t axis_at = axis_first ? 0 : n.inputs.size() - 1;
  const Ints axis = n.constant_ints(axis_at, "axis");
  if (axis.size() != 1) throw n.broken("axis is not a scalar");
  std::vector<ValueId> values(n.inputs.begin() + (axis_first ? 1 : 0), n.inputs.end() - (axis_first ? 0 : 1));
  return {n.builder.add("Concat", n.name(), values, {{"axis", axis[0]}})};
}

// Pack stacks along a new axis: Unsqueeze each then Concat (a negative axis counts in the output's
// rank for both, as for Pack).
Outputs pack(TfNode& n) {
  const std::int64_t axis = n.int_attr("axis", 0);
  const ValueId axes = n.builder.ints(n.name() + "/axis", {axis});
  std::vector<ValueId> parts;
  for (std::size_t k = 0; k < n.inputs.size(); ++k)
    parts.push_back(n.builder.add("Unsqueeze", n.name() + "/" + std::to_string(k), {n.inputs[k], axes}));
  return {n.builder.add("Concat", n.name(), parts, {{"axis", axis}})};
}

Outputs unpack(TfNode& n) {
  const std::int64_t axis = n.int_attr("axis", 0), count = n.int_attr("num", -1);
  if (count < 1) throw n.broken("has no num attribute");
  const ValueId axes = n.builder.ints(n.name() + "/axis", {axis});
  Outputs outs;
  for (std::int64_t k = 0; k < count; ++k) {
    const std::string part = n.name() + ":" + std::to_string(k);
    const ValueId slice = n.builder.add("Slice", part + "/slice", {n.input(0), n.builder.ints(part + "/start", {k}), n.builder.ints(part + "/end", {k + 1}), axes});
    outs.push_back(n.builder.add("Squeeze", part, {slice, axes}));
  }
  return outs;
}

// TF's Reshape takes 0 literally (ONNX would copy the input's size): allowzero.
Outputs reshape(TfNode& n) {
  return {n.builder.add("Reshape", n.name(), {n.input(0), n.input(1)}, {{"allowzero", std::int64_t{1}}})};
}

Outputs transpose(TfNode& n) {
  return {n.builder.add("Transpose", n.name(), {n.input(0)}, {{"perm", n.constant_ints(1, "perm")}})};
}

// Squeeze(squeeze_dims, or axis in newer graphs); an empty list removes every axis of size 1.
Outputs squeeze(TfNode& n) {
  Ints axes = n.ints_attr("squeeze_dims");
  if (axes.empty()) axes = n.ints_attr("axis");
  if (axes.empty()) return {n.builder.add("Squeeze", n.name(), {n.input(0)})};
  return {n.builder.add("Squeeze", n.name(), {n.input(0), n.builder.ints(n.name() + "/axes", axes)})};
}

Outputs expand_dims(TfNode& n) {
  const Ints dim = n.constant_ints(1, "dim");
  if (dim.size() != 1) throw n.broken("dim is not a scalar");
  return {n.builder.add("Unsqueeze", n.name(), {n.input(0), n.builder.ints(n.name() + "/axes", dim)})};
}

// Shape gives int32 unless out_type says int64 (the graph's Shape gives int64).
Outputs shape(TfNode& n) {
  const DType type = n.has_attr("out_type") ? n.type_attr("out_type") : DType::i32;
  const ValueId s = n.builder.add("Shape", type == DType::i64 ? n.name() : n.name() + "/int64", {n.input(0)});
  if (type == DType::i64) return {s};
  return {n.builder.add("Cast", n.name(), {s}, {{"to", onnx_type_number(type)}})};
}

// StridedSlice(x, begin, end, strides) with its masks: bit i of begin_mask / end_mask ignores begin[i] /
// end[i] (from the start / to the end, in the stride's direction), of shrink_axis_mask takes the one
// element begin[i] and drops the axis, of new_axis_mask inserts an axis of size 1, of ellipsis_mask
// stands for the axes no other entry names. Becomes Slice, then Squeeze (shrunk axes), then Unsqueeze
// (new axes). Entries after an ellipsis name axes and output positions counted from the end (negative),
// so the input's rank need not be known.
Outputs strided_slice(TfNode& n) {
  const Ints begin = n.constant_ints(1, "begin"), end = n.constant_ints(2, "end"), strides = n.constant_ints(3, "strides");
  if (end.size() != begin.size() || strides.size() != begin.size())
    throw n.broken("begin, end and strides have different lengths");
  const auto mask = [&](const char* key) { return static_cast<std::uint64_t>(n.int_attr(key, 0)); };
  const std::uint64_t begin_mask = mask("begin_mask"), end_mask = mask("end_mask"), ellipsis_mask = mask("ellipsis_mask"),
                      new_axis_mask = mask("new_axis_mask"), shrink_mask = mask("shrink_axis_mask");
  const auto bit = [](std::uint64_t m, std::size_t i) { return i < 64 && ((m >> i) & 1u) != 0; };
  const std::size_t count = begin.size();
  std::size_t ellipsis = count;  // the ellipsis entry, or none
  for (std::size_t i = 0; i < count; ++i)
    if (bit(ellipsis_mask, i)) {
      if (ellipsis != count) throw n.broken("has more than one ellipsis");
      ellipsis = i;
    }
  // After the ellipsis: the input axes (entries that are not new axes) and output positions (entries
  // that are not shrunk) still to come, so each entry's is -that count.
  std::int64_t axes_left = 0, positions_left = 0;
  for (std::size_t i = ellipsis + 1; i < count; ++i) {
    if (!bit(new_axis_mask, i)) ++axes_left;
    if (bit(new_axis_mask, i) || !bit(shrink_mask, i)) ++positions_left;
  }
  Ints starts, ends, axes, steps, shrunk, inserted;
  std::int64_t axis = 0, position = 0;  // before the ellipsis: counted from the start
  for (std::size_t i = 0; i < count; ++i) {
    if (i == ellipsis) {
      axis = -axes_left;
      position = -positions_left;
      continue;
    }
    if (bit(new_axis_mask, i)) {
      inserted.push_back(position++);
      continue;
    }
    const std::int64_t s = strides[i];
    if (s == 0) throw n.broken("stride 0 at entry " + std::to_string(i));
    if (bit(shrink_mask, i)) {
      starts.push_back(begin[i]);
      ends.push_back(begin[i] == -1 ? kToEnd : begin[i] + 1);
      steps.push_back(1);
      axes.push_back(axis);
      shrunk.push_back(axis++);
      continue;
    }
    starts.push_back(bit(begin_mask, i) ? (s > 0 ? 0 : kToEnd) : begin[i]);
    ends.push_back(bit(end_mask, i) ? (s > 0 ? kToEnd : kToStart) : end[i]);
    steps.push_back(s);
    axes.push_back(axis++);
    ++position;
  }
  ValueId y = n.input(0);
  const std::string& name = n.name();
  const bool reshaped = !shrunk.empty() || !inserted.empty();
  if (!axes.empty())
    y = n.builder.add("Slice", reshaped ? name + "/slice" : name,
                      {y, n.builder.ints(name + "/starts", starts), n.builder.ints(name + "/ends", ends),
                       n.builder.ints(name + "/axes", axes), n.builder.ints(name + "/steps", steps)});
  if (!shrunk.empty()) y = n.builder.add("Squeeze", inserted.empty() ? name : name + "/squeeze", {y, n.builder.ints(name + "/shrunk", shrunk)});
  if (!inserted.empty()) y = n.builder.add("Unsqueeze", name, {y, n.builder.ints(name + "/inserted", inserted)});
  if (axes.empty() && !reshaped) y = n.builder.add("Identity", name, {y});
  return {y};
}

// Slice(x, begin, size): size -1 means to the end.
Outputs slice(TfNode& n) {
  const Ints begin = n.constant_ints(1, "begin"), size = n.constant_ints(2, "size");
  if (size.size() != begin.size()) throw n.broken("begin and size have different lengths");
  Ints ends, axes;
  for (std::size_t i = 0; i < begin.size(); ++i) {
    ends.push_back(size[i] < 0 ? kToEnd : begin[i] + size[i]);
    axes.push_back(static_cast<std::int64_t>(i));
  }
  return {n.builder.add("Slice", n.name(), {n.input(0), n.builder.ints(n.name() + "/starts", begin),
                                            n.builder.ints(n.name() + "/ends", ends), n.builder.ints(n.name() + "/axes", axes)})};
}

// Pad/PadV2/MirrorPad(x, paddings (rank, 2), [constant]): the graph's pads are (begins..., ends...),
// paddings transposed and flattened (folded when constant, by specialize() when not).
Outputs pad(TfNode& n) {
  std::string mode = "constant";
  if (n.def.op() == "MirrorPad") {
    const std::string m = n.string_attr("mode", "");
    if (m == "SYMMETRIC")
      throw n.refused("mode SYMMETRIC (the edge pixel repeated) is not supported; REFLECT is");
    if (m != "REFLECT") throw n.broken("mode \"" + m + "\" is not REFLECT or SYMMETRIC");
    mode = "reflect";  // numpy's reflect: the edge pixel is not repeated, as TF's REFLECT
  }
  const ValueId by_side = n.builder.add("Transpose", n.name() + "/paddings_by_side", {n.input(1)}, {{"perm", Ints{1, 0}}});
  const ValueId pads = n.builder.add("Reshape", n.name() + "/pads", {by_side, n.builder.ints(n.name() + "/flat", {-1})});
  std::vector<ValueId> inputs = {n.input(0), pads};
  if (n.def.op() == "PadV2") inputs.push_back(n.input(2));
  return {n.builder.add("Pad", n.name(), inputs, {{"mode", mode}})};
}

// Tile(x, multiples): x repeated along each axis.
Outputs tile(TfNode& n) { return {n.builder.add("Tile", n.name(), {n.input(0), n.input(1)})}; }

// Fill(dims, value): the scalar broadcast to dims.
Outputs fill(TfNode& n) { return {n.builder.add("Expand", n.name(), {n.input(1), n.input(0)})}; }

// The one list of TF operations the native engine runs, each with its form. The layout-sensitive ones
// live in tf_spatial_forms.cpp. The importer handles Const, Placeholder(WithDefault), Identity and kin.
const std::map<std::string, TfOperatorForm>& operator_forms() {
  static const std::map<std::string, TfOperatorForm> forms = [] {
    std::map<std::string, TfOperatorForm> f = {
        // convolution, pooling, normalisation, resampling (channels-first between Transposes)
        {"Conv2D", {tf_forms::convolution}}, {"Conv3D", {tf_forms::convolution}},
        {"DepthwiseConv2dNative", {tf_forms::depthwise_convolution}},
        {"Conv2DBackpropInput", {tf_forms::transposed_convolution}}, {"Conv3DBackpropInputV2", {tf_forms::transposed_convolution}},
        {"BiasAdd", {tf_forms::bias_add}}, {"BiasAddV1", {tf_forms::bias_add}},
        {"MaxPool", {tf_forms::pool}}, {"MaxPoolV2", {tf_forms::pool}}, {"AvgPool", {tf_forms::pool}},
        {"MaxPool3D", {tf_forms::pool}}, {"AvgPool3D", {tf_forms::pool}},
        {"FusedBatchNorm", {tf_forms::fused_batch_norm}}, {"FusedBatchNormV2", {tf_forms::fused_batch_norm}},
        {"FusedBatchNormV3", {tf_forms::fused_batch_norm}},
        {"ResizeBilinear", {tf_forms::resize}}, {"ResizeNearestNeighbor", {tf_forms::resize}},
        // activations and arithmetic written with other operators
        {"Relu6", {relu6}}, {"LeakyRelu", {leaky_relu}}, {"Selu", {selu}}, {"Softsign", {softsign}},
        {"Softmax", {softmax}}, {"Square", {square}}, {"Rsqrt", {rsqrt}}, {"Reciprocal", {reciprocal}}, {"Inv", {reciprocal}},
        {"SquaredDifference", {squared_difference}}, {"AddN", {add_n}}, {"MatMul", {matmul}}, {"Cast", {cast}},
        // shape manipulation
        {"ConcatV2", {concat}}, {"Concat", {concat}}, {"Pack", {pack}}, {"Unpack", {unpack}}, {"Reshape", {reshape}},
        {"Transpose", {transpose}}, {"Squeeze", {squeeze}}, {"ExpandDims", {expand_dims}}, {"Shape", {shape}},
        {"StridedSlice", {strided_slice}}, {"Slice", {slice}}, {"Pad", {pad}}, {"PadV2", {pad}}, {"MirrorPad", {pad}},
        {"Fill", {fill}}, {"Tile", {tile}},
    };
    // elementwise and reductions with a graph operator of the same meaning
    for (const auto& [op, graph_op] : same_meaning()) f.emplace(op, TfOperatorForm{renamed});
    return f;
  }();
  return forms;
}

}  // namespace

const TfOperatorForm* find_tf_operator_form(const std::string& op) {
  const auto it = operator_forms().find(op);
  return it == operator_forms().end() ? nullptr : &it->second;
}

std::vector<std::string> tf_operators() {
  std::vector<std::string> names = {"Const", "Placeholder", "PlaceholderWithDefault", "Identity", "IdentityN",
                                    "StopGradient", "Snapshot", "PreventGradient", "CheckNumerics", "NoOp"};
  for (const auto& [name, form] : operator_forms()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

std::int64_t onnx_type_number(DType dtype) {
  switch (dtype) {
    case DType::f32: return 1;
    case DType::u8: return 2;
    case DType::i8: return 3;
    case DType::u16: return 4;
    case DType::i16: return 5;
    case DType::i32: return 6;
    case DType::i64: return 7;
    case DType::boolean: return 9;
    case DType::f64: return 11;
    case DType::u32: return 12;
    case DType::u64: return 13;
  }
  return 1;
}

}  // namespace deepimage::engine
