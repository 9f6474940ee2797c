#include "engine/torch/torchscript_architecture.hpp"

#include <torch/csrc/jit/api/function_impl.h>
#include <torch/csrc/jit/ir/ir.h>
#include <torch/csrc/jit/runtime/interpreter.h>
#include <torch/script.h>

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "deepimage/error.hpp"

namespace deepimage::engine {
namespace {

// How the layers are found. The forward graph is inlined call by call, so that every inlined node
// is known to belong to the module whose method it came from, named by the chain of attributes
// that led to it from `self` ("encoders" then "0" then "1": "encoders.0.1"). LibTorch's own Inline
// pass keeps only the last attribute of each call ("1"), so it cannot name modules in containers.
// After each leaf-module call, and after each operator that makes a row or costs FLOPs, a probe
// node is inserted that records the shapes of the tensors it is given; the graph then runs once, in
// LibTorch's interpreter, on zero tensors of the example shapes. Probes record shapes only, so no
// intermediate tensor is kept alive beyond its use, and they work inside if/loop blocks too.

// Shapes recorded by the probes of the current run: probe index -> tensor shapes, first run only.
thread_local std::vector<std::optional<std::vector<Shape>>>* probe_shapes = nullptr;

void record_shapes(int64_t probe, std::vector<at::Tensor> values) {
  if (!probe_shapes || probe < 0 || static_cast<std::size_t>(probe) >= probe_shapes->size()) return;
  auto& slot = (*probe_shapes)[static_cast<std::size_t>(probe)];
  if (slot) return;  // inside a loop: the first iteration's shapes
  slot.emplace();
  for (const at::Tensor& v : values) slot->push_back(Shape(v.sizes().begin(), v.sizes().end()));
}

const c10::Symbol& probe_symbol() {
  static const c10::Symbol symbol = c10::Symbol::fromQualString("deepimage_arch::record_shapes");
  return symbol;
}

void register_probe_operator() {
  static std::once_flag once;
  std::call_once(once, [] {
    static const auto registry =
        torch::RegisterOperators().op("deepimage_arch::record_shapes(int probe, Tensor[] values) -> ()", &record_shapes);
  });
}

bool is_tensor(const torch::jit::Value* v) { return v->type()->kind() == c10::TypeKind::TensorType; }

// Operators that only move tensors between Python containers or change nothing: no row of their own.
bool is_bookkeeping(c10::Symbol kind) {
  static const std::set<std::string> names = {"aten::__getitem__", "aten::detach", "aten::contiguous", "aten::alias",
                                              "aten::clone", "aten::to", "aten::type_as", "aten::dropout", "aten::feature_dropout"};
  return names.count(kind.toQualString()) > 0;
}

enum class FlopRule { none, convolution, transposed_convolution, matrix_product, biased_matrix_product };

FlopRule flop_rule(const torch::jit::Node* n) {
  const std::string kind = n->kind().toQualString();
  if (kind == "aten::conv1d" || kind == "aten::conv2d" || kind == "aten::conv3d") return FlopRule::convolution;
  if (kind == "aten::conv_transpose1d" || kind == "aten::conv_transpose2d" || kind == "aten::conv_transpose3d")
    return FlopRule::transposed_convolution;
  if (kind == "aten::_convolution" || kind == "aten::convolution") {
    // (input, weight, bias, stride, padding, dilation, transposed, ...): transposed is a constant in practice
    const c10::optional<c10::IValue> transposed =
        n->inputs().size() > 6 ? torch::jit::toIValue(n->input(6)) : c10::optional<c10::IValue>();
    return transposed && transposed->isBool() && transposed->toBool() ? FlopRule::transposed_convolution
                                                                      : FlopRule::convolution;
  }
  if (kind == "aten::linear" || kind == "aten::matmul" || kind == "aten::mm" || kind == "aten::bmm")
    return FlopRule::matrix_product;
  if (kind == "aten::addmm" || kind == "aten::baddbmm") return FlopRule::biased_matrix_product;
  return FlopRule::none;
}

// 2 FLOPs per multiply-add. `inputs`: the shapes of the node's tensor inputs in order; `output`: its first output's.
std::int64_t flops_of(FlopRule rule, const std::vector<Shape>& inputs, const Shape& output) {
  if (rule == FlopRule::none || inputs.size() < 2) return 0;
  if (rule == FlopRule::matrix_product || rule == FlopRule::biased_matrix_product) {
    // linear(x[..., k], W), matmul(a[..., k], b): k multiply-adds per output element; addmm(bias, a, b)
    // has the bias first.
    const Shape& a = rule == FlopRule::biased_matrix_product ? inputs[1] : inputs[0];
    return a.empty() ? 0 : 2 * element_count(output) * a.back();
  }
  const Shape& weight = inputs[1];  // conv: [Cout, Cin/groups, k...]; transposed: [Cin, Cout/groups, k...]
  if (weight.empty() || weight[0] == 0) return 0;
  const std::int64_t per_element = element_count(weight) / weight[0];
  const Shape& counted = rule == FlopRule::convolution ? output : inputs[0];
  return 2 * element_count(counted) * per_element;
}

struct Probe {
  enum class Kind { layer_output, operator_shapes } kind;
  std::size_t row;
  FlopRule rule = FlopRule::none;
  std::size_t input_count = 0;  // operator_shapes: the first `input_count` values are inputs, the rest outputs
  bool own_row = false;         // operator_shapes: the operator is a row (its output shapes are the row's)
};

// Where an inlined node came from: the module whose code it is, and the row of the leaf call it is part of.
struct Origin {
  std::string module;
  std::optional<std::size_t> leaf_row;
};

class LayerWalker {
 public:
  LayerWalker(const torch::jit::Module& top, std::shared_ptr<torch::jit::Graph> graph) : graph_(std::move(graph)) {
    for (const auto& m : top.named_modules()) {
      modules_.emplace(m.name, m.value);
      if (!m.name.empty()) has_submodules_ = true;
    }
    module_path_[graph_->inputs().at(0)] = "";
  }

