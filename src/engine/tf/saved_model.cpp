#include "engine/tf/saved_model.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "deepimage/error.hpp"
#include "engine/tf/graph_passes.hpp"
#include "engine/tf/proto/saved_model.pb.h"
#include "engine/tf/tensor_bundle.hpp"

namespace deepimage::engine::tf {
namespace {

using tfproto::GraphDef;
using tfproto::MetaGraphDef;
using tfproto::NodeDef;
using tfproto::SignatureDef;
using tfproto::TensorInfo;

constexpr std::size_t kNamesShown = 8;

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kNamesShown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kNamesShown) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out.empty() ? "none" : out;
}

const MetaGraphDef& choose_meta_graph(const tfproto::SavedModel& saved, const std::string& where) {
  if (saved.meta_graphs_size() == 0) throw Error(ErrorCode::bad_model, where + " holds no meta graph");
  if (saved.meta_graphs_size() == 1) return saved.meta_graphs(0);
  std::vector<std::string> tag_sets;
  for (const MetaGraphDef& meta : saved.meta_graphs()) {
    const auto& tags = meta.meta_info_def().tags();
    if (std::find(tags.begin(), tags.end(), "serve") != tags.end()) return meta;
    std::string set;
    for (const std::string& tag : tags) set += (set.empty() ? "" : "+") + tag;
    tag_sets.push_back("\"" + set + "\"");
  }
  throw Error(ErrorCode::bad_model, where + " has " + std::to_string(saved.meta_graphs_size()) +
                                        " meta graphs and none is tagged \"serve\" (tags: " + joined(tag_sets) + ")");
}

// "serving_default", else the only signature; keys such as "__saved_model_init_op" hold init ops, not models.
std::string choose_signature(const MetaGraphDef& meta) {
  std::vector<std::string> keys;
  for (const auto& [key, def] : meta.signature_def())
    if (!key.starts_with("__")) keys.push_back(key);
  if (meta.signature_def().count("serving_default")) return "serving_default";
  return keys.size() == 1 ? keys.front() : std::string();
}

