#include <unordered_map>

#include "deepimage/error.hpp"
#include "engine/tf/graph_passes.hpp"

namespace deepimage::engine::tf {
namespace {

// Turns `node` into a Const holding `tensor`, keeping its name so its consumers are unchanged.
void make_const(tfproto::NodeDef& node, const BundleTensor& tensor) {
  node.set_op("Const");
  node.clear_input();
  node.clear_attr();
  (*node.mutable_attr())["dtype"].set_type(tensor.dtype);
  tfproto::TensorProto& value = *(*node.mutable_attr())["value"].mutable_tensor();
  value.set_dtype(tensor.dtype);
  for (const std::int64_t d : tensor.shape) value.mutable_tensor_shape()->add_dim()->set_size(d);
  value.set_tensor_content(tensor.bytes);
}

std::string attr_string(const tfproto::NodeDef& node, const char* name) {
  const auto found = node.attr().find(name);
  return found == node.attr().end() ? std::string() : found->second.s();
}

// TF2 checkpoints key variables by object path ("layer/kernel/.ATTRIBUTES/VARIABLE_VALUE").
bool is_object_graph_checkpoint(const TensorBundle& bundle) {
  for (const std::string& name : bundle.names())
    if (name.ends_with("/.ATTRIBUTES/VARIABLE_VALUE")) return true;
  return false;
}

BundleTensor read_variable(const TensorBundle& bundle, const std::string& key, const tfproto::NodeDef& node,
                           const std::string& where) {
  if (!bundle.contains(key)) {
    if (is_object_graph_checkpoint(bundle))
      throw Error(ErrorCode::unsupported, where + " is a TensorFlow 2 SavedModel: variable \"" + key +
                                              "\" is saved by object path (TF2 checkpoint), which is not supported; "
                                              "export it as a TensorFlow 1 SavedModel or as ONNX");
    throw Error(ErrorCode::bad_model, "variable \"" + key + "\" (node \"" + node.name() + "\") is not saved in the variables of " + where);
  }
  BundleTensor tensor = bundle.read(key);
  const auto dtype = node.attr().find("dtype");
  if (dtype != node.attr().end() && dtype->second.type() != tensor.dtype)
    throw Error(ErrorCode::bad_model, "variable \"" + key + "\" is saved as " + tfproto::DataType_Name(tensor.dtype) +
                                          " but node \"" + node.name() + "\" declares " +
                                          tfproto::DataType_Name(dtype->second.type()) + " in " + where);
  return tensor;
}

}  // namespace

int freeze_variables(tfproto::GraphDef& graph, const TensorBundle& bundle, const std::string& where) {
  int read = 0;
  std::unordered_map<std::string, const tfproto::NodeDef*> handles;  // VarHandleOp nodes by name
  for (const auto& node : graph.node())
    if (node.op() == "VarHandleOp") handles.emplace(node.name(), &node);

  std::unordered_map<std::string, BundleTensor> by_handle;
  for (auto& node : *graph.mutable_node()) {
    if (node.op() == "VariableV2" || node.op() == "Variable") {
      make_const(node, read_variable(bundle, node.name(), node, where));
      ++read;
    } else if (node.op() == "ReadVariableOp" && node.input_size() >= 1) {
      const auto handle = handles.find(parse_tensor_name(node.input(0)).node);
      if (handle == handles.end())
        throw Error(ErrorCode::unsupported, "node \"" + node.name() + "\" reads a resource variable through \"" + node.input(0) +
                                                "\", which is not a VarHandleOp, in " + where);
      const std::string shared = attr_string(*handle->second, "shared_name");
      const std::string key = shared.empty() ? handle->second->name() : shared;
      auto cached = by_handle.find(key);
      if (cached == by_handle.end()) {
        cached = by_handle.emplace(key, read_variable(bundle, key, *handle->second, where)).first;
        ++read;
      }
      make_const(node, cached->second);
    }
  }
  return read;
}

}  // namespace deepimage::engine::tf
