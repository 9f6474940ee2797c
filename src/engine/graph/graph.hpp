// Graph — the native engine's intermediate representation: values (tensors), nodes (operators with
// attributes) and constants. Importers (ONNX today; TF1 SavedModel and Keras next) build it, passes
// specialise and simplify it, executors run it.
//
//   Graph g = import_onnx(bytes, "weights.onnx");           // engine/onnx/onnx_import.hpp
//   Graph s = specialize(g, {{1, 1, 256, 256}});             // graph/passes.hpp: concrete shapes, folded
//   std::vector<Tensor> y = run_reference(s, {tile});         // graph/reference_interpreter.hpp
//
// Operators are ONNX operators with ONE canonical form each (graph/ops.hpp lists them and their
// attributes): importers turn every opset variant and every operand that must be constant (Reshape's
// shape, Slice's starts, Resize's scales, Clip's bounds, ...) into that form, so kernels and executors
// see a single spelling. Tensors are logically in ONNX order (NCHW, NCDHW); an executor may store them
// in another layout.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::engine::graph {

using ValueId = int;
constexpr ValueId no_value = -1;  // an omitted optional input

struct Value {
  std::string name;            // from the file, for messages
  DType dtype = DType::f32;
  Shape shape;                 // -1 for a dimension unknown before specialize(); empty for a scalar
  bool shape_known = false;    // false until the importer or shape inference sets it
  std::optional<Tensor> constant;  // weights, Constant nodes and folded values
};

using Attribute = std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>, std::vector<double>>;

struct Node {
  std::string op;              // canonical operator name (ops.hpp)
  std::string name;            // from the file, for messages ("Conv_12")
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  std::map<std::string, Attribute> attributes;

  bool has(const std::string& key) const { return attributes.count(key) != 0; }
  // Typed reads with a fallback; a present attribute of another type throws Error(bad_model) naming the node.
  std::int64_t get_int(const std::string& key, std::int64_t fallback) const;
  double get_float(const std::string& key, double fallback) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;
  std::vector<std::int64_t> get_ints(const std::string& key, const std::vector<std::int64_t>& fallback = {}) const;
  std::vector<double> get_floats(const std::string& key, const std::vector<double>& fallback = {}) const;
  // "Conv node \"Conv_12\"" — the prefix of every message about this node.
  std::string describe() const;
};

struct Graph {
  std::vector<Value> values;
  std::vector<Node> nodes;      // in an order where every input is produced before it is used
  std::vector<ValueId> inputs;  // graph inputs fed at run time, in the file's order
  std::vector<ValueId> outputs;
  std::string source;           // file name for messages ("weights.onnx")

  ValueId add_value(Value v);
  ValueId add_constant(std::string name, Tensor t);
  Value& value(ValueId id) { return values.at(static_cast<std::size_t>(id)); }
  const Value& value(ValueId id) const { return values.at(static_cast<std::size_t>(id)); }
  bool is_constant(ValueId id) const { return id != no_value && value(id).constant.has_value(); }
};

// Node inputs that read `v`, plus 2 when it is a graph output (which keeps its value): a pass may
// rewrite a value away only when this is 1.
int readers_of(const Graph& graph, ValueId v);

// ONNX axis rules: a negative axis counts from the end. Throws Error(bad_model) when out of [-rank, rank).
int normalize_axis(std::int64_t axis, std::size_t rank, const Node& node);

}  // namespace deepimage::engine::graph
