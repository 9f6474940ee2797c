#include "unit/engine/onnx_node_test_case.hpp"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "deepimage/error.hpp"
#include "engine/onnx/onnx_tensor.hpp"

namespace deepimage::testing {
namespace {

// Operand positions that decide an output's shape, which the native engine needs constant (see the header).
const std::map<std::string, std::set<int>> kConstantOperands = {
    {"Reshape", {1}},    {"Resize", {1, 2, 3}}, {"Upsample", {1}},   {"Pad", {1, 3}},        {"Slice", {1, 2, 3, 4}},
    {"Squeeze", {1}},    {"Unsqueeze", {1}},    {"ReduceMean", {1}}, {"ReduceMax", {1}},     {"ReduceMin", {1}},
    {"ReduceSum", {1}},  {"Expand", {1}},       {"ConstantOfShape", {0}},
    // Dropout's ratio and training_mode: inference is all the native engine does, so the importer
    // needs to know that the node drops nothing
    {"Dropout", {1, 2}},
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

std::vector<std::filesystem::path> data_set_dirs(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> sets;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().starts_with("test_data_set_")) sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  return sets;
}

}  // namespace

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

  // A tensor with no Tensor counterpart (float16, string) fails the case with the reason, not the harness.
  const auto read = [](const std::filesystem::path& set, const std::string& file) {
    return engine::tensor_from_proto(parse_tensor_proto(set / file), set.filename().string() + "/" + file);
  };
  try {
    for (const auto& set : sets) {
      NodeTestDataSet d;
      for (std::size_t k = 0; k < runtime_input.size(); ++k)
        if (runtime_input[k]) d.inputs.push_back(read(set, "input_" + std::to_string(k) + ".pb"));
      for (int k = 0; std::filesystem::exists(set / ("output_" + std::to_string(k) + ".pb")); ++k)
        d.outputs.push_back(read(set, "output_" + std::to_string(k) + ".pb"));
      c.data_sets.push_back(std::move(d));
    }
  } catch (const Error& e) {
    c.data_sets.clear();
    c.unreadable = e.what();
  }
  return c;
}

}  // namespace deepimage::testing
