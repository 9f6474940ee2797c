// Small ONNX models written with ONNX's own protobuf classes, for importer tests: one node or a few,
// any opset, any storage of the initializers.
//
//   OnnxModelBuilder b(9);
//   b.input("x", onnx::TensorProto::FLOAT, {1, 1, "h", "w"});
//   b.floats("scales", {4}, {1, 1, 2, 2});
//   b.node("Upsample", {"x", "scales"}, {"y"}).string("mode", "linear");
//   b.output("y");
//   graph::Graph g = b.import();
#pragma once

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "engine/graph/graph.hpp"
#include "engine/onnx/onnx_import.hpp"

namespace deepimage::testing {

using OnnxDim = std::variant<std::int64_t, std::string>;  // a size, or a dim_param name

class OnnxNodeBuilder {
 public:
  explicit OnnxNodeBuilder(onnx::NodeProto& node) : node_(node) {}
  OnnxNodeBuilder& integer(const std::string& name, std::int64_t v) {
    auto* a = add(name, onnx::AttributeProto::INT);
    a->set_i(v);
    return *this;
  }
  OnnxNodeBuilder& number(const std::string& name, float v) {
    auto* a = add(name, onnx::AttributeProto::FLOAT);
    a->set_f(v);
    return *this;
  }
  OnnxNodeBuilder& string(const std::string& name, const std::string& v) {
    auto* a = add(name, onnx::AttributeProto::STRING);
    a->set_s(v);
    return *this;
  }
  OnnxNodeBuilder& integers(const std::string& name, const std::vector<std::int64_t>& v) {
    auto* a = add(name, onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
    return *this;
  }
  OnnxNodeBuilder& numbers(const std::string& name, const std::vector<float>& v) {
    auto* a = add(name, onnx::AttributeProto::FLOATS);
    for (auto x : v) a->add_floats(x);
    return *this;
  }
  OnnxNodeBuilder& tensor(const std::string& name, const onnx::TensorProto& t) {
    *add(name, onnx::AttributeProto::TENSOR)->mutable_t() = t;
    return *this;
  }
  OnnxNodeBuilder& domain(const std::string& d) {
    node_.set_domain(d);
    return *this;
  }

 private:
  onnx::AttributeProto* add(const std::string& name, onnx::AttributeProto::AttributeType type) {
    auto* a = node_.add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  }
  onnx::NodeProto& node_;
};

class OnnxModelBuilder {
 public:
  explicit OnnxModelBuilder(int opset) {
    model_.set_ir_version(7);
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
  }

  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  void input(const std::string& name, int elem_type, const std::vector<OnnxDim>& dims) {
    auto* tt = graph().add_input()->mutable_type()->mutable_tensor_type();
    graph().mutable_input(graph().input_size() - 1)->set_name(name);
    tt->set_elem_type(elem_type);
    auto* shape = tt->mutable_shape();
    for (const auto& d : dims) {
      auto* dim = shape->add_dim();
      if (const auto* v = std::get_if<std::int64_t>(&d)) dim->set_dim_value(*v);
      else dim->set_dim_param(std::get<std::string>(d));
    }
  }
  void output(const std::string& name) { graph().add_output()->set_name(name); }

  OnnxNodeBuilder node(const std::string& op, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
                       const std::string& name = "") {
    auto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return OnnxNodeBuilder(*n);
  }

  // Initializers in the typed fields ONNX assigns to each element type.
  onnx::TensorProto& floats(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& v) {
    auto& t = initializer(name, onnx::TensorProto::FLOAT, dims);
    for (auto x : v) t.add_float_data(x);
    return t;
  }
  onnx::TensorProto& int64s(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<std::int64_t>& v) {
    auto& t = initializer(name, onnx::TensorProto::INT64, dims);
    for (auto x : v) t.add_int64_data(x);
    return t;
  }
  onnx::TensorProto& initializer(const std::string& name, int elem_type, const std::vector<std::int64_t>& dims) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(elem_type);
    for (auto d : dims) t->add_dims(d);
    return *t;
  }

  std::vector<std::byte> bytes() const {
    std::string s;
    model_.SerializeToString(&s);
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return {p, p + s.size()};
  }
  engine::graph::Graph import() const { return engine::import_onnx(bytes(), "m.onnx"); }

 private:
  onnx::ModelProto model_;
};

}  // namespace deepimage::testing
