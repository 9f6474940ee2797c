#include "engine/graph/graph.hpp"

#include "deepimage/error.hpp"

namespace deepimage::engine::graph {
namespace {

template <class T>
T read(const Node& node, const std::string& key, const T& fallback, const char* expected) {
  const auto it = node.attributes.find(key);
  if (it == node.attributes.end()) return fallback;
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  throw Error(ErrorCode::bad_model, node.describe() + ": attribute \"" + key + "\" is not " + expected);
}

}  // namespace

std::int64_t Node::get_int(const std::string& key, std::int64_t fallback) const {
  return read<std::int64_t>(*this, key, fallback, "an integer");
}

double Node::get_float(const std::string& key, double fallback) const {
  // ONNX writes some float attributes as integers in hand-made files; accept both.
  const auto it = attributes.find(key);
  if (it != attributes.end())
    if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return read<double>(*this, key, fallback, "a number");
}

std::string Node::get_string(const std::string& key, const std::string& fallback) const {
  return read<std::string>(*this, key, fallback, "a string");
}

std::vector<std::int64_t> Node::get_ints(const std::string& key, const std::vector<std::int64_t>& fallback) const {
  return read<std::vector<std::int64_t>>(*this, key, fallback, "a list of integers");
}

std::vector<double> Node::get_floats(const std::string& key, const std::vector<double>& fallback) const {
  return read<std::vector<double>>(*this, key, fallback, "a list of numbers");
}

std::string Node::describe() const { return op + " node \"" + name + "\""; }

ValueId Graph::add_value(Value v) {
  values.push_back(std::move(v));
  return static_cast<ValueId>(values.size() - 1);
}

ValueId Graph::add_constant(std::string name, Tensor t) {
  Value v;
  v.name = std::move(name);
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.shape_known = true;
  v.constant = std::move(t);
  return add_value(std::move(v));
}

int normalize_axis(std::int64_t axis, std::size_t rank, const Node& node) {
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r)
    throw Error(ErrorCode::bad_model, node.describe() + ": axis " + std::to_string(axis) + " is outside [" +
                                          std::to_string(-r) + ", " + std::to_string(r) + ") for a rank-" +
                                          std::to_string(r) + " input");
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

int readers_of(const Graph& graph, ValueId v) {
  int n = 0;
  for (const Node& node : graph.nodes)
    for (ValueId in : node.inputs) n += in == v;
  for (ValueId out : graph.outputs) n += out == v ? 2 : 0;  // a graph output keeps its value
  return n;
}

}  // namespace deepimage::engine::graph