  void walk() { walk_block(graph_->block(), Origin{}); }

  bool module_view() const { return has_submodules_; }
  std::vector<LayerInfo>& rows() { return rows_; }
  std::vector<Probe>& probes() { return probes_; }

 private:
  void walk_block(torch::jit::Block* block, const Origin& parent) {
    for (auto it = block->nodes().begin(); it != block->nodes().end();) {
      torch::jit::Node* n = *it;
      const auto tagged = origin_.find(n);
      const Origin origin = tagged != origin_.end() ? tagged->second : parent;
      if (n->kind() == probe_symbol() || (n->kind() == c10::prim::ListConstruct && probe_lists_.count(n))) {
        ++it;
      } else if (n->kind() == c10::prim::GetAttr) {
        if (const auto path = module_path_.find(n->input(0)); path != module_path_.end())
          if (n->output()->type()->cast<c10::ClassType>() && modules_.count(join(path->second, n->s(c10::attr::name))))
            module_path_[n->output()] = join(path->second, n->s(c10::attr::name));
        ++it;
      } else if (n->kind() == c10::prim::CallMethod || n->kind() == c10::prim::CallFunction) {
        // Walks on from the first inlined node, so calls nested in the callee are inlined in turn.
        it = torch::jit::graph_node_list_iterator(inline_call(n, origin), torch::jit::kNextDirection);
      } else {
        if (n->kind().is_aten()) add_operator(n, origin);
        ++it;
        for (torch::jit::Block* b : n->blocks()) walk_block(b, origin);
      }
    }
  }

  static std::string join(const std::string& path, const std::string& attribute) {
    return path.empty() ? attribute : path + "." + attribute;
  }

  // Inlines the call `n`, tags what it inserted, and returns the node to walk on from: the first
  // inserted one (n's successor when the call cannot be inlined or inserted nothing).
  torch::jit::Node* inline_call(torch::jit::Node* n, const Origin& origin) {
    torch::jit::GraphFunction* function = nullptr;
    Origin inner = origin;
    std::optional<std::size_t> leaf_call_row;
    if (n->kind() == c10::prim::CallMethod) {
      const auto path = module_path_.find(n->input(0));
      const auto type = n->input(0)->type()->cast<c10::ClassType>();
      if (!type) return n->next();
      function = torch::jit::tryToGraphFunction(type->getMethod(n->s(c10::attr::name)));
      if (path != module_path_.end()) {
        inner.module = path->second;
        const torch::jit::Module& callee = modules_.at(path->second);
        // A call into a leaf module from outside it is a row; its own helper methods are part of that row.
        if (has_submodules_ && callee.children().size() == 0 && !origin.leaf_row) {
          leaf_call_row = rows_.size();
          const auto name = type->name();
          LayerInfo row;
          row.name = path->second;
          row.kind = name ? name->name() : "module";
          row.params = parameter_count(callee);
          rows_.push_back(row);
          inner.leaf_row = leaf_call_row;
        }
      }
    } else {
      const auto type = n->input(0)->type()->cast<c10::FunctionType>();
      if (!type) return n->next();
      function = torch::jit::tryToGraphFunction(*type->function());
      if (function) n->removeInput(0);  // the function constant; the call then matches its graph's inputs
    }
    if (!function) {
      if (leaf_call_row) rows_.pop_back();  // a builtin method: the call stays as it is, without a row
      return n->next();
    }
    torch::jit::Node* before = n->prev();
    torch::jit::Node* after = n->next();
    // The callee's own graph, not its optimized_graph(): that one is already inlined, paths lost.
    const std::vector<torch::jit::Value*> outputs = torch::jit::inlineCallTo(n, function, /*inline_optimized_graph=*/false);
    for (torch::jit::Node* m = before->next(); m != after; m = m->next()) tag(m, inner);
    if (leaf_call_row) insert_probe(after, call_outputs(outputs), {.kind = Probe::Kind::layer_output, .row = *leaf_call_row});
    return before->next();
  }

