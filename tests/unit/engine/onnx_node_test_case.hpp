// One ONNX operator ("node") test as Debian's libonnx-testdata ships it, ready for an engine:
//
//   <dir>/model.onnx                      a graph of one node
//   <dir>/test_data_set_N/input_K.pb      TensorProto per graph input, in graph order
//   <dir>/test_data_set_N/output_K.pb     TensorProto per graph output: the expected result
//
// The node tests feed every operand as a graph input. The native engine reads any operand at run time
// except those that decide an output's shape (Reshape's shape, Resize's scales and sizes, Pad's pads,
// Slice's starts/ends/axes/steps, axes of Squeeze/Unsqueeze/Reduce*, Expand's and ConstantOfShape's
// shape, ...): specialize() needs their values, which exporters always write as initializers or
// Constant nodes. load_node_test therefore moves the operands listed in kConstantOperands into
// initializers, with the values of data set 0, before the engine sees the model; every other input
// stays a run-time input.
#pragma once

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::testing {

struct NodeTestDataSet {
  std::vector<Tensor> inputs;   // the run-time inputs, in the order of the rewritten graph
  std::vector<Tensor> outputs;  // expected
};

struct NodeTestCase {
  std::string name;         // "test_conv_with_strides_padding"
  std::string op_type;      // "Conv"
  std::string model_bytes;  // model.onnx with the constant operands as initializers
  std::vector<NodeTestDataSet> data_sets;
  std::string unreadable;   // why the test's tensors have no Tensor counterpart (float16, string); "" when they do
};

// The node test in `dir` when its graph is a single node whose operator is in `operators` and whose
// inputs and outputs are tensors, else nullopt.
// Throws std::runtime_error on unreadable files.
std::optional<NodeTestCase> load_node_test(const std::filesystem::path& dir, const std::set<std::string>& operators);

}  // namespace deepimage::testing
