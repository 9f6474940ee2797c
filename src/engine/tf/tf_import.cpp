#include "engine/tf/tf_import.hpp"

#include <algorithm>
#include <map>

#include "deepimage/error.hpp"
#include "engine/graph/passes.hpp"
#include "engine/tf/tf_graph_builder.hpp"
#include "engine/tf/tf_operator_forms.hpp"
#include "engine/tf/tf_tensor.hpp"

namespace deepimage::engine {
namespace {

using graph::ValueId;

bool is_control_input(const std::string& input) { return !input.empty() && input[0] == '^'; }

// "node" -> "node:0"; "node:2" stays.
std::string tensor_key(const std::string& name) {
  const auto colon = name.rfind(':');
  if (colon != std::string::npos && colon + 1 < name.size() &&
      name.find_first_not_of("0123456789", colon + 1) == std::string::npos)
    return name;
  return name + ":0";
}

std::string node_of(const std::string& key) { return key.substr(0, key.rfind(':')); }

// Operations that pass their input through unchanged at inference.
bool is_identity_like(const std::string& op) {
  return op == "Identity" || op == "StopGradient" || op == "Snapshot" || op == "PreventGradient" || op == "CheckNumerics" ||
         op == "IdentityN";
}

std::string join_quoted(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "\"" : ", \"") + i + "\"";
  return s.empty() ? "none" : s;
}

class TfImporter {
 public:
  TfImporter(const tfproto::GraphDef& def, std::vector<std::string> feeds, std::string source)
      : def_(def), feeds_(std::move(feeds)), builder_(std::move(source)) {
    for (int k = 0; k < def.node_size(); ++k) nodes_.emplace(def.node(k).name(), &def.node(k));
  }

  graph::Graph run(const std::vector<std::string>& fetches) {
    for (const auto& feed : feeds_) add_feed(feed);
    std::vector<const tfproto::NodeDef*> order;
    for (const auto& fetch : fetches) visit(tensor_key(fetch), "fetch", order);
    for (const auto* node : order)
      for (const auto& in : node->input())
        if (!is_control_input(in)) ++readers_[tensor_key(in)];
    for (const auto& fetch : fetches) ++readers_[tensor_key(fetch)];
    for (const auto* node : order) import_node(*node);

    graph::Graph& g = builder_.graph();
    for (const auto& fetch : fetches) {
      const ValueId id = lookup(tensor_key(fetch), "fetch \"" + fetch + "\"");
      if (std::find(g.inputs.begin(), g.inputs.end(), id) == g.inputs.end()) g.value(id).name = fetch;
      g.outputs.push_back(id);
    }
    graph::cancel_transposes(g);
    return std::move(g);
  }

 private:
  void add_feed(const std::string& feed) {
    const std::string key = tensor_key(feed);
    const auto it = nodes_.find(node_of(key));
    if (it == nodes_.end())
      throw Error(ErrorCode::bad_model, builder_.source() + ": the feed \"" + feed + "\" names no node of the graph");
    const tfproto::NodeDef& node = *it->second;
    graph::Value v;
    v.name = feed;
    for (const char* key_name : {"dtype", "T"})
      if (const auto a = node.attr().find(key_name); a != node.attr().end() && a->second.value_case() == tfproto::AttrValue::kType) {
        v.dtype = dtype_from_tf(a->second.type(), builder_.source() + ": feed \"" + feed + "\"");
        break;
      }
    if (const auto a = node.attr().find("shape"); node.op() == "Placeholder" && a != node.attr().end() &&
                                                  a->second.value_case() == tfproto::AttrValue::kShape &&
                                                  !a->second.shape().unknown_rank()) {
      v.shape_known = true;
      for (const auto& d : a->second.shape().dim()) v.shape.push_back(d.size() < 0 ? -1 : d.size());
    }
    const ValueId id = builder_.graph().add_value(std::move(v));
    builder_.graph().inputs.push_back(id);
    values_[key] = id;
  }

  bool is_fed(const std::string& key) const { return values_.count(key) != 0; }

