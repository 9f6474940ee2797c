#include "engine/onnx/onnx_architecture.hpp"

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <map>
#include <set>

#include "deepimage/error.hpp"

namespace deepimage::engine {
namespace {

// Output shapes come from ONNX's own shape inference (libonnx), run on the graph with its inputs
// set to the example shapes: it follows the operator specifications exactly, also for Resize and
// Upsample scales held in initializers, and needs no forward pass, and it describes the file's own
// nodes, not the native engine's fused ones.

struct ConstantTensor {
  Shape shape;
  bool floating = false;
};

bool is_floating(int data_type) {
  return data_type == onnx::TensorProto::FLOAT || data_type == onnx::TensorProto::DOUBLE ||
         data_type == onnx::TensorProto::FLOAT16 || data_type == onnx::TensorProto::BFLOAT16;
}

ConstantTensor constant_of(const onnx::TensorProto& t) {
  return {Shape(t.dims().begin(), t.dims().end()), is_floating(t.data_type())};
}

// Inputs that hold a setting, not a learned weight: PyTorch keeps these as buffers (batch-norm
// running statistics) or arguments (resize scales, clip bounds, pad values), not as parameters.
bool is_setting_input(const std::string& op_type, int index) {
  static const std::map<std::string, std::set<int>> settings = {
      {"Resize", {1, 2, 3}}, {"Upsample", {1}},     {"BatchNormalization", {3, 4}},
      {"Clip", {1, 2}},      {"Pad", {1, 2, 3}},    {"Range", {0, 1, 2}},
      {"Expand", {1}},       {"Tile", {1}},         {"ConstantOfShape", {0}}};
  const auto it = settings.find(op_type);
  return it != settings.end() && it->second.count(index) > 0;
}

Shape shape_of(const onnx::TypeProto& type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return {-1};  // rank unknown
  Shape s;
  for (const auto& d : type.tensor_type().shape().dim()) s.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return s;
}

bool known(const Shape& s) { return std::none_of(s.begin(), s.end(), [](std::int64_t d) { return d < 0; }); }

std::int64_t int_attribute(const onnx::NodeProto& node, const std::string& name, std::int64_t fallback) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return a.i();
  return fallback;
}

// 2 FLOPs per multiply-add, for convolutions and matrix products only (architecture.hpp).
std::int64_t flops_of(const onnx::NodeProto& node, const std::map<std::string, Shape>& shapes) {
  const auto shape = [&](int input) -> Shape {
    if (input >= node.input_size()) return {-1};
    const auto it = shapes.find(node.input(input));
    return it == shapes.end() ? Shape{-1} : it->second;
  };
  const auto out = node.output_size() > 0 && shapes.count(node.output(0)) ? shapes.at(node.output(0)) : Shape{-1};
  const std::string& op = node.op_type();
  if (op == "Conv" || op == "ConvTranspose") {
    // Conv W: [Cout, Cin/groups, k...], one multiply-add per output element and W element of one
    // output channel; ConvTranspose W: [Cin, Cout/groups, k...], per input element and W element of
    // one input channel.
    const Shape w = shape(1), counted = op == "Conv" ? out : shape(0);
    if (!known(w) || !known(counted) || w.empty() || w[0] == 0) return 0;
    return 2 * element_count(counted) * (element_count(w) / w[0]);
  }
  if (op == "Gemm") {
    const Shape a = shape(0);
    if (!known(a) || a.size() != 2 || !known(out)) return 0;
    return 2 * element_count(out) * (int_attribute(node, "transA", 0) ? a[0] : a[1]);
  }
  if (op == "MatMul") {
    const Shape a = shape(0);
    if (!known(a) || a.empty() || !known(out)) return 0;
    return 2 * element_count(out) * a.back();
  }
  return 0;
}

// The graph inputs fed at run time (initializers excluded), matched to the rdf's as the onnx engine
// does: by name when every rdf id is a graph input name, else by position.
std::vector<onnx::ValueInfoProto*> fed_inputs(onnx::GraphProto& graph, const ModelSpec& spec, const std::string& source) {
  std::set<std::string> initializers;
  for (const auto& init : graph.initializer()) initializers.insert(init.name());
  std::vector<onnx::ValueInfoProto*> fed;
  for (auto& in : *graph.mutable_input())
    if (!initializers.count(in.name())) fed.push_back(&in);
  if (fed.size() != spec.inputs.size())
    throw Error(ErrorCode::bad_model, source + ": the graph has " + std::to_string(fed.size()) + " inputs but the rdf declares " +
                                          std::to_string(spec.inputs.size()));
  std::vector<onnx::ValueInfoProto*> by_name;
  for (const auto& t : spec.inputs) {
    const auto it = std::find_if(fed.begin(), fed.end(), [&](const onnx::ValueInfoProto* v) { return v->name() == t.id; });
    if (it == fed.end()) return fed;
    by_name.push_back(*it);
  }
  return by_name;
}

}  // namespace

