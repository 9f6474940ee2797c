#include "unit/engine/onnx_node_test_case.hpp"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace deepimage::testing {
namespace {

// Operand positions that real exported models hold as constants (see the header).
const std::map<std::string, std::set<int>> kConstantOperands = {
    {"Conv", {1, 2}},         {"ConvTranspose", {1, 2}},         {"BatchNormalization", {1, 2, 3, 4}},
    {"InstanceNormalization", {1, 2}}, {"PRelu", {1}},           {"Reshape", {1}},
    {"Resize", {1, 2, 3}},    {"Upsample", {1}},                 {"Pad", {1, 2}},
    {"Clip", {1, 2}},         {"Dropout", {1, 2}},
};

std::string slurp_binary(const std::filesystem::path& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + file.string());
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

onnx::TensorProto parse_tensor_proto(const std::filesystem::path& file) {
  onnx::TensorProto t;
  if (!t.ParseFromString(slurp_binary(file))) throw std::runtime_error(file.string() + " is not a TensorProto");
  return t;
}

DType our_type(int onnx_type, const std::string& where) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT: return DType::f32;
    case onnx::TensorProto::DOUBLE: return DType::f64;
    case onnx::TensorProto::UINT8: return DType::u8;
    case onnx::TensorProto::INT8: return DType::i8;
    case onnx::TensorProto::UINT16: return DType::u16;
    case onnx::TensorProto::INT16: return DType::i16;
    case onnx::TensorProto::UINT32: return DType::u32;
    case onnx::TensorProto::INT32: return DType::i32;
    case onnx::TensorProto::UINT64: return DType::u64;
    case onnx::TensorProto::INT64: return DType::i64;
    case onnx::TensorProto::BOOL: return DType::boolean;
    default: throw std::runtime_error(where + ": TensorProto element type " + std::to_string(onnx_type) + " not handled");
  }
}

// Values come either packed in raw_data (little-endian, as in memory here) or in the typed repeated
// field that the ONNX spec assigns to the element type.
template <class T, class Field>
void copy_field(Tensor& t, const Field& field) {
  T* out = t.data<T>();
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
}

Tensor to_tensor(const onnx::TensorProto& p, const std::string& where) {
  Shape shape(p.dims().begin(), p.dims().end());
  Tensor t(our_type(p.data_type(), where), shape);
  if (p.has_raw_data()) {
    if (p.raw_data().size() != t.byte_count()) throw std::runtime_error(where + ": raw_data has the wrong size");
    std::memcpy(t.bytes(), p.raw_data().data(), t.byte_count());
    return t;
  }
  switch (t.dtype()) {
    case DType::f32: copy_field<float>(t, p.float_data()); break;
    case DType::f64: copy_field<double>(t, p.double_data()); break;
    case DType::i64: copy_field<std::int64_t>(t, p.int64_data()); break;
    case DType::u32: copy_field<std::uint32_t>(t, p.uint64_data()); break;
    case DType::u64: copy_field<std::uint64_t>(t, p.uint64_data()); break;
    case DType::u8: copy_field<std::uint8_t>(t, p.int32_data()); break;
    case DType::i8: copy_field<std::int8_t>(t, p.int32_data()); break;
    case DType::u16: copy_field<std::uint16_t>(t, p.int32_data()); break;
    case DType::i16: copy_field<std::int16_t>(t, p.int32_data()); break;
    case DType::i32: copy_field<std::int32_t>(t, p.int32_data()); break;
    case DType::boolean: copy_field<bool>(t, p.int32_data()); break;
  }
  return t;
}

std::vector<std::filesystem::path> data_set_dirs(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> sets;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().starts_with("test_data_set_")) sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  return sets;
}

}  // namespace

Tensor read_tensor_proto(const std::filesystem::path& file) { return to_tensor(parse_tensor_proto(file), file.string()); }

std::optional<NodeTestCase> load_node_test(const std::filesystem::path& dir, const std::set<std::string>& operators) {
  onnx::ModelProto model;
  if (!model.ParseFromString(slurp_binary(dir / "model.onnx")))
    throw std::runtime_error((dir / "model.onnx").string() + " is not an ONNX model");
  onnx::GraphProto& graph = *model.mutable_graph();
  if (graph.node_size() != 1 || !operators.count(graph.node(0).op_type())) return std::nullopt;
  // Sequence and optional values (test_identity_sequence, test_identity_opt) are not tensors; an
  // engine that runs image tensors has nothing to do with them.
  for (const auto& values : {graph.input(), graph.output()})
    for (const auto& v : values)
      if (!v.type().has_tensor_type()) return std::nullopt;

  NodeTestCase c;
  c.name = dir.filename().string();
  c.op_type = graph.node(0).op_type();
  const auto constant_it = kConstantOperands.find(c.op_type);
  const std::set<int> constant_positions = constant_it == kConstantOperands.end() ? std::set<int>{} : constant_it->second;
  const auto sets = data_set_dirs(dir);
  if (sets.empty()) throw std::runtime_error(dir.string() + " has no test_data_set_*");

  // Which graph inputs become initializers: those wired to a constant operand position of the node.
  std::set<std::string> constant_names;
  const auto& node = graph.node(0);
  for (int k = 0; k < node.input_size(); ++k)
    if (constant_positions.count(k) && !node.input(k).empty()) constant_names.insert(node.input(k));

  std::vector<bool> runtime_input;
  onnx::GraphProto rewritten_inputs;
  for (int k = 0; k < graph.input_size(); ++k) {
    const std::string& name = graph.input(k).name();
    const bool constant = constant_names.count(name) > 0;
    runtime_input.push_back(!constant);
    if (constant) {
      onnx::TensorProto init = parse_tensor_proto(sets[0] / ("input_" + std::to_string(k) + ".pb"));
      init.set_name(name);
      *graph.add_initializer() = init;
    } else {
      *rewritten_inputs.add_input() = graph.input(k);
    }
  }
  graph.mutable_input()->Swap(rewritten_inputs.mutable_input());
  if (!model.SerializeToString(&c.model_bytes)) throw std::runtime_error(dir.string() + ": cannot serialise the model");

  for (const auto& set : sets) {
    NodeTestDataSet d;
    for (std::size_t k = 0; k < runtime_input.size(); ++k)
      if (runtime_input[k]) d.inputs.push_back(read_tensor_proto(set / ("input_" + std::to_string(k) + ".pb")));
    for (int k = 0; std::filesystem::exists(set / ("output_" + std::to_string(k) + ".pb")); ++k)
      d.outputs.push_back(read_tensor_proto(set / ("output_" + std::to_string(k) + ".pb")));
    c.data_sets.push_back(std::move(d));
  }
  return c;
}

}  // namespace deepimage::testing
