#include "engine/onnx/onnx_import.hpp"

#include <onnx/onnx_pb.h>

#include <limits>
#include <map>
#include <set>

#include "deepimage/error.hpp"
#include "engine/onnx/onnx_operator_forms.hpp"
#include "engine/onnx/onnx_tensor.hpp"

namespace deepimage::engine {
namespace {

using graph::Graph;
using graph::no_value;
using graph::ValueId;

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

int default_domain_opset(const onnx::ModelProto& model, const std::string& source) {
  for (const auto& o : model.opset_import())
    if (is_default_domain(o.domain())) return static_cast<int>(o.version());
  throw Error(ErrorCode::bad_model, source + ": the model imports no opset of the default ONNX domain");
}

// The message a node is known by: its name, or its first output's when the exporter left it empty.
std::string node_label(const onnx::NodeProto& node) {
  if (!node.name().empty()) return node.name();
  for (const auto& out : node.output())
    if (!out.empty()) return out;
  return node.op_type();
}

// Value of a Constant node (opset 1's `value` tensor, or opset 12's scalar and list forms).
Tensor constant_value(const onnx::NodeProto& node, const std::string& source) {
  const std::string what = source + ": Constant node \"" + node_label(node) + "\"";
  if (node.attribute_size() != 1) throw Error(ErrorCode::bad_model, what + " has " + std::to_string(node.attribute_size()) + " attributes, expected 1");
  const onnx::AttributeProto& a = node.attribute(0);
  if (a.name() == "value") return tensor_from_proto(a.t(), what);
  if (a.name() == "value_float" || a.name() == "value_int") {
    Tensor t(a.name() == "value_float" ? DType::f32 : DType::i64, {});
    if (a.name() == "value_float") *t.data<float>() = a.f();
    else *t.data<std::int64_t>() = a.i();
    return t;
  }
  if (a.name() == "value_floats") {
    Tensor t(DType::f32, {a.floats_size()});
    std::copy(a.floats().begin(), a.floats().end(), t.data<float>());
    return t;
  }
  if (a.name() == "value_ints") {
    Tensor t(DType::i64, {a.ints_size()});
    std::copy(a.ints().begin(), a.ints().end(), t.data<std::int64_t>());
    return t;
  }
  throw Error(ErrorCode::unsupported, what + " holds its value as \"" + a.name() + "\"; the native engine reads numeric tensors only");
}

// The file's attributes as graph attributes. Tensor attributes are left to the operator's form (only
// ConstantOfShape has one among the operators we run); graphs, strings lists and sparse tensors have
// no meaning for them and are refused.
void copy_attributes(const onnx::NodeProto& proto, graph::Node& node, const std::string& source) {
  for (const auto& a : proto.attribute()) {
    switch (a.type()) {
      case onnx::AttributeProto::INT: node.attributes[a.name()] = static_cast<std::int64_t>(a.i()); break;
      case onnx::AttributeProto::FLOAT: node.attributes[a.name()] = static_cast<double>(a.f()); break;
      case onnx::AttributeProto::STRING: node.attributes[a.name()] = a.s(); break;
      case onnx::AttributeProto::INTS:
        node.attributes[a.name()] = std::vector<std::int64_t>(a.ints().begin(), a.ints().end());
        break;
      case onnx::AttributeProto::FLOATS: node.attributes[a.name()] = std::vector<double>(a.floats().begin(), a.floats().end()); break;
      case onnx::AttributeProto::TENSOR: break;
      default:
        throw Error(ErrorCode::unsupported, source + ": " + node.describe() + ": attribute \"" + a.name() + "\" of kind " +
                                                onnx::AttributeProto::AttributeType_Name(a.type()) + " is not supported");
    }
  }
}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, std::string source)
      : model_(model), source_(std::move(source)), opset_(default_domain_opset(model, source_)) {
    graph_.source = source_;
  }

  Graph run() {
    const onnx::GraphProto& g = model_.graph();
    for (const auto& n : g.node())
      for (const auto& in : n.input()) used_names_.insert(in);
    for (const auto& out : g.output()) used_names_.insert(out.name());
    for (int k = 0; k < g.node_size(); ++k)
      for (const auto& out : g.node(k).output())
        if (!out.empty()) producer_.emplace(out, k);

    for (const auto& init : g.initializer())
      define(init.name(), graph_.add_constant(init.name(), tensor_from_proto(init, source_ + ": initializer \"" + init.name() + "\"")));
    if (g.sparse_initializer_size() > 0)
      throw Error(ErrorCode::unsupported, source_ + ": sparse initializers (\"" + g.sparse_initializer(0).values().name() +
                                              "\") are not supported by the native engine");
    for (const auto& in : g.input())
      if (!ids_.count(in.name())) graph_.inputs.push_back(define(in.name(), graph_.add_value(graph_input(in))));
    for (int k = 0; k < g.node_size(); ++k) add_node(g.node(k), k);
    for (const auto& out : g.output()) {
      const auto it = ids_.find(out.name());
      if (it == ids_.end())
        throw Error(ErrorCode::bad_model, source_ + ": graph output \"" + out.name() + "\" is produced by no node, input or initializer");
      graph_.outputs.push_back(it->second);
    }
    return std::move(graph_);
  }