Architecture describe_onnx_layers(const model::Model& model, const WeightsSpec& weights, const std::vector<Shape>& input_shapes) {
  const std::vector<std::byte> bytes = model::read_checked(model, weights.source, weights.sha256);
  onnx::ModelProto proto;
  if (!proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw Error(ErrorCode::bad_model, weights.source + ": not an ONNX model (protobuf ModelProto does not parse)");
  onnx::GraphProto& graph = *proto.mutable_graph();

  // The example shapes replace the declared ones; shapes the exporter recorded for other sizes go.
  const std::vector<onnx::ValueInfoProto*> inputs = fed_inputs(graph, model.spec, weights.source);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    auto* shape = inputs[i]->mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->clear_dim();
    for (const std::int64_t d : input_shapes.at(i)) shape->add_dim()->set_dim_value(d);
  }
  graph.clear_value_info();
  for (auto& out : *graph.mutable_output()) out.mutable_type()->mutable_tensor_type()->clear_shape();
  try {
    // Not strict: a node it cannot infer (an operator newer than this libonnx) leaves its outputs unknown.
    onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/false, /*strict_mode=*/0, /*data_prop=*/true));
  } catch (const std::exception&) {
    // Shapes inferred before the failure are kept; the rest show as unknown (-1).
  }

  std::map<std::string, Shape> shapes;
  for (const auto& v : graph.input()) shapes[v.name()] = shape_of(v.type());
  for (const auto& v : graph.value_info()) shapes[v.name()] = shape_of(v.type());
  for (const auto& v : graph.output()) shapes[v.name()] = shape_of(v.type());
  std::map<std::string, ConstantTensor> constants;
  for (const auto& init : graph.initializer()) constants[init.name()] = constant_of(init);
  for (const auto& node : graph.node())
    if (node.op_type() == "Constant" && node.output_size() == 1)
      for (const auto& a : node.attribute())
        if (a.name() == "value" && a.has_t()) constants[node.output(0)] = constant_of(a.t());
  for (const auto& [name, c] : constants) shapes.emplace(name, c.shape);

  Architecture a;
  a.view = "nodes";
  std::set<std::string> counted;  // a weight read by two nodes counts once, at the first
  for (const auto& node : graph.node()) {
    if (node.op_type() == "Constant") continue;
    LayerInfo layer;
    layer.name = !node.name().empty() ? node.name() : node.output_size() > 0 ? node.output(0) : "";
    layer.kind = node.domain().empty() || node.domain() == "ai.onnx" ? node.op_type() : node.domain() + "." + node.op_type();
    for (const auto& out : node.output())
      if (!out.empty()) layer.output_shapes.push_back(shapes.count(out) ? shapes.at(out) : Shape{-1});
    for (int i = 0; i < node.input_size(); ++i) {
      const auto c = constants.find(node.input(i));
      if (c == constants.end() || !c->second.floating || is_setting_input(node.op_type(), i)) continue;
      if (counted.insert(c->first).second) layer.params += element_count(c->second.shape);
    }
    layer.flops = flops_of(node, shapes);
    a.total_params += layer.params;
    a.total_flops += layer.flops;
    a.layers.push_back(std::move(layer));
  }
  return a;
}

}  // namespace deepimage::engine
