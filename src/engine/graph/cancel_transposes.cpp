// cancel_transposes() (passes.hpp): moves Transposes down the graph through operators that do not care
// about the order of axes, until each meets its inverse and both disappear.
//
// The TF importer keeps TF's NHWC order and wraps each layout-sensitive operator in a pair:
//
//   x(NHWC) -> T(0,3,1,2) -> Conv -> T(0,2,3,1) -> Add(bias) -> Relu -> T(0,3,1,2) -> Conv -> T(0,2,3,1) -> y
//
// Sinking the T(0,2,3,1) after the first Conv through Add (its constant permuted) and Relu brings it next
// to the T(0,3,1,2) of the second Conv; the two compose to the identity and are removed:
//
//   x(NHWC) -> T(0,3,1,2) -> Conv -> Add(bias') -> Relu -> Conv -> T(0,2,3,1) -> y
//
// so a convolutional network keeps one Transpose at its input and one at its output. The rules, for a
// Transpose T(p) feeding node N (y = T(p)(x): axis k of y is axis p[k] of x):
//   pointwise N(T(p) x)               = T(p) N(x)
//   broadcasting N(T(p) a, T(p) b | c) = T(p) N(a, b | c''), c'' = T(p^-1)(c with leading 1s to rank r)
//   Concat(axis k) of T(p) inputs      = T(p) Concat(axis p[k])
//   Reduce*(axes A), Softmax(axis k), Pad(pads, axes)  the same with axes mapped through p; without
//                                        keepdims the Transpose after the reduction is the one induced on
//                                        the kept axes, or none when that is the identity
//   T(q)(T(p) x)                       = T(p o q) x, nothing when that is the identity.
// A Transpose is sunk only when every reader of its output is a Transpose or an operator it can pass
// (or a graph output, which keeps it), so the pass adds no Transposes on paths where none cancels. It needs no shapes (ranks come from
// the perms and the constants), so importers run it before specialize().
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/indexing.hpp"
#include "engine/graph/kernels/operands.hpp"
#include "engine/graph/passes.hpp"

