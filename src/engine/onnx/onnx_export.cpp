#include "engine/onnx/onnx_export.hpp"

#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "deepimage/error.hpp"

namespace deepimage::engine {
namespace {

using graph::Graph;
using graph::no_value;
using graph::Node;
using graph::ValueId;

// Every value gets a unique, non-empty name: the file's when it has one no other value uses.
std::vector<std::string> unique_names(const Graph& g) {
  std::vector<std::string> names(g.values.size());
  std::set<std::string> taken;
  for (std::size_t i = 0; i < g.values.size(); ++i) {
    std::string n = g.values[i].name;
    if (n.empty() || taken.count(n)) n = (n.empty() ? "value" : n) + "_" + std::to_string(i);
    while (taken.count(n)) n += "_";
    taken.insert(n);
    names[i] = n;
  }
  return names;
}

void set_type(onnx::ValueInfoProto& info, const graph::Value& v, const std::string& dim_prefix) {
  auto* tensor_type = info.mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(onnx_type_of(v.dtype));
  if (!v.shape_known) return;
  auto* shape = tensor_type->mutable_shape();
  for (std::size_t k = 0; k < v.shape.size(); ++k) {
    auto* dim = shape->add_dim();
    if (v.shape[k] >= 0) dim->set_dim_value(v.shape[k]);
    else dim->set_dim_param(dim_prefix + "_d" + std::to_string(k));
  }
}

void add_attribute(onnx::NodeProto& proto, const std::string& key, const graph::Attribute& value) {
  onnx::AttributeProto* a = proto.add_attribute();
  a->set_name(key);
  if (const auto* i = std::get_if<std::int64_t>(&value)) {
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(*i);
  } else if (const auto* f = std::get_if<double>(&value)) {
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(static_cast<float>(*f));
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(*s);
  } else if (const auto* is = std::get_if<std::vector<std::int64_t>>(&value)) {
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : *is) a->add_ints(x);
  } else {
    a->set_type(onnx::AttributeProto::FLOATS);
    for (double x : std::get<std::vector<double>>(value)) a->add_floats(static_cast<float>(x));
  }
}

// Writes the nodes of one graph node: usually one, more where opset 17 spells the operator otherwise.
class NodeWriter {
 public:
  NodeWriter(const Graph& g, const std::vector<std::string>& names, onnx::GraphProto& out)
      : g_(g), names_(names), out_(out) {}

  void write(const Node& node) {
    if (node.has("activation"))
      throw Error(ErrorCode::internal, node.describe() + " is a fused form; export the imported graph, not a specialised one");
    if (node.op == "ReduceMean" || node.op == "ReduceMax" || node.op == "ReduceMin") return reduce_with_axes_attribute(node);
    if (node.op == "Pad") return pad_with_full_rank_pads(node);
    if (node.op == "Softmax" && node.get_int("legacy", 0) != 0) return legacy_softmax(node);
    if (node.op == "ConstantOfShape") return constant_of_shape(node);
    if (node.op == "ConvTranspose" && node.inputs.size() > 3 && node.inputs[3] != no_value) return conv_transpose_with_output_shape(node);
    if (node.op == "Resize")
      for (const char* added18 : {"antialias", "axes", "keep_aspect_ratio_policy"})
        if (node.has(added18)) refuse(node, std::string("its attribute \"") + added18 + "\" (ONNX 18)");
    onnx::NodeProto& p = plain(node, node.op);
    for (const auto& [key, value] : node.attributes) add_attribute(p, key, value);
  }

 private:
  [[noreturn]] void refuse(const Node& node, const std::string& what) const {
    throw Error(ErrorCode::unsupported, g_.source + ": " + node.describe() + " has " + what +
                                            ", which ONNX opset " + std::to_string(kOnnxExportOpset) + " cannot express");
  }

  // ONNX Runtime refuses a file in which two nodes share a name; importers give several graph nodes the
  // name of the one layer or TF node they come from (a Keras Conv2D with its activation, say).
  std::string unique_node_name(const std::string& wanted) {
    std::string name = wanted.empty() ? "node" : wanted;
    for (int k = 1; !node_names_.insert(name).second; ++k) name = (wanted.empty() ? "node" : wanted) + "_" + std::to_string(k);
    return name;
  }

  std::string name_of(ValueId id) const { return id == no_value ? std::string() : names_[static_cast<std::size_t>(id)]; }