std::vector<std::string> signature_keys(const MetaGraphDef& meta) {
  std::vector<std::string> keys;
  for (const auto& [key, def] : meta.signature_def())
    if (!key.starts_with("__")) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::optional<std::vector<std::int64_t>> shape_of(const tfproto::TensorShapeProto& shape) {
  if (shape.unknown_rank()) return std::nullopt;
  std::vector<std::int64_t> dims;
  for (const auto& dim : shape.dim()) dims.push_back(dim.size());
  return dims;
}

FrozenTensor from_tensor_info(const std::string& key, const TensorInfo& info) {
  const TensorName t = parse_tensor_name(info.name());
  // An absent shape is unknown (the node's _output_shapes may tell), not a scalar.
  std::optional<std::vector<std::int64_t>> shape;
  if (info.has_tensor_shape()) shape = shape_of(info.tensor_shape());
  return {to_string(t), t.node, t.output, key, info.dtype(), shape};
}

// dtype and shape as the node's attributes declare them (Placeholder: dtype, shape; others: T, _output_shapes).
void fill_from_node(FrozenTensor& tensor, const NodeDef& node) {
  const auto& attr = node.attr();
  if (tensor.dtype == tfproto::DT_INVALID) {
    if (const auto a = attr.find("dtype"); a != attr.end()) tensor.dtype = a->second.type();
    else if (const auto t = attr.find("T"); t != attr.end()) tensor.dtype = t->second.type();
  }
  if (!tensor.shape) {
    if (const auto s = attr.find("shape"); s != attr.end() && s->second.has_shape()) tensor.shape = shape_of(s->second.shape());
    else if (const auto o = attr.find("_output_shapes"); o != attr.end() && o->second.list().shape_size() > tensor.output)
      tensor.shape = shape_of(o->second.list().shape(tensor.output));
  }
}

// A caller's name: a signature key, a tensor ("x:0") or a node ("x").
FrozenTensor resolve_name(const std::string& name, const SignatureDef* signature, bool input, const GraphDef& graph,
                          const std::string& where) {
  const auto& side = signature ? (input ? signature->inputs() : signature->outputs())
                               : google::protobuf::Map<std::string, TensorInfo>();
  if (const auto found = side.find(name); found != side.end()) {
    FrozenTensor t = from_tensor_info(name, found->second);
    if (const NodeDef* node = find_node(graph, t.node)) fill_from_node(t, *node);
    return t;
  }
  const TensorName parsed = parse_tensor_name(name);
  const NodeDef* node = find_node(graph, parsed.node);
  if (!node) {
    std::vector<std::string> keys;
    for (const auto& [key, info] : side) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    throw Error(ErrorCode::not_found, std::string(input ? "input" : "output") + " \"" + name + (signature ? "\" is neither a node of " : "\" is not a node of ") + where +
                                          (signature ? " nor a key of its signature (" + joined(keys) + ")" : ""));
  }
  FrozenTensor t{to_string(parsed), parsed.node, parsed.output, "", tfproto::DT_INVALID, std::nullopt};
  for (const auto& [key, info] : side)
    if (to_string(parse_tensor_name(info.name())) == t.name) t = from_tensor_info(key, info);
  fill_from_node(t, *node);
  return t;
}

bool is_learning_phase_name(const std::string& name) {
  return name == "keras_learning_phase" || name.ends_with("/keras_learning_phase");
}

// Without a signature or names: the one Placeholder (Keras's learning phase aside).
FrozenTensor guess_feed(const GraphDef& graph, const std::string& where) {
  std::vector<std::string> placeholders;
  const NodeDef* only = nullptr;
  for (const NodeDef& node : graph.node())
    if (node.op() == "Placeholder" && !is_learning_phase_name(node.name())) {
      placeholders.push_back("\"" + node.name() + "\"");
      only = &node;
    }
  if (placeholders.size() != 1)
    throw Error(ErrorCode::invalid_argument, where + " has no signature and " + std::to_string(placeholders.size()) +
                                                 " placeholders (" + joined(placeholders) + "): name the input tensor");
  FrozenTensor t{only->name() + ":0", only->name(), 0, "", tfproto::DT_INVALID, std::nullopt};
  fill_from_node(t, *only);
  return t;
}

// Without a signature or names: the one node computed from the feeds that nothing reads. Shape, Size
// and Rank end the walk: what they feed (deconvolution output sizes) is bookkeeping, not a result.
FrozenTensor guess_fetch(const GraphDef& graph, const std::vector<FrozenTensor>& feeds, const std::string& where) {
  std::unordered_map<std::string, std::vector<int>> consumers;
  for (int i = 0; i < graph.node_size(); ++i)
    for (const std::string& input : graph.node(i).input()) {
      const TensorName t = parse_tensor_name(input);
      if (!t.control) consumers[t.node].push_back(i);
    }
  std::unordered_set<std::string> reached;
  std::vector<std::string> stack;
  for (const FrozenTensor& feed : feeds)
    if (reached.insert(feed.node).second) stack.push_back(feed.node);
  std::vector<std::string> sinks;
  while (!stack.empty()) {
    const std::string name = stack.back();
    stack.pop_back();
    const auto found = consumers.find(name);
    if (found == consumers.end()) {
      sinks.push_back(name);
      continue;
    }
    for (const int i : found->second) {
      const NodeDef& node = graph.node(i);
      if (node.op() == "Shape" || node.op() == "Size" || node.op() == "Rank") continue;
      if (reached.insert(node.name()).second) stack.push_back(node.name());
    }
  }
  std::sort(sinks.begin(), sinks.end());
  if (sinks.size() != 1) {
    for (auto& s : sinks) s = "\"" + s + "\"";
    throw Error(ErrorCode::invalid_argument, where + " has no signature and " + std::to_string(sinks.size()) +
                                                 " final nodes computed from its input (" + joined(sinks) +
                                                 "): name the output tensor");
  }
  FrozenTensor t{sinks.front() + ":0", sinks.front(), 0, "", tfproto::DT_INVALID, std::nullopt};
  fill_from_node(t, *find_node(graph, t.node));
  return t;
}

// A feed becomes a Placeholder: what computed it is no longer needed.
void make_placeholder(GraphDef& graph, const FrozenTensor& feed, const std::string& where) {
  NodeDef* node = find_node(graph, feed.node);
  // A signature may name a tensor of a node the graph does not have.
  if (!node)
    throw Error(ErrorCode::bad_model, "input \"" + feed.name + "\" of " + where + " is the output of node \"" + feed.node +
                                          "\", which its graph does not have");
  if (node->op() == "Placeholder") return;
  if (feed.output != 0)
    throw Error(ErrorCode::unsupported, "input \"" + feed.name + "\" of " + where +
                                            " is output " + std::to_string(feed.output) + " of its node; only output 0 can be fed");
  if (feed.dtype == tfproto::DT_INVALID)
    throw Error(ErrorCode::bad_model, "input \"" + feed.name + "\" of " + where + " declares no element type");
  node->set_op("Placeholder");
  node->clear_input();
  node->clear_attr();
  (*node->mutable_attr())["dtype"].set_type(feed.dtype);
  if (feed.shape) {
    auto& shape = *(*node->mutable_attr())["shape"].mutable_shape();
    for (const std::int64_t d : *feed.shape) shape.add_dim()->set_size(d);
  }
}

// TF2 graphs call functions of their library (tf.function bodies, resource variables captured inside).
void refuse_function_calls(const GraphDef& graph, const MetaGraphDef& meta, const std::string& where) {
  std::set<std::string> functions;
  for (const auto& f : graph.library().function()) functions.insert(f.signature().name());
  for (const NodeDef& node : graph.node()) {
    const bool call = node.op() == "StatefulPartitionedCall" || node.op() == "PartitionedCall" || functions.count(node.op());
    if (!call) continue;
    std::string function = node.op();
    if (const auto f = node.attr().find("f"); f != node.attr().end() && !f->second.func().name().empty())
      function = f->second.func().name();
    const std::string version = meta.meta_info_def().tensorflow_version();
    throw Error(ErrorCode::unsupported,
                where + " is a TensorFlow 2 SavedModel" + (version.empty() ? "" : " (tensorflow " + version + ")") +
                    ": node \"" + node.name() + "\" (" + node.op() + ") calls function \"" + function +
                    "\" of its function library" + (meta.has_object_graph_def() ? " with resource variables of its object graph" : "") +
                    ", which is not supported; export it as a TensorFlow 1 SavedModel or as ONNX");
  }
}

// A PlaceholderWithDefault nobody feeds is its default.
void take_defaults(GraphDef& graph, const std::vector<std::string>& feed_nodes) {
  for (NodeDef& node : *graph.mutable_node()) {
    if (node.op() != "PlaceholderWithDefault" || std::count(feed_nodes.begin(), feed_nodes.end(), node.name())) continue;
    const auto dtype = node.attr().find("dtype");
    const tfproto::DataType type = dtype == node.attr().end() ? tfproto::DT_FLOAT : dtype->second.type();
    node.set_op("Identity");
    node.clear_attr();
    (*node.mutable_attr())["T"].set_type(type);
  }
}

void refuse_unfed_placeholders(const GraphDef& graph, const std::vector<std::string>& feed_nodes, const std::string& where) {
  for (const NodeDef& node : graph.node())
    if (node.op() == "Placeholder" && !std::count(feed_nodes.begin(), feed_nodes.end(), node.name()))
      throw Error(ErrorCode::invalid_argument, "the outputs of " + where + " need placeholder \"" + node.name() +
                                                   "\", which is not among the inputs (" + joined(feed_nodes) + ")");
}

}  // namespace

