#include "engine/onnx/onnx_operator_forms.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "deepimage/error.hpp"
#include "engine/onnx/onnx_tensor.hpp"

namespace deepimage::engine {
namespace {

using graph::no_value;
using graph::Node;
using graph::ValueId;

Error refused(const Node& node, const OnnxNodeContext& c, const std::string& why) {
  return Error(ErrorCode::unsupported, c.source + ": " + node.describe() + ": " + why);
}

ValueId input(const Node& node, std::size_t k) { return k < node.inputs.size() ? node.inputs[k] : no_value; }

void set_input(Node& node, std::size_t k, ValueId id) {
  if (node.inputs.size() <= k) node.inputs.resize(k + 1, no_value);
  node.inputs[k] = id;
}

// Keeps the first `kept` outputs. The others are training-time results (statistics, masks, indices):
// dropped when nothing reads them, refused when something does.
void keep_outputs(Node& node, const OnnxNodeContext& c, std::size_t kept, const std::string& what) {
  for (std::size_t k = kept; k < node.outputs.size(); ++k)
    if (node.outputs[k] != no_value && c.is_used(node.outputs[k]))
      throw refused(node, c, "output " + std::to_string(k) + " (\"" + c.graph.value(node.outputs[k]).name + "\", " + what +
                                 ") is used, and the native engine computes only the inference output");
  node.outputs.resize(std::min(kept, node.outputs.size()));
}

ValueId ints_constant(const Node& node, const OnnxNodeContext& c, const std::string& role, const std::vector<std::int64_t>& v) {
  Tensor t(DType::i64, {static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return c.graph.add_constant(node.name + ":" + role, std::move(t));
}

ValueId floats_constant(const Node& node, const OnnxNodeContext& c, const std::string& role, const std::vector<double>& v) {
  Tensor t(DType::f32, {static_cast<std::int64_t>(v.size())});
  std::transform(v.begin(), v.end(), t.data<float>(), [](double x) { return static_cast<float>(x); });
  return c.graph.add_constant(node.name + ":" + role, std::move(t));
}

ValueId float_scalar(const Node& node, const OnnxNodeContext& c, const std::string& role, double v) {
  Tensor t(DType::f32, {});
  *t.data<float>() = static_cast<float>(v);
  return c.graph.add_constant(node.name + ":" + role, std::move(t));
}

// An integer-list attribute that a later opset made operand input `position`.
void ints_attribute_to_input(Node& node, const OnnxNodeContext& c, const std::string& key, std::size_t position) {
  if (!node.has(key)) return;
  const auto v = node.get_ints(key);
  node.attributes.erase(key);
  set_input(node, position, ints_constant(node, c, key, v));
}

void float_attribute_to_input(Node& node, const OnnxNodeContext& c, const std::string& key, std::size_t position) {
  if (!node.has(key)) return;
  const double v = node.get_float(key, 0);
  node.attributes.erase(key);
  set_input(node, position, float_scalar(node, c, key, v));
}

void as_is(Node&, const OnnxNodeContext&) {}

// The Indices output is computed when something reads it; otherwise it is dropped, and with it
// storage_order, which describes only that output.
void max_pool(Node& node, const OnnxNodeContext& c) {
  if (node.outputs.size() < 2 || node.outputs[1] == no_value || !c.is_used(node.outputs[1])) {
    node.outputs.resize(1);
    node.attributes.erase("storage_order");
  }
}

// Opsets < 11 (Upsample, Resize-10) had no nearest_mode: ONNX Runtime's reading, which the old node
// tests encode, takes floor(x) when an axis is enlarged and ceil(x) when it is shrunk.
std::string legacy_nearest_mode(const Node& node, const OnnxNodeContext& c, ValueId scales) {
  if (!c.graph.is_constant(scales)) {
    if (node.op == "Upsample") return "floor";  // Upsample's scales are >= 1 by its specification
    throw refused(node, c, "opset-10 nearest Resize with scales computed at run time: whether it rounds up or down "
                           "depends on their values, which must be constant");
  }
  const Tensor s = c.graph.value(scales).constant->converted(DType::f64);
  const double* v = s.data<double>();
  const bool enlarges = std::all_of(v, v + s.element_count(), [](double x) { return x >= 1; });
  const bool shrinks = std::all_of(v, v + s.element_count(), [](double x) { return x <= 1; });
  if (enlarges) return "floor";
  if (shrinks) return "ceil";
  throw refused(node, c, "opset-10 nearest Resize that enlarges some axes and shrinks others is not supported");
}

void resize(Node& node, const OnnxNodeContext& c) {
  if (c.opset < 11) {  // Resize-10: X, scales; asymmetric coordinates
    const ValueId scales = input(node, 1);
    node.inputs = {input(node, 0), no_value, scales};
    node.attributes["coordinate_transformation_mode"] = std::string("asymmetric");
    if (node.get_string("mode", "nearest") == "nearest")
      node.attributes["nearest_mode"] = legacy_nearest_mode(node, c, scales);
    return;
  }
  // Opsets 11 and 12 require roi and scales and write an empty tensor for "not given"; 13+ omit them.
  for (std::size_t k : {1, 2})
    if (const ValueId v = input(node, k); c.graph.is_constant(v) && c.graph.value(v).constant->element_count() == 0)
      node.inputs[k] = no_value;
}

// Upsample (opsets 7 to 9): Resize with asymmetric coordinates; scales an attribute before opset 9.
void upsample(Node& node, const OnnxNodeContext& c) {
  const std::string mode = node.get_string("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    throw refused(node, c, "mode \"" + mode + "\" is not an Upsample mode (expected \"nearest\" or \"linear\")");
  ValueId scales = input(node, 1);
  if (c.opset < 9) {
    if (!node.has("scales")) throw Error(ErrorCode::bad_model, c.source + ": " + node.describe() + " has no scales attribute");
    scales = floats_constant(node, c, "scales", node.get_floats("scales"));
  }
  node.inputs = {input(node, 0), no_value, scales};
  node.attributes.clear();
  node.attributes["mode"] = mode;
  node.attributes["coordinate_transformation_mode"] = std::string("asymmetric");
  if (mode == "nearest") node.attributes["nearest_mode"] = legacy_nearest_mode(node, c, scales);
  node.op = "Resize";
}

void batch_normalization(Node& node, const OnnxNodeContext& c) {
  if (c.opset < 9 && node.get_int("spatial", 1) == 0)
    throw refused(node, c, "spatial = 0 (statistics per activation, not per channel) is not supported");
  if (node.get_int("training_mode", 0) != 0)
    throw refused(node, c, "training_mode = 1 (normalising with the batch's own statistics) is not supported; "
                           "export the model in evaluation mode");
  keep_outputs(node, c, 1, "a training statistic");
  const double epsilon = node.get_float("epsilon", 1e-5);
  node.attributes.clear();  // momentum and spatial only concern training
  node.attributes["epsilon"] = epsilon;
}

void pad(Node& node, const OnnxNodeContext& c) {
  if (c.opset >= 11) return;
  if (!node.has("pads")) throw Error(ErrorCode::bad_model, c.source + ": " + node.describe() + " has no pads attribute");
  ints_attribute_to_input(node, c, "pads", 1);
  set_input(node, 2, float_scalar(node, c, "value", node.get_float("value", 0)));
  node.attributes.erase("value");
}

void clip(Node& node, const OnnxNodeContext& c) {
  if (c.opset >= 11) return;
  float_attribute_to_input(node, c, "min", 1);
  float_attribute_to_input(node, c, "max", 2);
}

void softmax(Node& node, const OnnxNodeContext& c) {
  // Before opset 13 Softmax flattened the input to 2-d at `axis` (default 1); since then it works along
  // one axis (default -1).
  node.attributes["axis"] = node.get_int("axis", c.opset < 13 ? 1 : -1);
  if (c.opset < 13) node.attributes["legacy"] = std::int64_t{1};
}

template <int axes_input_since>
void axes_attribute_to_input(Node& node, const OnnxNodeContext& c) {
  if (c.opset < axes_input_since) ints_attribute_to_input(node, c, "axes", 1);
}

void slice(Node& node, const OnnxNodeContext& c) {
  if (c.opset >= 10) return;
  for (const char* key : {"starts", "ends"})
    if (!node.has(key)) throw Error(ErrorCode::bad_model, c.source + ": " + node.describe() + " has no " + key + " attribute");
  ints_attribute_to_input(node, c, "starts", 1);
  ints_attribute_to_input(node, c, "ends", 2);
  ints_attribute_to_input(node, c, "axes", 3);
}

// The single value of a constant scalar operand; throws when it is computed at run time.
double constant_scalar(const Node& node, const OnnxNodeContext& c, ValueId id, const std::string& what) {
  if (!c.graph.is_constant(id))
    throw refused(node, c, what + " is computed at run time; the native engine runs inference only and needs it constant");
  const Tensor t = c.graph.value(id).constant->converted(DType::f64);
  if (t.element_count() != 1) throw Error(ErrorCode::bad_model, c.source + ": " + node.describe() + ": " + what + " is not a scalar");
  return t.data<double>()[0];
}

// Dropout at inference passes its input through and its mask (opset 10 on: bool) is all true, which
// Shape -> ConstantOfShape(true) computes. Training mode with ratio 0 drops nothing, so it is the same.
void dropout(Node& node, const OnnxNodeContext& c) {
  if (const ValueId training = input(node, 2); training != no_value && constant_scalar(node, c, training, "training_mode") != 0) {
    const double ratio = input(node, 1) == no_value ? 0.5 : constant_scalar(node, c, input(node, 1), "ratio");
    if (ratio != 0) {
      char text[32];
      std::snprintf(text, sizeof text, "%g", ratio);
      throw refused(node, c, std::string("training_mode is true with ratio ") + text + "; the native engine runs inference only");
    }
  }
  const ValueId x = input(node, 0);
  if (node.outputs.size() > 1 && node.outputs[1] != no_value && c.is_used(node.outputs[1])) {
    if (c.opset < 10) keep_outputs(node, c, 1, "the dropout mask, of the input's type before opset 10");
    else {
      Node shape{.op = "Shape", .name = node.name + ":mask_shape", .inputs = {x}, .outputs = {}, .attributes = {}};
      graph::Value shape_value;
      shape_value.name = node.name + ":mask_shape";
      shape.outputs.push_back(c.graph.add_value(std::move(shape_value)));
      Tensor all_true(DType::boolean, {1});
      all_true.data<bool>()[0] = true;
      Node mask{.op = "ConstantOfShape", .name = node.name + ":mask", .inputs = {shape.outputs[0], c.graph.add_constant(node.name + ":true", std::move(all_true))},
                .outputs = {node.outputs[1]}, .attributes = {}};
      c.graph.nodes.push_back(std::move(shape));
      c.graph.nodes.push_back(std::move(mask));
    }
  }
  node.outputs.resize(1);
  node.op = "Identity";
  node.inputs = {x};
  node.attributes.clear();
}

void constant_of_shape(Node& node, const OnnxNodeContext& c) {
  Tensor value(DType::f32, {1});  // ONNX's default: a float 0
  for (const auto& a : c.proto.attribute())
    if (a.name() == "value") {
      value = tensor_from_proto(a.t(), c.source + ": " + node.describe() + ": attribute \"value\"");
      if (value.element_count() != 1)
        throw Error(ErrorCode::bad_model, c.source + ": " + node.describe() + ": attribute \"value\" has " +
                                              std::to_string(value.element_count()) + " elements, expected 1");
    }
  set_input(node, 1, c.graph.add_constant(node.name + ":value", std::move(value)));
}

// The one list of ONNX operators (default domain) the native engine runs, with the oldest opset each
// form reads. Constant is not here: the importer turns it into a constant value, not a node.
const std::map<std::string, OperatorForm>& operator_forms() {
  static const std::map<std::string, OperatorForm> forms = {
      // convolution, pooling, resampling, normalisation, padding
      {"Conv", {as_is}}, {"ConvTranspose", {as_is}}, {"MaxPool", {max_pool}}, {"AveragePool", {as_is}},
      {"GlobalAveragePool", {as_is}}, {"GlobalMaxPool", {as_is}}, {"Resize", {resize, 10}}, {"Upsample", {upsample, 7}},
      {"BatchNormalization", {batch_normalization, 7}}, {"InstanceNormalization", {as_is}}, {"Pad", {pad, 2}},
      // elementwise (numpy broadcasting since opset 7)
      {"Add", {as_is, 7}}, {"Sub", {as_is, 7}}, {"Mul", {as_is, 7}}, {"Div", {as_is, 7}}, {"Pow", {as_is, 7}},
      {"PRelu", {as_is, 7}}, {"Equal", {as_is, 7}}, {"Less", {as_is, 7}}, {"Greater", {as_is, 7}}, {"Where", {as_is}},
      {"Relu", {as_is}}, {"Sigmoid", {as_is}}, {"Tanh", {as_is}}, {"Sqrt", {as_is}}, {"Exp", {as_is}},
      {"Identity", {as_is}}, {"Neg", {as_is}}, {"Abs", {as_is}}, {"Floor", {as_is}}, {"Ceil", {as_is}}, {"Erf", {as_is}},
      {"LeakyRelu", {as_is}}, {"Elu", {as_is}}, {"Clip", {clip, 6}}, {"Softmax", {softmax}}, {"Dropout", {dropout, 7}},
      // shape manipulation
      {"Concat", {as_is, 4}}, {"Reshape", {as_is, 5}}, {"Flatten", {as_is}}, {"Transpose", {as_is}},
      {"Squeeze", {axes_attribute_to_input<13>}}, {"Unsqueeze", {axes_attribute_to_input<13>}}, {"Slice", {slice}},
      {"Shape", {as_is}}, {"Gather", {as_is}}, {"Cast", {as_is, 6}}, {"ConstantOfShape", {constant_of_shape}},
      {"Expand", {as_is}},
      // reductions, matrix products
      {"ReduceMean", {axes_attribute_to_input<18>}}, {"ReduceMax", {axes_attribute_to_input<18>}},
      {"ReduceMin", {axes_attribute_to_input<18>}}, {"ReduceSum", {axes_attribute_to_input<13>}},
      {"MatMul", {as_is}}, {"Gemm", {as_is, 7}},
  };
  return forms;
}

}  // namespace

const OperatorForm* find_operator_form(const std::string& op_type) {
  const auto it = operator_forms().find(op_type);
  return it == operator_forms().end() ? nullptr : &it->second;
}

std::vector<std::string> onnx_operators() {
  std::vector<std::string> names = {"Constant"};
  for (const auto& [name, form] : operator_forms()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace deepimage::engine