  onnx::NodeProto& plain(const Node& node, const std::string& op, std::size_t input_count = SIZE_MAX) {
    onnx::NodeProto& p = *out_.add_node();
    p.set_op_type(op);
    p.set_name(unique_node_name(node.name));
    for (std::size_t k = 0; k < node.inputs.size() && k < input_count; ++k) p.add_input(name_of(node.inputs[k]));
    while (p.input_size() > 0 && p.input(p.input_size() - 1).empty()) p.mutable_input()->RemoveLast();
    for (ValueId o : node.outputs) p.add_output(name_of(o));
    return p;
  }

  const Tensor& constant_operand(const Node& node, std::size_t k, const std::string& what) const {
    if (k >= node.inputs.size() || !g_.is_constant(node.inputs[k])) refuse(node, what + " computed at run time");
    return *g_.value(node.inputs[k]).constant;
  }

  std::vector<std::int64_t> ints_of(const Tensor& t) const {
    const Tensor c = t.converted(DType::i64);
    return {c.data<std::int64_t>(), c.data<std::int64_t>() + c.element_count()};
  }

  void reduce_with_axes_attribute(const Node& node) {
    const bool has_axes = node.inputs.size() > 1 && node.inputs[1] != no_value;
    if (!has_axes && node.get_int("noop_with_empty_axes", 0) != 0) {
      plain(node, "Identity", 1);
      return;
    }
    onnx::NodeProto& p = plain(node, node.op, 1);
    if (has_axes) add_attribute(p, "axes", ints_of(constant_operand(node, 1, "axes")));
    if (node.has("keepdims")) add_attribute(p, "keepdims", node.attributes.at("keepdims"));
  }

  void pad_with_full_rank_pads(const Node& node) {
    const bool has_axes = node.inputs.size() > 3 && node.inputs[3] != no_value;
    if (!has_axes) {
      onnx::NodeProto& p = plain(node, "Pad", 3);
      for (const auto& [key, value] : node.attributes) add_attribute(p, key, value);
      return;
    }
    const graph::Value& x = g_.value(node.inputs[0]);
    if (!x.shape_known) refuse(node, "pads for some axes of an input of unknown rank");
    const auto rank = static_cast<std::int64_t>(x.shape.size());
    const auto axes = ints_of(constant_operand(node, 3, "axes"));
    const auto pads = ints_of(constant_operand(node, 1, "pads"));
    std::vector<std::int64_t> full(2 * static_cast<std::size_t>(rank), 0);
    for (std::size_t k = 0; k < axes.size(); ++k) {
      const std::int64_t a = graph::normalize_axis(axes[k], static_cast<std::size_t>(rank), node);
      full[static_cast<std::size_t>(a)] = pads[k];
      full[static_cast<std::size_t>(a + rank)] = pads[k + axes.size()];
    }
    Tensor t(DType::i64, {static_cast<std::int64_t>(full.size())});
    std::memcpy(t.bytes(), full.data(), full.size() * sizeof(std::int64_t));
    const std::string pads_name = name_of(node.outputs[0]) + "_full_pads";
    *out_.add_initializer() = tensor_to_proto(t, pads_name);
    onnx::NodeProto& p = plain(node, "Pad", 3);
    p.set_input(1, pads_name);
    for (const auto& [key, value] : node.attributes) add_attribute(p, key, value);
  }

  // Before opset 13 Softmax normalised over all axes from `axis` on, as one flattened axis.
  void legacy_softmax(const Node& node) {
    const std::string x = name_of(node.inputs[0]), y = name_of(node.outputs[0]);
    const std::string flat = y + "_flat", soft = y + "_softmax", shape = y + "_shape";
    onnx::NodeProto& f = *out_.add_node();
    f.set_op_type("Flatten"), f.set_name(unique_node_name(node.name + "_flatten")), f.add_input(x), f.add_output(flat);
    add_attribute(f, "axis", node.get_int("axis", 1));
    onnx::NodeProto& s = *out_.add_node();
    s.set_op_type("Softmax"), s.set_name(unique_node_name(node.name)), s.add_input(flat), s.add_output(soft);
    add_attribute(s, "axis", std::int64_t{1});
    onnx::NodeProto& sh = *out_.add_node();
    sh.set_op_type("Shape"), sh.set_name(unique_node_name(node.name + "_shape")), sh.add_input(x), sh.add_output(shape);
    onnx::NodeProto& r = *out_.add_node();
    r.set_op_type("Reshape"), r.set_name(unique_node_name(node.name + "_reshape")), r.add_input(soft), r.add_input(shape), r.add_output(y);
  }

