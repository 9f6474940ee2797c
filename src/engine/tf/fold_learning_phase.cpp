#include <algorithm>

#include "engine/tf/graph_passes.hpp"

namespace deepimage::engine::tf {
namespace {

// Keras names it "keras_learning_phase", under the scope of the first layer that asked for it.
bool is_learning_phase(const tfproto::NodeDef& node) {
  return (node.op() == "Placeholder" || node.op() == "PlaceholderWithDefault") &&
         (node.name() == "keras_learning_phase" || node.name().ends_with("/keras_learning_phase"));
}

}  // namespace

int fold_learning_phase(tfproto::GraphDef& graph, const std::vector<std::string>& feeds) {
  int folded = 0;
  for (auto& node : *graph.mutable_node()) {
    if (!is_learning_phase(node) || std::count(feeds.begin(), feeds.end(), node.name())) continue;
    node.set_op("Const");
    node.clear_input();
    node.clear_attr();
    (*node.mutable_attr())["dtype"].set_type(tfproto::DT_BOOL);
    tfproto::TensorProto& value = *(*node.mutable_attr())["value"].mutable_tensor();
    value.set_dtype(tfproto::DT_BOOL);
    value.mutable_tensor_shape();  // a scalar
    value.add_bool_val(false);
    ++folded;
  }
  return folded;
}

}  // namespace deepimage::engine::tf
