// Small TensorFlow GraphDefs written in a test with the generated proto classes, and running one through
// the importer and the reference interpreter.
//
//   TfGraphDefBuilder b;
//   b.placeholder("x", {1, -1, -1, 1});
//   b.constant("w", kernel);
//   auto& conv = b.node("Conv2D", "conv", {"x", "w"});
//   b.ints(conv, "strides", {1, 2, 2, 1});
//   b.string(conv, "padding", "SAME");
//   Tensor y = b.run({"x"}, "conv", {x})[0];
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "engine/tf/proto/graph.pb.h"
#include "engine/tf/tf_import.hpp"

namespace deepimage::testing {

inline tfproto::DataType tf_type(DType t) {
  switch (t) {
    case DType::f32: return tfproto::DT_FLOAT;
    case DType::i32: return tfproto::DT_INT32;
    case DType::i64: return tfproto::DT_INT64;
    case DType::u8: return tfproto::DT_UINT8;
    case DType::boolean: return tfproto::DT_BOOL;
    default: return tfproto::DT_DOUBLE;
  }
}

struct TfGraphDefBuilder {
  tfproto::GraphDef def;

  tfproto::NodeDef& node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs = {}) {
    tfproto::NodeDef& n = *def.add_node();
    n.set_op(op);
    n.set_name(name);
    for (const auto& i : inputs) n.add_input(i);
    (*n.mutable_attr())["T"].set_type(tfproto::DT_FLOAT);
    return n;
  }
  void placeholder(const std::string& name, const Shape& shape, DType dtype = DType::f32) {
    tfproto::NodeDef& n = node("Placeholder", name);
    (*n.mutable_attr())["dtype"].set_type(tf_type(dtype));
    auto* s = (*n.mutable_attr())["shape"].mutable_shape();
    for (const auto d : shape) s->add_dim()->set_size(d);
  }
  // A Const holding `t` in tensor_content.
  tfproto::NodeDef& constant(const std::string& name, const Tensor& t) {
    tfproto::NodeDef& n = node("Const", name);
    (*n.mutable_attr())["dtype"].set_type(tf_type(t.dtype()));
    tfproto::TensorProto* p = (*n.mutable_attr())["value"].mutable_tensor();
    p->set_dtype(tf_type(t.dtype()));
    for (const auto d : t.shape()) p->mutable_tensor_shape()->add_dim()->set_size(d);
    p->set_tensor_content(std::string(reinterpret_cast<const char*>(t.bytes()), t.byte_count()));
    return n;
  }
  void int32s(const std::string& name, const std::vector<std::int32_t>& v, bool scalar = false) {
    Tensor t(DType::i32, scalar ? Shape{} : Shape{static_cast<std::int64_t>(v.size())});
    std::memcpy(t.bytes(), v.data(), t.byte_count());
    constant(name, t);
  }
  static void ints(tfproto::NodeDef& n, const std::string& key, const std::vector<std::int64_t>& v) {
    auto* list = (*n.mutable_attr())[key].mutable_list();
    for (const auto x : v) list->add_i(x);
  }
  static void string(tfproto::NodeDef& n, const std::string& key, const std::string& v) { (*n.mutable_attr())[key].set_s(v); }
  static void integer(tfproto::NodeDef& n, const std::string& key, std::int64_t v) { (*n.mutable_attr())[key].set_i(v); }
  static void boolean(tfproto::NodeDef& n, const std::string& key, bool v) { (*n.mutable_attr())[key].set_b(v); }
  static void real(tfproto::NodeDef& n, const std::string& key, float v) { (*n.mutable_attr())[key].set_f(v); }
  static void type(tfproto::NodeDef& n, const std::string& key, DType v) { (*n.mutable_attr())[key].set_type(tf_type(v)); }

  engine::graph::Graph import(const std::vector<std::string>& feeds, const std::vector<std::string>& fetches) const {
    return engine::import_tf_graph(def, feeds, fetches, "test.pb");
  }
  std::vector<Tensor> run(const std::vector<std::string>& feeds, const std::vector<std::string>& fetches,
                          const std::vector<Tensor>& inputs) const {
    std::vector<Shape> shapes;
    for (const auto& t : inputs) shapes.push_back(t.shape());
    return engine::graph::run_reference(engine::graph::specialize(import(feeds, fetches), shapes), inputs);
  }
};

}  // namespace deepimage::testing
