// Tensor names, node lookup and topological order: what every pass in graph_passes.hpp walks with.
#include <algorithm>
#include <charconv>
#include <unordered_map>

#include "deepimage/error.hpp"
#include "engine/tf/graph_passes.hpp"

namespace deepimage::engine::tf {

TensorName parse_tensor_name(const std::string& name) {
  TensorName t;
  std::string_view rest = name;
  if (rest.starts_with("^")) {
    t.control = true;
    rest.remove_prefix(1);
  }
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view index = rest.substr(colon + 1);
    int k = -1;
    const auto [end, ec] = std::from_chars(index.data(), index.data() + index.size(), k);
    if (ec != std::errc() || end != index.data() + index.size() || k < 0 || index.empty())
      throw Error(ErrorCode::invalid_argument, "tensor name \"" + name + "\" is not \"node\" or \"node:index\"");
    t.output = k;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) throw Error(ErrorCode::invalid_argument, "tensor name \"" + name + "\" names no node");
  t.node = std::string(rest);
  return t;
}

std::string to_string(const TensorName& t) { return (t.control ? "^" : "") + t.node + ":" + std::to_string(t.output); }

tfproto::NodeDef* find_node(tfproto::GraphDef& graph, const std::string& name) {
  for (auto& node : *graph.mutable_node())
    if (node.name() == name) return &node;
  return nullptr;
}

const tfproto::NodeDef* find_node(const tfproto::GraphDef& graph, const std::string& name) {
  for (const auto& node : graph.node())
    if (node.name() == name) return &node;
  return nullptr;
}

std::vector<int> topological_order(const tfproto::GraphDef& graph) {
  std::unordered_map<std::string, int> index;
  for (int i = 0; i < graph.node_size(); ++i) index.emplace(graph.node(i).name(), i);
  enum class Mark { none, open, done };
  std::vector<Mark> mark(static_cast<std::size_t>(graph.node_size()), Mark::none);
  std::vector<int> order;
  // Depth-first with an explicit stack: deep graphs (hundreds of layers) must not exhaust the C++ stack.
  for (int start = 0; start < graph.node_size(); ++start) {
    if (mark[static_cast<std::size_t>(start)] != Mark::none) continue;
    std::vector<std::pair<int, int>> stack{{start, 0}};  // node, next input to visit
    mark[static_cast<std::size_t>(start)] = Mark::open;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      const auto& inputs = graph.node(node).input();
      if (next < inputs.size()) {
        const auto found = index.find(parse_tensor_name(inputs[next++]).node);
        if (found == index.end()) continue;  // reported by the pass that needs it
        const auto at = static_cast<std::size_t>(found->second);
        if (mark[at] == Mark::open)
          throw Error(ErrorCode::unsupported, "the graph has a cycle through node \"" + graph.node(found->second).name() +
                                                  "\" (a TensorFlow while loop); loops are not supported");
        if (mark[at] == Mark::none) {
          mark[at] = Mark::open;
          stack.emplace_back(found->second, 0);
        }
        continue;
      }
      mark[static_cast<std::size_t>(node)] = Mark::done;
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

}  // namespace deepimage::engine::tf