 private:
  ValueId define(const std::string& name, ValueId id) {
    ids_[name] = id;  // a graph input named like an initializer is that constant (IR version < 4 lists weights as inputs)
    return id;
  }

  graph::Value graph_input(const onnx::ValueInfoProto& in) {
    graph::Value v;
    v.name = in.name();
    if (!in.type().has_tensor_type())
      throw Error(ErrorCode::unsupported, source_ + ": graph input \"" + in.name() + "\" is not a tensor (a sequence, map or optional)");
    const auto& tt = in.type().tensor_type();
    v.dtype = dtype_from_onnx(tt.elem_type(), source_ + ": graph input \"" + in.name() + "\"");
    if (tt.has_shape()) {
      v.shape_known = true;
      for (const auto& d : tt.shape().dim()) v.shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
    }
    return v;
  }

  ValueId resolve_input(const std::string& name, const onnx::NodeProto& node, int index) {
    if (name.empty()) return no_value;
    if (const auto it = ids_.find(name); it != ids_.end()) return it->second;
    const std::string head = source_ + ": " + node.op_type() + " node \"" + node_label(node) + "\" reads \"" + name + "\"";
    if (const auto p = producer_.find(name); p != producer_.end() && p->second >= index)
      throw Error(ErrorCode::bad_model, head + " before node \"" + node_label(model_.graph().node(p->second)) +
                                            "\" produces it; ONNX requires nodes in topological order");
    throw Error(ErrorCode::bad_model, head + ", which no node, graph input or initializer provides");
  }

  void add_node(const onnx::NodeProto& proto, int index) {
    const std::string label = node_label(proto);
    if (!is_default_domain(proto.domain()))
      throw Error(ErrorCode::unsupported, source_ + ": the native engine does not support the ONNX operator \"" + proto.op_type() +
                                              "\" of domain \"" + proto.domain() + "\" (node \"" + label + "\")");
    const OperatorForm* form = proto.op_type() == "Constant" ? nullptr : find_operator_form(proto.op_type());
    if (proto.op_type() != "Constant" && !form)
      throw Error(ErrorCode::unsupported, source_ + ": the native engine does not support the ONNX operator \"" + proto.op_type() +
                                              "\" (node \"" + label + "\")");
    if (form && opset_ < form->oldest_opset)
      throw Error(ErrorCode::unsupported, source_ + ": the native engine reads the ONNX operator \"" + proto.op_type() + "\" from opset " +
                                              std::to_string(form->oldest_opset) + " on; this model is opset " + std::to_string(opset_) +
                                              " (node \"" + label + "\"); re-export it with a newer opset");
    graph::Node node;
    node.op = proto.op_type();
    node.name = label;
    for (const auto& in : proto.input()) node.inputs.push_back(resolve_input(in, proto, index));
    for (const auto& out : proto.output())
      if (!out.empty() && ids_.count(out))
        throw Error(ErrorCode::bad_model, source_ + ": " + node.describe() + " writes \"" + out + "\", which is already defined");

    if (proto.op_type() == "Constant") {
      if (proto.output_size() != 1) throw Error(ErrorCode::bad_model, source_ + ": " + node.describe() + " has not exactly one output");
      define(proto.output(0), graph_.add_constant(proto.output(0), constant_value(proto, source_)));
      return;
    }
    for (const auto& out : proto.output()) {
      if (out.empty()) {
        node.outputs.push_back(no_value);
        continue;
      }
      graph::Value v;
      v.name = out;
      node.outputs.push_back(define(out, graph_.add_value(std::move(v))));
    }
    copy_attributes(proto, node, source_);
    const OnnxNodeContext context{proto, opset_, graph_, [this](ValueId id) { return used_names_.count(graph_.value(id).name) > 0; }, source_};
    form->rewrite(node, context);
    while (!node.inputs.empty() && node.inputs.back() == no_value) node.inputs.pop_back();  // canonical: trailing omitted inputs absent
    graph_.nodes.push_back(std::move(node));
  }

  const onnx::ModelProto& model_;
  std::string source_;
  int opset_;
  Graph graph_;
  std::map<std::string, ValueId> ids_;     // file name -> value, for everything defined so far
  std::map<std::string, int> producer_;    // output name -> index of the node writing it
  std::set<std::string> used_names_;       // names read by a node or a graph output
};

}  // namespace

graph::Graph import_onnx(const std::vector<std::byte>& bytes, const std::string& source) {
  onnx::ModelProto model;
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw Error(ErrorCode::bad_model, source + ": not an ONNX model (protobuf ModelProto does not parse)");
  return Importer(model, source).run();
}

}  // namespace deepimage::engine
