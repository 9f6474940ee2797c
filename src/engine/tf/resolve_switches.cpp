#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "deepimage/error.hpp"
#include "engine/tf/graph_passes.hpp"

namespace deepimage::engine::tf {
namespace {

// The value of a scalar bool Const, followed through Identity nodes; nullopt when not constant.
std::optional<bool> constant_bool(const tfproto::GraphDef& graph, const std::unordered_map<std::string, int>& index,
                                  std::string tensor) {
  for (int hops = 0; hops < 64; ++hops) {
    const auto found = index.find(parse_tensor_name(tensor).node);
    if (found == index.end()) return std::nullopt;
    const tfproto::NodeDef& node = graph.node(found->second);
    if (node.op() == "Identity" && node.input_size() >= 1) {
      tensor = node.input(0);
      continue;
    }
    if (node.op() != "Const") return std::nullopt;
    const auto value = node.attr().find("value");
    if (value == node.attr().end() || value->second.tensor().dtype() != tfproto::DT_BOOL) return std::nullopt;
    const tfproto::TensorProto& t = value->second.tensor();
    if (t.bool_val_size() > 0) return t.bool_val(0);
    if (!t.tensor_content().empty()) return t.tensor_content()[0] != 0;
    return false;  // TensorProto's default for a bool with no values
  }
  return std::nullopt;
}

}  // namespace

int resolve_switches(tfproto::GraphDef& graph, const std::vector<std::string>& fetch_nodes) {
  std::unordered_map<std::string, int> index;
  for (int i = 0; i < graph.node_size(); ++i) index.emplace(graph.node(i).name(), i);
  std::unordered_map<std::string, std::string> forwarded;  // "switch:k" (taken) -> the Switch's data input
  std::unordered_set<std::string> dead_outputs;            // "switch:k" (not taken)
  std::unordered_set<std::string> dead_nodes;
  auto is_dead = [&](const TensorName& t) { return dead_nodes.count(t.node) || dead_outputs.count(to_string(t)); };
  int resolved = 0;
  for (const int i : topological_order(graph)) {
    tfproto::NodeDef& node = *graph.mutable_node(i);
    bool any_dead = false;
    std::vector<std::string> live;
    for (auto& input : *node.mutable_input()) {
      TensorName t = parse_tensor_name(input);
      if (t.control) continue;
      if (const auto f = forwarded.find(to_string(t)); f != forwarded.end()) {
        input = f->second;
        t = parse_tensor_name(input);
      }
      if (is_dead(t)) any_dead = true;
      else live.push_back(input);
    }
    if (node.op() == "Merge") {
      if (live.empty()) dead_nodes.insert(node.name());
      else if (any_dead && live.size() == 1) {  // the one branch that runs: Merge's output 0 is its value
        node.set_op("Identity");
        node.clear_input();
        node.add_input(live.front());
        node.mutable_attr()->erase("N");
      }
      continue;
    }
    if (any_dead) {
      dead_nodes.insert(node.name());
      continue;
    }
    if (node.op() == "Switch" && node.input_size() >= 2) {
      const std::optional<bool> predicate = constant_bool(graph, index, node.input(1));
      if (!predicate) continue;
      // Output 0 carries the data when the predicate is false, output 1 when it is true.
      forwarded[node.name() + ":" + (*predicate ? "1" : "0")] = node.input(0);
      dead_outputs.insert(node.name() + ":" + (*predicate ? "0" : "1"));
      ++resolved;
    }
  }
  for (const std::string& fetch : fetch_nodes)
    if (dead_nodes.count(fetch))
      throw Error(ErrorCode::unsupported, "\"" + fetch + "\" is computed only on a branch of a constant condition that is "
                                          "not taken (Keras's training phase, when the condition is keras_learning_phase)");
  return resolved;
}

}  // namespace deepimage::engine::tf