FrozenGraph load_saved_model(const model::Model& model, const WeightsSpec& weights,
                             const std::vector<std::string>& feeds_hint, const std::vector<std::string>& fetches_hint) {
  return load_saved_model(SavedModelFiles::in_model(model, weights), feeds_hint, fetches_hint);
}

FrozenGraph load_saved_model(const SavedModelFiles& files, const std::vector<std::string>& feeds_hint,
                             const std::vector<std::string>& fetches_hint) {
  FrozenGraph frozen;
  frozen.where = files.where();
  const std::string& where = frozen.where;
  tfproto::SavedModel saved;
  {
    const std::vector<std::byte> pb = files.read("saved_model.pb");
    if (!saved.ParseFromArray(pb.data(), static_cast<int>(pb.size())))
      throw Error(ErrorCode::bad_model, files.shown("saved_model.pb") + " is not a SavedModel protocol buffer (corrupt or truncated)");
  }
  const MetaGraphDef& meta = choose_meta_graph(saved, where);
  frozen.tensorflow_version = meta.meta_info_def().tensorflow_version();
  const GraphDef& original = meta.graph_def();

  // Feeds and fetches: the caller's names, else the signature, else what the graph makes unambiguous.
  const std::string signature_key = choose_signature(meta);
  const SignatureDef* signature = signature_key.empty() ? nullptr : &meta.signature_def().at(signature_key);
  if (!signature && !meta.signature_def().empty() && (feeds_hint.empty() || fetches_hint.empty()) &&
      !signature_keys(meta).empty())
    throw Error(ErrorCode::invalid_argument, where + " has signatures " + joined(signature_keys(meta)) +
                                                 " and none is \"serving_default\": name the input and output tensors");
  frozen.signature = signature_key;
  auto from_signature = [&](bool input) {
    std::vector<FrozenTensor> out;
    const auto& side = input ? signature->inputs() : signature->outputs();
    std::vector<std::string> keys;
    for (const auto& [key, info] : side) keys.push_back(key);
    std::sort(keys.begin(), keys.end());
    for (const std::string& key : keys) out.push_back(resolve_name(key, signature, input, original, where));
    return out;
  };
  for (const std::string& name : feeds_hint) frozen.feeds.push_back(resolve_name(name, signature, true, original, where));
  if (frozen.feeds.empty()) frozen.feeds = signature ? from_signature(true) : std::vector<FrozenTensor>{guess_feed(original, where)};
  for (const std::string& name : fetches_hint) frozen.fetches.push_back(resolve_name(name, signature, false, original, where));
  if (frozen.fetches.empty())
    frozen.fetches = signature ? from_signature(false) : std::vector<FrozenTensor>{guess_fetch(original, frozen.feeds, where)};
  if (frozen.feeds.empty() || frozen.fetches.empty())
    throw Error(ErrorCode::bad_model, "the signature \"" + signature_key + "\" of " + where + " has no inputs or no outputs");

  std::vector<std::string> feed_nodes, fetch_nodes;
  for (const FrozenTensor& t : frozen.feeds) feed_nodes.push_back(t.node);
  for (const FrozenTensor& t : frozen.fetches) fetch_nodes.push_back(t.node);

  GraphDef& graph = frozen.graph;
  graph = original;
  for (const FrozenTensor& feed : frozen.feeds) make_placeholder(graph, feed, where);
  prune_graph(graph, fetch_nodes);
  refuse_function_calls(graph, meta, where);
  fold_learning_phase(graph, feed_nodes);
  take_defaults(graph, feed_nodes);
  frozen.switches_resolved = resolve_switches(graph, fetch_nodes);
  frozen.dropouts_bypassed = bypass_dropout(graph);
  prune_graph(graph, fetch_nodes);
  refuse_unfed_placeholders(graph, feed_nodes, where);
  frozen.variables_frozen = freeze_variables(graph, TensorBundle::open(files), where);
  prune_graph(graph, fetch_nodes);  // the VarHandleOps the reads replaced
  graph.clear_library();
  return frozen;
}

}  // namespace deepimage::engine::tf