  void tag(torch::jit::Node* n, const Origin& origin) {
    origin_[n] = origin;
    for (torch::jit::Block* b : n->blocks())
      for (torch::jit::Node* m : b->nodes()) tag(m, origin);
  }

  // A call's tensor results: the elements of a returned tuple, or the tensor itself.
  static std::vector<torch::jit::Value*> call_outputs(const std::vector<torch::jit::Value*>& outputs) {
    std::vector<torch::jit::Value*> tensors;
    for (torch::jit::Value* v : outputs) {
      if (is_tensor(v)) tensors.push_back(v);
      else if (v->node()->kind() == c10::prim::TupleConstruct)
        for (torch::jit::Value* e : v->node()->inputs())
          if (is_tensor(e)) tensors.push_back(e);
    }
    return tensors;
  }

  void add_operator(torch::jit::Node* n, const Origin& origin) {
    const FlopRule rule = flop_rule(n);
    const bool makes_tensor = std::any_of(n->outputs().begin(), n->outputs().end(), is_tensor);
    const bool own_row = !origin.leaf_row && makes_tensor && !is_bookkeeping(n->kind());
    if (!own_row && !(rule != FlopRule::none && origin.leaf_row)) return;
    std::size_t row = origin.leaf_row.value_or(rows_.size());
    if (own_row) {
      std::string name = origin.module;
      // At the top level, the variable the result went to ("x7"), when the source named it.
      if (name.empty() && !n->outputs().empty() && n->output(0)->hasDebugName()) {
        name = n->output(0)->debugName();  // "x7.1": TorchScript numbers each assignment; "x7" reads as the source
        if (const auto dot = name.rfind('.'); dot != std::string::npos && dot + 1 < name.size() &&
                                              name.find_first_not_of("0123456789", dot + 1) == std::string::npos)
          name.erase(dot);
      }
      LayerInfo op_row;
      op_row.name = name;
      op_row.kind = n->kind().toQualString();
      rows_.push_back(op_row);
    }
    std::vector<torch::jit::Value*> values;
    for (torch::jit::Value* v : n->inputs())
      if (is_tensor(v)) values.push_back(v);
    const std::size_t input_count = values.size();
    for (torch::jit::Value* v : n->outputs())
      if (is_tensor(v)) values.push_back(v);
    insert_probe(n->next(), values, {.kind = Probe::Kind::operator_shapes, .row = row, .rule = rule,
                                     .input_count = input_count, .own_row = own_row});
  }

  // Inserts, before `where`, a probe recording the shapes of `values`.
  void insert_probe(torch::jit::Node* where, const std::vector<torch::jit::Value*>& values, Probe probe) {
    torch::jit::WithInsertPoint point(where);
    torch::jit::Value* index = graph_->insertConstant(static_cast<int64_t>(probes_.size()));
    torch::jit::Node* list = graph_->insertNode(graph_->createList(c10::TensorType::get(), values));
    probe_lists_.insert(list);
    graph_->insertNode(graph_->create(probe_symbol(), {index, list->output()}, 0));
    probes_.push_back(probe);
  }

  static std::int64_t parameter_count(const torch::jit::Module& m) {
    std::int64_t n = 0;
    for (const at::Tensor& p : m.parameters(/*recurse=*/true)) n += p.numel();
    return n;
  }