  // The graph's ConvTranspose may take its output size as a 4th operand (TF's Conv2DBackpropInput,
  // often computed from the input's shape); ONNX has only the attribute. A constant size becomes the
  // attribute. A computed one is written as what it means (graph/kernels/padding_rules.cpp): the full
  // transposed convolution, with stride - 1 more output_padding for sizes past its end, sliced at run
  // time to [begin, begin + size) with total = full - size, begin = floor(max(total, 0) / 2) for
  // SAME_UPPER and the rest of it otherwise.
  void conv_transpose_with_output_shape(const Node& node) {
    if (g_.is_constant(node.inputs[3])) {
      onnx::NodeProto& p = plain(node, "ConvTranspose", 3);
      for (const auto& [key, value] : node.attributes)
        if (key != "output_shape") add_attribute(p, key, value);
      add_attribute(p, "output_shape", ints_of(constant_operand(node, 3, "output_shape")));
      return;
    }
    const graph::Value& w = g_.value(node.inputs[1]);
    if (!w.shape_known || w.shape.size() < 3) refuse(node, "a kernel of unknown rank with an output size computed at run time");
    const std::size_t r = w.shape.size() - 2;
    const auto strides = node.get_ints("strides", std::vector<std::int64_t>(r, 1));
    for (auto p : node.get_ints("output_padding", std::vector<std::int64_t>(r, 0)))
      if (p != 0) refuse(node, "output_padding with an output size computed at run time");
    const bool same_upper = node.get_string("auto_pad", "NOTSET") == "SAME_UPPER";
    const std::string y = name_of(node.outputs[0]), prefix = y + "_runtime_size_";
    std::vector<std::int64_t> extra, axes;
    for (std::size_t i = 0; i < r; ++i) extra.push_back(strides.at(i) - 1), axes.push_back(static_cast<std::int64_t>(i + 2));

    onnx::NodeProto& conv = plain(node, "ConvTranspose", 3);
    conv.set_output(0, prefix + "full");
    for (const auto& [key, value] : node.attributes)
      if (key != "output_shape" && key != "auto_pad" && key != "pads" && key != "output_padding") add_attribute(conv, key, value);
    add_attribute(conv, "output_padding", extra);
    const auto constant = [&](const std::string& name, const std::vector<std::int64_t>& v) {
      Tensor t(DType::i64, {static_cast<std::int64_t>(v.size())});
      std::memcpy(t.bytes(), v.data(), v.size() * sizeof(std::int64_t));
      *out_.add_initializer() = tensor_to_proto(t, prefix + name);
      return prefix + name;
    };
    const auto op = [&](const std::string& type, std::vector<std::string> inputs, const std::string& output) {
      onnx::NodeProto& p = *out_.add_node();
      p.set_op_type(type);
      p.set_name(unique_node_name(node.name + "_" + output));
      for (auto& i : inputs) p.add_input(i);
      p.add_output(prefix + output);
      return &p;
    };
    add_attribute(*op("Cast", {name_of(node.inputs[3])}, "wanted"), "to", std::int64_t{onnx::TensorProto::INT64});
    add_attribute(*op("Shape", {prefix + "full"}, "full_size"), "start", std::int64_t{2});
    op("Sub", {prefix + "full_size", constant("extra", extra)}, "full_size_without_extra");
    op("Sub", {prefix + "full_size_without_extra", prefix + "wanted"}, "total_signed");
    const std::string zeros = constant("zeros", std::vector<std::int64_t>(r, 0));
    op("Less", {prefix + "total_signed", zeros}, "negative");
    op("Where", {prefix + "negative", zeros, prefix + "total_signed"}, "total");  // max(total, 0)
    op("Div", {prefix + "total", constant("twos", std::vector<std::int64_t>(r, 2))}, "half");
    if (!same_upper) op("Sub", {prefix + "total", prefix + "half"}, "begin");
    const std::string begin = prefix + (same_upper ? "half" : "begin");
    op("Add", {begin, prefix + "wanted"}, "end");
    onnx::NodeProto& slice = *op("Slice", {prefix + "full", begin, prefix + "end", constant("axes", axes)}, "sliced");
    slice.set_output(0, y);
  }

  // The graph keeps ConstantOfShape's value as a constant input 1; ONNX has it as an attribute.
  void constant_of_shape(const Node& node) {
    onnx::NodeProto& p = plain(node, "ConstantOfShape", 1);
    if (node.inputs.size() > 1 && node.inputs[1] != no_value) {
      onnx::AttributeProto* a = p.add_attribute();
      a->set_name("value");
      a->set_type(onnx::AttributeProto::TENSOR);
      *a->mutable_t() = tensor_to_proto(constant_operand(node, 1, "value"), "value");
    }
  }

  const Graph& g_;
  const std::vector<std::string>& names_;
  onnx::GraphProto& out_;
  std::set<std::string> node_names_;
};

}  // namespace

