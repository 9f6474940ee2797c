#include <unordered_map>
#include <unordered_set>

#include "deepimage/error.hpp"
#include "engine/tf/graph_passes.hpp"

namespace deepimage::engine::tf {

void prune_graph(tfproto::GraphDef& graph, const std::vector<std::string>& fetch_nodes) {
  std::unordered_map<std::string, int> index;
  for (int i = 0; i < graph.node_size(); ++i) index.emplace(graph.node(i).name(), i);
  std::unordered_set<int> keep;
  std::vector<int> stack;
  for (const std::string& name : fetch_nodes) {
    const auto found = index.find(name);
    if (found == index.end()) throw Error(ErrorCode::not_found, "the graph has no node \"" + name + "\" to compute");
    if (keep.insert(found->second).second) stack.push_back(found->second);
  }
  while (!stack.empty()) {
    const tfproto::NodeDef& node = graph.node(stack.back());
    stack.pop_back();
    for (const std::string& input : node.input()) {
      const TensorName t = parse_tensor_name(input);
      if (t.control) continue;
      const auto found = index.find(t.node);
      if (found == index.end())
        throw Error(ErrorCode::bad_model, "node \"" + node.name() + "\" reads \"" + input + "\", which is not in the graph");
      if (keep.insert(found->second).second) stack.push_back(found->second);
    }
  }
  tfproto::GraphDef pruned;
  *pruned.mutable_versions() = graph.versions();
  *pruned.mutable_library() = graph.library();
  for (int i = 0; i < graph.node_size(); ++i) {
    if (!keep.count(i)) continue;
    tfproto::NodeDef* node = pruned.add_node();
    node->Swap(graph.mutable_node(i));
    auto* inputs = node->mutable_input();
    for (int k = inputs->size() - 1; k >= 0; --k)
      if (inputs->Get(k).starts_with("^")) inputs->DeleteSubrange(k, 1);
  }
  graph.Swap(&pruned);
}

}  // namespace deepimage::engine::tf