  // Depth-first from `key` along data inputs, stopping at feeds; appends each needed node after the
  // nodes it reads. An explicit stack: graphs can be thousands of nodes deep.
  void visit(const std::string& key, const std::string& why, std::vector<const tfproto::NodeDef*>& order) {
    if (is_fed(key)) return;
    const auto root = nodes_.find(node_of(key));
    if (root == nodes_.end())
      throw Error(ErrorCode::bad_model, builder_.source() + ": the " + why + " \"" + key + "\" names no node of the graph");
    enum State { in_progress = 1, done = 2 };
    std::vector<std::pair<const tfproto::NodeDef*, int>> stack;  // node, next input to look at
    if (state_[root->first] == done) return;
    state_[root->first] = in_progress;
    stack.emplace_back(root->second, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next == node->input_size()) {
        state_[node->name()] = done;
        order.push_back(node);
        stack.pop_back();
        continue;
      }
      const std::string& input = node->input(next++);
      if (is_control_input(input) || is_fed(tensor_key(input))) continue;
      const std::string producer = node_of(tensor_key(input));
      const auto it = nodes_.find(producer);
      if (it == nodes_.end())
        throw Error(ErrorCode::bad_model, builder_.source() + ": " + node->op() + " node \"" + node->name() + "\" reads \"" +
                                              input + "\", which no node of the graph produces");
      int& s = state_[producer];
      if (s == done) continue;
      if (s == in_progress)
        throw Error(ErrorCode::unsupported, builder_.source() + ": the graph has a cycle through node \"" + producer +
                                                "\" (a TF1 while loop); the native engine runs acyclic graphs only");
      s = in_progress;
      stack.emplace_back(it->second, 0);
    }
  }

  ValueId lookup(const std::string& key, const std::string& who) const {
    const auto it = values_.find(key);
    if (it != values_.end()) return it->second;
    const auto node = nodes_.find(node_of(key));
    const std::string what = node == nodes_.end() ? "" : " of " + node->second->op() + " node \"" + node->first + "\"";
    throw Error(ErrorCode::unsupported, builder_.source() + ": " + who + " reads \"" + key + "\"" + what +
                                            ", an output the native engine does not compute");
  }

  void import_node(const tfproto::NodeDef& node) {
    const std::string head = builder_.source() + ": " + node.op() + " node \"" + node.name() + "\"";
    std::vector<ValueId> inputs;
    std::vector<std::string> input_names;
    for (const auto& in : node.input()) {
      if (is_control_input(in)) continue;
      input_names.push_back(tensor_key(in));
      inputs.push_back(lookup(input_names.back(), node.op() + " node \"" + node.name() + "\""));
    }
    const std::string& op = node.op();
    if (op == "Const") {
      const auto a = node.attr().find("value");
      if (a == node.attr().end() || a->second.value_case() != tfproto::AttrValue::kTensor)
        throw Error(ErrorCode::bad_model, head + " has no tensor value");
      values_[node.name() + ":0"] = builder_.constant(node.name(), tensor_from_tf_proto(a->second.tensor(), head));
      return;
    }
    if (op == "Placeholder")
      throw Error(ErrorCode::bad_model, head + " is not fed, and the fetches need it (feeds: " + join_quoted(feeds_) + ")");
    if (op == "PlaceholderWithDefault" || is_identity_like(op)) {
      if (inputs.empty()) throw Error(ErrorCode::bad_model, head + " has no input");
      const std::size_t passed = op == "IdentityN" ? inputs.size() : 1;
      for (std::size_t k = 0; k < passed; ++k) values_[node.name() + ":" + std::to_string(k)] = inputs[k];
      return;
    }
    if (op == "NoOp") return;
    const TfOperatorForm* form = find_tf_operator_form(op);
    if (!form)
      throw Error(ErrorCode::unsupported, builder_.source() + ": the native engine does not support the TensorFlow operation \"" +
                                              op + "\" (node \"" + node.name() + "\")");
    TfNode n{node, std::move(inputs), std::move(input_names), builder_,
             [this](const std::string& key) { const auto it = readers_.find(key); return it == readers_.end() ? 0 : it->second; }};
    const auto outputs = form->import(n);
    for (std::size_t k = 0; k < outputs.size(); ++k) values_[node.name() + ":" + std::to_string(k)] = outputs[k];
  }

  const tfproto::GraphDef& def_;
  std::vector<std::string> feeds_;
  TfGraphBuilder builder_;
  std::map<std::string, const tfproto::NodeDef*> nodes_;
  std::map<std::string, ValueId> values_;  // tensor "node:k" -> graph value
  std::map<std::string, int> readers_;     // tensor "node:k" -> nodes (and fetches) reading it
  std::map<std::string, int> state_;       // node name -> visit state
};

}  // namespace

graph::Graph import_tf_graph(const tfproto::GraphDef& frozen, const std::vector<std::string>& feeds,
                             const std::vector<std::string>& fetches, const std::string& source) {
  return TfImporter(frozen, feeds, source).run(fetches);
}

}  // namespace deepimage::engine