int onnx_type_of(DType dtype) {
  switch (dtype) {
    case DType::boolean: return onnx::TensorProto::BOOL;
    case DType::u8: return onnx::TensorProto::UINT8;
    case DType::i8: return onnx::TensorProto::INT8;
    case DType::u16: return onnx::TensorProto::UINT16;
    case DType::i16: return onnx::TensorProto::INT16;
    case DType::u32: return onnx::TensorProto::UINT32;
    case DType::i32: return onnx::TensorProto::INT32;
    case DType::u64: return onnx::TensorProto::UINT64;
    case DType::i64: return onnx::TensorProto::INT64;
    case DType::f32: return onnx::TensorProto::FLOAT;
    case DType::f64: return onnx::TensorProto::DOUBLE;
  }
  throw Error(ErrorCode::internal, "no ONNX element type for this dtype");
}

onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name) {
  onnx::TensorProto p;
  p.set_name(name);
  p.set_data_type(onnx_type_of(tensor.dtype()));
  for (auto d : tensor.shape()) p.add_dims(d);
  p.set_raw_data(reinterpret_cast<const char*>(tensor.bytes()), tensor.byte_count());
  return p;
}

onnx::ModelProto export_onnx(const Graph& g, const std::string& producer_version, const std::vector<int>& output_ranks) {
  onnx::ModelProto model;
  model.set_ir_version(8);  // the IR version of opset 17 (ONNX 1.12)
  model.set_producer_name("deepimage");
  model.set_producer_version(producer_version);
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxExportOpset);
  onnx::GraphProto& out = *model.mutable_graph();
  out.set_name("deepimage");
  const std::vector<std::string> names = unique_names(g);

  // Constants that something reads become initializers; a graph output that is a constant too.
  std::set<ValueId> read;
  for (const Node& n : g.nodes)
    for (ValueId v : n.inputs)
      if (v != no_value) read.insert(v);
  for (ValueId v : g.outputs) read.insert(v);
  for (ValueId v : read)
    if (g.is_constant(v)) *out.add_initializer() = tensor_to_proto(*g.value(v).constant, names[static_cast<std::size_t>(v)]);

  for (ValueId v : g.inputs) {
    onnx::ValueInfoProto& info = *out.add_input();
    info.set_name(names[static_cast<std::size_t>(v)]);
    set_type(info, g.value(v), info.name());
  }
  NodeWriter writer(g, names, out);
  for (const Node& n : g.nodes) writer.write(n);
  // Operands written as attributes (Reduce axes, a constant ConvTranspose size) leave their constants
  // unread; ONNX Runtime warns about each.
  std::set<std::string> used;
  for (const auto& n : out.node())
    for (const auto& i : n.input()) used.insert(i);
  for (ValueId v : g.outputs) used.insert(names[static_cast<std::size_t>(v)]);
  auto* initializers = out.mutable_initializer();
  initializers->erase(std::remove_if(initializers->begin(), initializers->end(),
                                     [&](const onnx::TensorProto& t) { return !used.count(t.name()); }),
                      initializers->end());
  for (ValueId v : g.outputs) {
    onnx::ValueInfoProto& info = *out.add_output();
    info.set_name(names[static_cast<std::size_t>(v)]);
    // Outputs' sizes follow the inputs': rank only, every size symbolic.
    graph::Value sizes_free = g.value(v);
    for (auto& d : sizes_free.shape) d = -1;
    set_type(info, sizes_free, info.name());
  }
  // ONNX requires every graph output to declare its type and rank; an imported graph knows them only
  // where the file said so, libonnx's shape inference fills in what it can, and the caller's ranks
  // (the rdf's axes) the rest: libonnx 1.12 gives up after a Slice with computed starts, say.
  onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(false, 0, true));
  for (int k = 0; k < out.output_size(); ++k) {
    onnx::ValueInfoProto& info = *out.mutable_output(k);
    if (!info.type().tensor_type().has_shape() && static_cast<std::size_t>(k) < output_ranks.size()) {
      auto* shape = info.mutable_type()->mutable_tensor_type()->mutable_shape();
      for (int d = 0; d < output_ranks[static_cast<std::size_t>(k)]; ++d)
        shape->add_dim()->set_dim_param(info.name() + "_d" + std::to_string(d));
    }
    if (!info.type().tensor_type().has_shape()) {
      std::string why;
      try {
        onnx::ModelProto strict = model;
        onnx::shape_inference::InferShapes(strict, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(false, 1, true));
      } catch (const std::exception& e) {
        why = std::string(" (") + e.what() + ")";
      }
      throw Error(ErrorCode::unsupported, g.source + ": the rank of output \"" + info.name() + "\" cannot be inferred for the ONNX file" + why);
    }
  }
  out.clear_value_info();
  return model;
}

}  // namespace deepimage::engine
