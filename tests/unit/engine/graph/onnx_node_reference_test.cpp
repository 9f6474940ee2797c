// The spatial reference kernels against ONNX's own expected outputs (Debian libonnx-testdata): each
// node test's single node becomes a graph Node as ops.hpp spells it (attributes copied, Upsample as
// Resize asymmetric/floor), runs on data set inputs, and must match output_K.pb under ONNX's backend
// test tolerance. A check of the kernels only; the engine's conformance suite is
// tests/unit/engine/onnx_conformance_test.cpp.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "deepimage/error.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/graph/kernel_test_support.hpp"
#include "unit/engine/onnx_node_test_case.hpp"

namespace deepimage::testing {
namespace {

const std::filesystem::path kNodeTests = "/usr/share/libonnx-testdata/data/node";

// Node tests this kernel set refuses on purpose, with the reason.
const std::map<std::string, std::string> kRefused = {
    {"test_batchnorm_epsilon_training_mode", "training outputs"},
    {"test_batchnorm_example_training_mode", "training outputs"},
    {"test_maxpool_2d_uint8", "uint8 data"},
};

engine::graph::Node node_of(const onnx::NodeProto& proto) {
  engine::graph::Node node;
  node.op = proto.op_type();
  node.name = proto.name().empty() ? proto.op_type() : proto.name();
  for (const auto& a : proto.attribute()) {
    switch (a.type()) {
      case onnx::AttributeProto::INT: node.attributes[a.name()] = static_cast<std::int64_t>(a.i()); break;
      case onnx::AttributeProto::FLOAT: node.attributes[a.name()] = static_cast<double>(a.f()); break;
      case onnx::AttributeProto::STRING: node.attributes[a.name()] = a.s(); break;
      case onnx::AttributeProto::INTS:
        node.attributes[a.name()] = std::vector<std::int64_t>(a.ints().begin(), a.ints().end());
        break;
      case onnx::AttributeProto::FLOATS:
        node.attributes[a.name()] = std::vector<double>(a.floats().begin(), a.floats().end());
        break;
      default: break;
    }
  }
  for (int k = 0; k < proto.output_size(); ++k)
    node.outputs.push_back(proto.output(k).empty() ? engine::graph::no_value : k);
  if (node.op == "Upsample") {  // opset 9: X, scales; the importer's rewrite
    node.op = "Resize";
    node.attributes["coordinate_transformation_mode"] = std::string("asymmetric");
    node.attributes["nearest_mode"] = std::string("floor");
  }
  return node;
}

// "" when every data set matches, else what went wrong.
std::string run_node_test(const std::filesystem::path& dir) {
  std::ifstream f(dir / "model.onnx", std::ios::binary);
  std::stringstream bytes;
  bytes << f.rdbuf();
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes.str())) return "unreadable model.onnx";
  const onnx::GraphProto& graph = model.graph();
  const onnx::NodeProto& proto = graph.node(0);
  engine::graph::Node node = node_of(proto);
  const bool upsample = proto.op_type() == "Upsample";
  for (const auto& set : std::filesystem::directory_iterator(dir)) {
    if (!set.is_directory()) continue;
    std::map<std::string, Tensor> by_name;
    for (int k = 0; k < graph.input_size(); ++k)
      by_name[graph.input(k).name()] = read_tensor_proto(set.path() / ("input_" + std::to_string(k) + ".pb"));
    std::vector<const Tensor*> inputs;
    for (int k = 0; k < proto.input_size(); ++k) {
      if (upsample && k == 1) inputs.push_back(nullptr);  // Resize's roi
      inputs.push_back(proto.input(k).empty() ? nullptr : &by_name.at(proto.input(k)));
    }
    std::vector<Tensor> out;
    try {
      out = run_graph_op(node, inputs);
    } catch (const Error& e) {
      return e.what();
    }
    for (std::size_t k = 0; k < out.size(); ++k) {
      const Tensor expected = read_tensor_proto(set.path() / ("output_" + std::to_string(k) + ".pb"));
      if (out[k].shape() != expected.shape())
        return "output " + std::to_string(k) + " has shape " + shape_to_string(out[k].shape()) + ", expected " +
               shape_to_string(expected.shape());
      const Tensor a = out[k].converted(DType::f64), b = expected.converted(DType::f64);
      for (std::int64_t i = 0; i < a.element_count(); ++i) {
        const double x = a.data<double>()[i], y = b.data<double>()[i];
        if (!(std::abs(x - y) <= kOnnxNodeTestAbs + kOnnxNodeTestRel * std::abs(y)))
          return "output " + std::to_string(k) + " element " + std::to_string(i) + " is " + std::to_string(x) +
                 ", expected " + std::to_string(y);
      }
    }
  }
  return "";
}

TEST(GraphSpatialOnnxNodeTests, EveryNodeTestOfTheSpatialOperatorsMatches) {
  if (!std::filesystem::exists(kNodeTests)) GTEST_SKIP() << kNodeTests << " is absent: install libonnx-testdata";
  const std::set<std::string> operators = {"Conv",        "ConvTranspose",     "MaxPool",         "AveragePool",
                                           "GlobalMaxPool", "GlobalAveragePool", "Resize",          "Upsample",
                                           "BatchNormalization", "InstanceNormalization", "Pad"};
  int passed = 0, refused = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kNodeTests)) {
    std::ifstream f(entry.path() / "model.onnx", std::ios::binary);
    std::stringstream bytes;
    bytes << f.rdbuf();
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes.str()) || model.graph().node_size() != 1 ||
        !operators.count(model.graph().node(0).op_type()))
      continue;
    const std::string name = entry.path().filename().string();
    const std::string problem = run_node_test(entry.path());
    if (kRefused.count(name)) {
      EXPECT_NE(problem, "") << name << " passes: take it off kRefused";
      ++refused;
      continue;
    }
    EXPECT_EQ(problem, "") << name;
    if (problem.empty()) ++passed;
  }
  std::cout << passed << " node tests pass, " << refused << " refused on purpose\n";
  EXPECT_GT(passed, 0);
}

}  // namespace
}  // namespace deepimage::testing
