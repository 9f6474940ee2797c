#include <unordered_map>

#include "engine/tf/graph_passes.hpp"

namespace deepimage::engine::tf {
namespace {

class Matcher {
 public:
  explicit Matcher(const tfproto::GraphDef& graph) : graph_(graph) {
    for (int i = 0; i < graph.node_size(); ++i) index_.emplace(graph.node(i).name(), i);
  }

  // The node producing `tensor` when it runs `op`, else nullptr.
  const tfproto::NodeDef* producer(const std::string& tensor, const char* op) const {
    const auto found = index_.find(parse_tensor_name(tensor).node);
    if (found == index_.end()) return nullptr;
    const tfproto::NodeDef& node = graph_.node(found->second);
    return node.op() == op ? &node : nullptr;
  }

  // Whether `tensor` is computed from a RandomUniform within a few nodes (random_uniform's scale and shift).
  bool random(const std::string& tensor, int depth = 4) const {
    const auto found = index_.find(parse_tensor_name(tensor).node);
    if (found == index_.end()) return false;
    const tfproto::NodeDef& node = graph_.node(found->second);
    if (node.op() == "RandomUniform") return true;
    if (depth == 0) return false;
    for (const std::string& input : node.input())
      if (random(input, depth - 1)) return true;
    return false;
  }

  // x of the old form: Mul(RealDiv(x, keep), Floor(Add(keep, R))).
  std::string old_form_input(const std::string& scaled, const std::string& mask) const {
    const tfproto::NodeDef* div = producer(scaled, "RealDiv");
    const tfproto::NodeDef* floor = producer(mask, "Floor");
    if (!div || !floor || div->input_size() != 2 || floor->input_size() != 1) return {};
    const tfproto::NodeDef* add = producer(floor->input(0), "Add");
    if (!add || add->input_size() != 2 || !(random(add->input(0)) || random(add->input(1)))) return {};
    return div->input(0);
  }

  // x of the new form: Mul(Mul(x, scale), Cast(GreaterEqual(R, rate))).
  std::string new_form_input(const std::string& scaled, const std::string& mask) const {
    const tfproto::NodeDef* mul = producer(scaled, "Mul");
    const tfproto::NodeDef* cast = producer(mask, "Cast");
    if (!mul || !cast || mul->input_size() != 2 || cast->input_size() != 1) return {};
    const tfproto::NodeDef* compare = producer(cast->input(0), "GreaterEqual");
    if (!compare || compare->input_size() != 2 || !random(compare->input(0))) return {};
    // The scale is the constant 1 / keep; x is the other operand.
    if (producer(mul->input(1), "Const")) return mul->input(0);
    if (producer(mul->input(0), "Const")) return mul->input(1);
    return {};
  }

 private:
  const tfproto::GraphDef& graph_;
  std::unordered_map<std::string, int> index_;
};

}  // namespace

int bypass_dropout(tfproto::GraphDef& graph) {
  std::vector<std::pair<int, std::string>> bypasses;  // Mul node -> dropout's input
  {
    const Matcher match(graph);
    for (int i = 0; i < graph.node_size(); ++i) {
      const tfproto::NodeDef& node = graph.node(i);
      if (node.op() != "Mul" || node.input_size() != 2) continue;
      for (int first = 0; first < 2; ++first) {
        const std::string& a = node.input(first);
        const std::string& b = node.input(1 - first);
        std::string x = match.old_form_input(a, b);
        if (x.empty()) x = match.new_form_input(a, b);
        if (!x.empty()) {
          bypasses.emplace_back(i, x);
          break;
        }
      }
    }
  }
  for (const auto& [i, x] : bypasses) {
    tfproto::NodeDef& node = *graph.mutable_node(i);
    node.set_op("Identity");
    node.clear_input();
    node.add_input(x);
  }
  return static_cast<int>(bypasses.size());
}

}  // namespace deepimage::engine::tf