namespace deepimage::engine::graph {
namespace {

using Perm = std::vector<std::int64_t>;

// Operators whose element order does not matter: every data input is read element by element.
const std::set<std::string>& pointwise_ops() {
  static const std::set<std::string> ops = {"Relu",  "Sigmoid", "Tanh", "Sqrt",      "Exp",  "Log",  "Softplus", "Identity",
                                            "Neg",   "Abs",     "Floor", "Ceil",     "Erf",  "LeakyRelu", "Elu", "Cast",
                                            "Clip"};
  return ops;
}

// Operators with numpy broadcasting over all their inputs.
const std::set<std::string>& broadcasting_ops() {
  static const std::set<std::string> ops = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "PRelu", "Equal", "Less", "Greater", "Where"};
  return ops;
}

const std::set<std::string>& reduction_ops() {
  static const std::set<std::string> ops = {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd"};
  return ops;
}

bool is_identity(const Perm& p) {
  for (std::size_t k = 0; k < p.size(); ++k)
    if (p[k] != static_cast<std::int64_t>(k)) return false;
  return true;
}

Perm inverse(const Perm& p) {
  Perm inv(p.size());
  for (std::size_t k = 0; k < p.size(); ++k) inv[static_cast<std::size_t>(p[k])] = static_cast<std::int64_t>(k);
  return inv;
}

// T(outer)(T(inner)(x)) = T(composed)(x).
Perm compose(const Perm& inner, const Perm& outer) {
  Perm p;
  for (const auto k : outer) p.push_back(inner[static_cast<std::size_t>(k)]);
  return p;
}

// The node's perm when it is a Transpose with an explicit, valid one.
std::optional<Perm> transpose_perm_of(const Node& node) {
  if (node.op != "Transpose" || node.inputs.size() != 1 || node.outputs.size() != 1 || !node.has("perm")) return std::nullopt;
  Perm p = node.get_ints("perm");
  Perm sorted = p;
  std::sort(sorted.begin(), sorted.end());
  if (!is_identity(sorted)) return std::nullopt;
  return p;
}

struct Uses {
  std::vector<std::vector<std::size_t>> readers;  // node indices reading each value (once per node)
  std::vector<int> producer;                      // node index writing each value, or -1
  std::vector<bool> is_output;
};

Uses count_uses(const Graph& g) {
  Uses u{std::vector<std::vector<std::size_t>>(g.values.size()), std::vector<int>(g.values.size(), -1),
         std::vector<bool>(g.values.size(), false)};
  for (std::size_t n = 0; n < g.nodes.size(); ++n) {
    for (const ValueId in : g.nodes[n].inputs) {
      if (in == no_value) continue;
      auto& r = u.readers[static_cast<std::size_t>(in)];
      if (r.empty() || r.back() != n) r.push_back(n);
    }
    for (const ValueId out : g.nodes[n].outputs)
      if (out != no_value) u.producer[static_cast<std::size_t>(out)] = static_cast<int>(n);
  }
  for (const ValueId out : g.outputs) u.is_output[static_cast<std::size_t>(out)] = true;
  return u;
}

// The Transpose node producing `v`, or nullptr.
const Node* transpose_producing(const Graph& g, const Uses& u, ValueId v) {
  if (v == no_value) return nullptr;
  const int p = u.producer[static_cast<std::size_t>(v)];
  if (p < 0 || !transpose_perm_of(g.nodes[static_cast<std::size_t>(p)])) return nullptr;
  return &g.nodes[static_cast<std::size_t>(p)];
}

// Shape `s` (of rank p.size()) read through T(p), or empty when unknown.
Shape permuted_shape(const Shape& s, const Perm& p) {
  if (s.size() != p.size()) return {};
  Shape out;
  for (const auto k : p) out.push_back(s[static_cast<std::size_t>(k)]);
  return out;
}

// A new value of `like`'s type; its shape when known.
ValueId add_like(Graph& g, ValueId like, const std::string& suffix, const std::optional<Shape>& shape) {
  Value v;
  v.name = g.value(like).name + suffix;
  v.dtype = g.value(like).dtype;
  v.shape_known = shape.has_value();
  if (shape) v.shape = *shape;
  return g.add_value(std::move(v));
}

// T(p^-1) of the constant `id` after giving it leading 1s up to the perm's rank: the operand that,
// broadcast against x, matches the original broadcast against T(p)(x).
ValueId permuted_constant(Graph& g, ValueId id, const Perm& p) {
  Tensor c = *g.value(id).constant;
  if (c.rank() == 0) return id;  // a scalar broadcasts the same in every order
  Shape padded(p.size() - c.rank(), 1);
  padded.insert(padded.end(), c.shape().begin(), c.shape().end());
  c.reshape(padded, "");
  Node t{.op = "Transpose", .name = g.value(id).name + "/permuted", .inputs = {}, .outputs = {}, .attributes = {{"perm", inverse(p)}}};
  Tensor out = std::move(transpose_reference(t, {&c}).front());
  return g.add_constant(g.value(id).name + "/permuted", std::move(out));
}

ValueId int64_constant(Graph& g, const std::string& name, const std::vector<std::int64_t>& v) {
  Tensor t(DType::i64, {static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return g.add_constant(name, std::move(t));
}

// The node's data inputs, which carry the layout (the others are scalars or axis lists).
std::vector<std::size_t> data_slots(const Node& node) {
  if (broadcasting_ops().count(node.op) || node.op == "Concat") {
    std::vector<std::size_t> all(node.inputs.size());
    for (std::size_t k = 0; k < all.size(); ++k) all[k] = k;
    return all;
  }
  return {0};
}

// Whether `node` is an operator a Transpose of rank r can pass (its attributes and operands permit it).
bool can_pass(const Graph& g, const Node& node, std::size_t rank) {
  if (node.outputs.size() != 1 || node.inputs.empty()) return false;
  if (pointwise_ops().count(node.op) || broadcasting_ops().count(node.op) || node.op == "Concat") return true;
  const auto constant_or_absent = [&](std::size_t k) { return k >= node.inputs.size() || node.inputs[k] == no_value || g.is_constant(node.inputs[k]); };
  if (reduction_ops().count(node.op)) return constant_or_absent(1);
  if (node.op == "Softmax") return node.get_int("legacy", 0) == 0;
  if (node.op == "Pad") {
    if (!constant_or_absent(1) || !constant_or_absent(3)) return false;
    if (node.inputs.size() > 3 && node.inputs[3] != no_value) return true;
    return node.inputs.size() > 1 && node.inputs[1] != no_value &&
           g.value(node.inputs[1]).constant->element_count() == static_cast<std::int64_t>(2 * rank);
  }
  return false;
}

// T(q)(T(p) x): one Transpose, or none. When none and the result is a graph output, the node that
// computes x writes the output's value instead (keeping its name), or an Identity does.
bool merge_pair(Graph& g, std::size_t index, const Uses& u) {
  Node& outer = g.nodes[index];
  const auto q = transpose_perm_of(outer);
  if (!q) return false;
  const Node* inner = transpose_producing(g, u, outer.inputs[0]);
  if (!inner) return false;
  const Perm p = *transpose_perm_of(*inner);
  if (p.size() != q->size()) return false;
  const ValueId x = inner->inputs[0];
  const Perm composed = compose(p, *q);
  if (!is_identity(composed)) {
    outer.inputs[0] = x;
    outer.attributes["perm"] = composed;
    return true;
  }
  const ValueId y = outer.outputs[0];
  if (!u.is_output[static_cast<std::size_t>(y)]) {
    for (Node& n : g.nodes)
      for (ValueId& in : n.inputs)
        if (in == y) in = x;
    outer.op.clear();  // marked for removal
    return true;
  }
  const int producer = u.producer[static_cast<std::size_t>(x)];
  const bool x_is_free = producer >= 0 && !u.is_output[static_cast<std::size_t>(x)] &&
                         std::find(g.inputs.begin(), g.inputs.end(), x) == g.inputs.end();
  if (!x_is_free) {
    outer.op = "Identity";
    outer.inputs = {x};
    outer.attributes.clear();
    return true;
  }
  // Every reader of x comes after its producer, so they may read y instead.
  for (Node& n : g.nodes) {
    for (ValueId& in : n.inputs)
      if (in == x) in = y;
    for (ValueId& out : n.outputs)
      if (out == x) out = y;
  }
  outer.op.clear();
  return true;
}

// Moves the Transposes feeding node `index` behind it (the rules at the top of this file).
bool sink_through(Graph& g, std::size_t index, const Uses& u) {
  const Node& node = g.nodes[index];
  if (node.op == "Transpose") return false;
  // The perm: that of the first data input a Transpose produces.
  std::optional<Perm> perm;
  for (const std::size_t k : data_slots(node))
    if (k < node.inputs.size())
      if (const Node* t = transpose_producing(g, u, node.inputs[k])) {
        perm = transpose_perm_of(*t);
        break;
      }
  if (!perm) return false;
  const Perm& p = *perm;
  const std::size_t rank = p.size();
  if (!can_pass(g, node, rank)) return false;

  // Every data input is T(p) of something or a constant of at most that rank; every such Transpose is
  // read only by Transposes and operators it can pass.
  for (const std::size_t k : data_slots(node)) {
    const ValueId v = node.inputs[k];
    if (v == no_value) continue;
    if (const Node* t = transpose_producing(g, u, v)) {
      if (*transpose_perm_of(*t) != p) return false;
      for (const std::size_t r : u.readers[static_cast<std::size_t>(v)]) {
        const Node& reader = g.nodes[r];
        if (reader.op != "Transpose" && !can_pass(g, reader, rank)) return false;
      }
    } else if (!g.is_constant(v) || g.value(v).constant->rank() > rank) {
      return false;
    }
  }

  Node moved = node;
  for (const std::size_t k : data_slots(node)) {
    const ValueId v = node.inputs[k];
    if (v == no_value) continue;
    if (const Node* t = transpose_producing(g, u, v)) moved.inputs[k] = t->inputs[0];
    else moved.inputs[k] = permuted_constant(g, v, p);
  }
  const ValueId y = node.outputs[0];
  Perm after = p;  // the Transpose that restores the original output
  if (node.op == "Concat") {
    moved.attributes["axis"] = p[static_cast<std::size_t>(normalize_axis(node.get_int("axis", 0), rank, node))];
  } else if (node.op == "Softmax") {
    moved.attributes["axis"] = p[static_cast<std::size_t>(normalize_axis(node.get_int("axis", -1), rank, node))];
  } else if (node.op == "Pad") {
    if (node.inputs.size() > 3 && node.inputs[3] != no_value) {
      std::vector<std::int64_t> axes;
      for (const int a : normalize_axes(int64_values(node, *g.value(node.inputs[3]).constant, "axes"), rank, node))
        axes.push_back(p[static_cast<std::size_t>(a)]);
      moved.inputs[3] = int64_constant(g, node.name + "/axes_permuted", axes);
    } else {
      const auto pads = int64_values(node, *g.value(node.inputs[1]).constant, "pads");
      std::vector<std::int64_t> mapped(pads.size());
      for (std::size_t k = 0; k < rank; ++k) {
        mapped[static_cast<std::size_t>(p[k])] = pads[k];
        mapped[rank + static_cast<std::size_t>(p[k])] = pads[rank + k];
      }
      moved.inputs[1] = int64_constant(g, node.name + "/pads_permuted", mapped);
    }
  } else if (reduction_ops().count(node.op)) {
    const bool has_axes = node.inputs.size() > 1 && node.inputs[1] != no_value &&
                          g.value(node.inputs[1]).constant->element_count() > 0;
    std::vector<bool> reduced(rank, !has_axes && node.get_int("noop_with_empty_axes", 0) == 0);
    if (has_axes) {
      std::vector<std::int64_t> axes;
      for (const int a : normalize_axes(int64_values(node, *g.value(node.inputs[1]).constant, "axes"), rank, node)) {
        axes.push_back(p[static_cast<std::size_t>(a)]);
        reduced[static_cast<std::size_t>(a)] = true;
      }
      moved.inputs[1] = int64_constant(g, node.name + "/axes_permuted", axes);
    }
    if (node.get_int("keepdims", 1) == 0) {
      // Kept axes of y in y's order, each the x axis p[k]; in the reduced x they are sorted.
      Perm kept_x;
      for (std::size_t k = 0; k < rank; ++k)
        if (!reduced[k]) kept_x.push_back(p[k]);
      Perm sorted = kept_x;
      std::sort(sorted.begin(), sorted.end());
      after.clear();
      for (const auto a : kept_x) after.push_back(std::find(sorted.begin(), sorted.end(), a) - sorted.begin());
    }
  }

  const bool shape_known = g.value(y).shape_known;
  const Shape y_shape = g.value(y).shape;
  const std::string name = node.name;
  if (is_identity(after)) {
    g.nodes[index] = std::move(moved);  // writes y itself
    return true;
  }
  std::optional<Shape> inner_shape;
  if (shape_known && y_shape.size() == after.size()) inner_shape = permuted_shape(y_shape, inverse(after));
  const ValueId inner = add_like(g, y, "/before_transpose", inner_shape);
  moved.outputs = {inner};
  Node restore{.op = "Transpose", .name = name + "/transpose", .inputs = {inner}, .outputs = {y}, .attributes = {{"perm", after}}};
  g.nodes[index] = std::move(moved);
  g.nodes.insert(g.nodes.begin() + static_cast<std::ptrdiff_t>(index) + 1, std::move(restore));
  return true;
}

void drop_marked_nodes(Graph& g) {
  g.nodes.erase(std::remove_if(g.nodes.begin(), g.nodes.end(), [](const Node& n) { return n.op.empty(); }), g.nodes.end());
}

}  // namespace

void cancel_transposes(Graph& graph) {
  // Each step removes a Transpose or moves one past a node towards the outputs, so the loop ends.
  for (bool changed = true; changed;) {
    changed = false;
    remove_dead_nodes(graph);  // a sunk Transpose is dead: it must not count as a reader
    const Uses uses = count_uses(graph);
    for (std::size_t i = 0; i < graph.nodes.size() && !changed; ++i)
      changed = merge_pair(graph, i, uses) || sink_through(graph, i, uses);
    drop_marked_nodes(graph);
  }
  remove_dead_nodes(graph);
}

}  // namespace deepimage::engine::graph