  std::shared_ptr<torch::jit::Graph> graph_;
  std::map<std::string, torch::jit::Module> modules_;  // by qualified name; "" is the top module
  bool has_submodules_ = false;
  std::unordered_map<torch::jit::Value*, std::string> module_path_;  // values holding a submodule
  std::unordered_map<torch::jit::Node*, Origin> origin_;             // inlined nodes
  std::set<torch::jit::Node*> probe_lists_;
  std::vector<LayerInfo> rows_;
  std::vector<Probe> probes_;
};

std::int64_t unique_parameter_count(const torch::jit::Module& m) {
  std::set<const void*> seen;  // a tensor shared by two modules counts once
  std::int64_t n = 0;
  for (const at::Tensor& p : m.parameters(/*recurse=*/true))
    if (seen.insert(p.unsafeGetTensorImpl()).second) n += p.numel();
  return n;
}

std::string first_line(const std::string& what) { return what.substr(0, what.find('\n')); }

}  // namespace

Architecture describe_torchscript_layers(const model::Model& model, const WeightsSpec& weights,
                                         const std::vector<Shape>& input_shapes) {
  register_probe_operator();
  const std::vector<std::byte> bytes = model::read_checked(model, weights.source, weights.sha256);
  std::istringstream stream(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  torch::jit::Module module;
  try {
    module = torch::jit::load(stream, torch::kCPU);
  } catch (const std::exception& e) {
    throw Error(ErrorCode::engine, weights.source + ": LibTorch cannot load this TorchScript file: " + first_line(e.what()));
  }
  module.eval();
  const torch::jit::Method forward = module.get_method("forward");
  std::shared_ptr<torch::jit::Graph> graph = forward.graph()->copy();
  // forward's arguments past the rdf's inputs take their defaults, as when the engine calls the method.
  const std::vector<c10::Argument>& arguments = forward.function().getSchema().arguments();  // self first
  if (arguments.size() < input_shapes.size() + 1 ||
      std::any_of(arguments.begin() + static_cast<std::ptrdiff_t>(input_shapes.size()) + 1, arguments.end(),
                  [](const c10::Argument& arg) { return !arg.default_value(); }))
    throw Error(ErrorCode::bad_model, weights.source + ": forward takes " + std::to_string(arguments.size() - 1) +
                                          " inputs but the rdf declares " + std::to_string(input_shapes.size()));
  LayerWalker walker(module, graph);
  walker.walk();

  std::vector<std::optional<std::vector<Shape>>> shapes(walker.probes().size());
  torch::jit::Stack stack{module._ivalue()};
  for (const Shape& s : input_shapes) stack.emplace_back(torch::zeros(s));
  for (std::size_t i = input_shapes.size() + 1; i < arguments.size(); ++i) stack.push_back(*arguments[i].default_value());
  try {
    torch::NoGradGuard no_grad;
    torch::jit::Code code(graph, "forward");
    torch::jit::InterpreterState state(code);
    probe_shapes = &shapes;
    state.run(stack);
    probe_shapes = nullptr;
  } catch (const std::exception& e) {
    probe_shapes = nullptr;
    throw Error(ErrorCode::engine, weights.source + ": torchscript forward on the example input failed: " + first_line(e.what()));
  }

  Architecture a;
  a.view = walker.module_view() ? "modules" : "operators";
  std::vector<LayerInfo>& rows = walker.rows();
  // A row is listed when it ran (calls in branches not taken, such as the other modes of
  // F.interpolate, did not) and made more than scalars (the size arithmetic of traced models).
  std::vector<bool> listed(rows.size(), false);
  for (std::size_t i = 0; i < walker.probes().size(); ++i) {
    const Probe& p = walker.probes()[i];
    if (!shapes[i]) continue;
    LayerInfo& row = rows.at(p.row);
    if (p.kind == Probe::Kind::layer_output) {
      row.output_shapes = *shapes[i];
      listed[p.row] = true;
      continue;
    }
    const std::vector<Shape> ins(shapes[i]->begin(), shapes[i]->begin() + static_cast<std::ptrdiff_t>(p.input_count));
    const std::vector<Shape> outs(shapes[i]->begin() + static_cast<std::ptrdiff_t>(p.input_count), shapes[i]->end());
    if (p.own_row) {
      row.output_shapes = outs;
      listed[p.row] = std::any_of(outs.begin(), outs.end(), [](const Shape& s) { return !s.empty(); });
    }
    if (!outs.empty()) row.flops += flops_of(p.rule, ins, outs.front());
  }
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (listed[i]) {
      a.total_flops += rows[i].flops;
      a.layers.push_back(std::move(rows[i]));
    }
  a.total_params = unique_parameter_count(module);
  return a;
}

}  // namespace deepimage::engine
