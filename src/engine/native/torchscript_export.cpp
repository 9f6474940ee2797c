#include "engine/native/torchscript_export.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "deepimage/error.hpp"
#include "engine/graph/passes.hpp"
#include "engine/native/torchscript_helpers.hpp"

namespace deepimage::engine {
namespace {

using graph::Graph;
using graph::no_value;
using graph::Node;
using graph::ValueId;
using Ints = std::vector<std::int64_t>;

std::string float_literal(double x) {
  if (std::isnan(x)) return "float(\"nan\")";
  if (std::isinf(x)) return x > 0 ? "float(\"inf\")" : "float(\"-inf\")";
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", x);
  std::string s = text;
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

// TorchScript reads "-9223372036854775808" as the negation of a literal out of range: INT64_MIN (ONNX
// Slice's "to the beginning" end) is written as an expression.
std::string int_literal(std::int64_t value) {
  if (value == std::numeric_limits<std::int64_t>::min()) return "(-9223372036854775807 - 1)";
  return std::to_string(value);
}

std::string ints_literal(const Ints& values) {
  std::string s = "[";
  for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + int_literal(values[i]);
  return s + "]";
}

std::string floats_literal(const std::vector<double>& values) {
  std::string s = "[";
  for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + float_literal(values[i]);
  return s + "]";
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }
std::string bool_literal(bool b) { return b ? "True" : "False"; }

bool symmetric(const Ints& pads) {
  const std::size_t r = pads.size() / 2;
  for (std::size_t i = 0; i < r; ++i)
    if (pads[i] != pads[r + i]) return false;
  return true;
}

// Pads torch's pools take themselves: symmetric and at most half the kernel.
bool pool_can_pad(const Ints& pads, const Ints& kernel) {
  if (!symmetric(pads)) return false;
  for (std::size_t i = 0; i < kernel.size(); ++i)
    if (pads[i] > kernel[i] / 2) return false;
  return true;
}

// LibTorch's ScalarType numbers (c10/core/ScalarType.h): how TorchScript writes a dtype.
int scalar_type_of(DType t) {
  switch (t) {
    case DType::u8: return 0;
    case DType::i8: return 1;
    case DType::i16: return 2;
    case DType::i32: return 3;
    case DType::i64: return 4;
    case DType::f32: return 6;
    case DType::f64: return 7;
    case DType::boolean: return 11;
    default: return -1;
  }
}

class ForwardWriter {
 public:
  explicit ForwardWriter(const Graph& g) : g_(g) {
    for (const Node& n : g.nodes)
      for (ValueId v : n.inputs) read_.insert(v);
    for (ValueId v : g.outputs) read_.insert(v);
  }

  // The value as a tensor expression: a local, a buffer, or None for an omitted input.
  std::string ref(ValueId id) {
    if (id == no_value) return "None";
    if (g_.is_constant(id)) {
      buffers_.insert(id);
      return "self.c" + std::to_string(id);
    }
    return "v" + std::to_string(id);
  }

  std::string line(const Node& node) {
    for (std::size_t k = 1; k < node.outputs.size(); ++k)
      if (read_.count(node.outputs[k])) refuse(node, "output " + std::to_string(k) + " read");
    if (node.has("activation")) refuse(node, "a fused activation (export the imported graph)");
    return "    " + ref(node.outputs.at(0)) + " = " + expression(node) + "\n";
  }

  const std::set<ValueId>& buffers() const { return buffers_; }

 private:
  [[noreturn]] void refuse(const Node& node, const std::string& what) const {
    throw Error(ErrorCode::unsupported, g_.source + ": " + node.describe() + " has " + what +
                                            ", which the TorchScript converter cannot express");
  }

  bool present(const Node& n, std::size_t k) const { return k < n.inputs.size() && n.inputs[k] != no_value; }
  // Present and, when constant, not empty (ONNX opset 11-12 files write an omitted operand as an empty tensor).
  bool given(const Node& n, std::size_t k) const {
    return present(n, k) && (!g_.is_constant(n.inputs[k]) || g_.value(n.inputs[k]).constant->element_count() > 0);
  }
  std::string in(const Node& n, std::size_t k) { return ref(present(n, k) ? n.inputs[k] : no_value); }

  Ints constant_ints(const Node& n, std::size_t k) const {
    const Tensor t = g_.value(n.inputs[k]).constant->converted(DType::i64);
    return {t.data<std::int64_t>(), t.data<std::int64_t>() + t.element_count()};
  }
  // Operand k as a List[int] expression: a literal when constant, else computed at run time; [] when omitted.
  std::string ints(const Node& n, std::size_t k) {
    if (!given(n, k)) return "[]";
    if (g_.is_constant(n.inputs[k])) return ints_literal(constant_ints(n, k));
    return "self._ints(" + ref(n.inputs[k]) + ")";
  }
  std::string floats(const Node& n, std::size_t k) {
    if (!given(n, k)) return "[]";
    if (!g_.is_constant(n.inputs[k])) return "self._floats(" + ref(n.inputs[k]) + ")";
    const Tensor t = g_.value(n.inputs[k]).constant->converted(DType::f64);
    return floats_literal({t.data<double>(), t.data<double>() + t.element_count()});
  }
  // A one-element operand as a float expression.
  std::string scalar(const Node& n, std::size_t k) {
    if (!g_.is_constant(n.inputs[k])) return "float(" + ref(n.inputs[k]) + ")";
    return float_literal(g_.value(n.inputs[k]).constant->converted(DType::f64).data<double>()[0]);
  }

  // Spatial axes of a convolution or pool, from its kernel or its attributes.
  std::size_t spatial_rank(const Node& n) const {
    if ((n.op == "Conv" || n.op == "ConvTranspose") && g_.is_constant(n.inputs.at(1)))
      return g_.value(n.inputs[1]).constant->rank() - 2;
    for (const char* key : {"kernel_shape", "strides", "dilations"})
      if (n.has(key)) return n.get_ints(key).size();
    if (n.has("pads")) return n.get_ints("pads").size() / 2;
    const graph::Value& w = g_.value(n.inputs.at(n.op == "Conv" || n.op == "ConvTranspose" ? 1 : 0));
    if (w.shape_known && w.shape.size() >= 3) return w.shape.size() - 2;
    refuse(n, "a kernel of unknown rank");
  }

  std::string conv(const Node& n) {
    const std::size_t r = spatial_rank(n);
    if (r < 1 || r > 3) refuse(n, std::to_string(r) + " spatial axes (1 to 3 expected)");
    const Ints strides = n.get_ints("strides", Ints(r, 1)), dilations = n.get_ints("dilations", Ints(r, 1));
    const std::string x = in(n, 0), w = in(n, 1), b = in(n, 2), group = std::to_string(n.get_int("group", 1));
    const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
    if (n.op == "ConvTranspose") {
      const std::string wanted = n.has("output_shape") ? ints_literal(n.get_ints("output_shape")) : ints(n, 3);
      return "self._conv_transpose(" + x + ", " + w + ", " + b + ", " + ints_literal(strides) + ", " +
             ints_literal(n.get_ints("pads", Ints(2 * r, 0))) + ", " + ints_literal(dilations) + ", " + group + ", " +
             ints_literal(n.get_ints("output_padding", Ints(r, 0))) + ", " + wanted + ", " + quoted(auto_pad) + ")";
    }
    std::string pads;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      pads = "self._same_pads(" + x + ", " + w + ".shape[2:], " + ints_literal(strides) + ", " + ints_literal(dilations) +
             ", " + bool_literal(auto_pad == "SAME_LOWER") + ")";
    } else {
      const Ints explicit_pads = auto_pad == "VALID" ? Ints(2 * r, 0) : n.get_ints("pads", Ints(2 * r, 0));
      if (symmetric(explicit_pads))
        return "torch.conv" + std::to_string(r) + "d(" + x + ", " + w + ", " + b + ", " + ints_literal(strides) + ", " +
               ints_literal(Ints(explicit_pads.begin(), explicit_pads.begin() + static_cast<long>(r))) + ", " +
               ints_literal(dilations) + ", " + group + ")";
      pads = ints_literal(explicit_pads);
    }
    return "self._conv(" + x + ", " + w + ", " + b + ", " + ints_literal(strides) + ", " + pads + ", " +
           ints_literal(dilations) + ", " + group + ")";
  }

  std::string pool(const Node& n) {
    if (!n.has("kernel_shape")) refuse(n, "no kernel_shape");
    const Ints kernel = n.get_ints("kernel_shape");
    const std::size_t r = kernel.size();
    if (r < 1 || r > 3) refuse(n, std::to_string(r) + " spatial axes (1 to 3 expected)");
    const Ints strides = n.get_ints("strides", Ints(r, 1)), dilations = n.get_ints("dilations", Ints(r, 1));
    const std::string auto_pad = n.get_string("auto_pad", "NOTSET"), x = in(n, 0);
    const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    const bool ceil_mode = !same && auto_pad != "VALID" && n.get_int("ceil_mode", 0) != 0;
    const Ints pads = auto_pad == "NOTSET" ? n.get_ints("pads", Ints(2 * r, 0)) : Ints(2 * r, 0);
    const std::string k = ints_literal(kernel), s = ints_literal(strides), d = ints_literal(dilations);
    const std::string same_pads = "self._same_pads(" + x + ", " + k + ", " + s + ", " + d + ", " + bool_literal(auto_pad == "SAME_LOWER") + ")";
    const std::string begin_pads = ints_literal(Ints(pads.begin(), pads.begin() + static_cast<long>(r)));
    if (n.op == "MaxPool") {
      if (same) return "self._max_pool_padded(" + x + ", " + k + ", " + s + ", " + same_pads + ", " + d + ")";
      if (pool_can_pad(pads, kernel))
        return "self._max_pool(" + x + ", " + k + ", " + s + ", " + begin_pads + ", " + d + ", " + bool_literal(ceil_mode) + ")";
      if (ceil_mode) refuse(n, "ceil_mode with pads torch's pools do not take");
      return "self._max_pool_padded(" + x + ", " + k + ", " + s + ", " + ints_literal(pads) + ", " + d + ")";
    }
    for (auto v : dilations)
      if (v != 1) refuse(n, "dilations " + d);
    const bool count_pads = n.get_int("count_include_pad", 0) != 0;
    if (same) return "self._avg_pool_padded(" + x + ", " + k + ", " + s + ", " + same_pads + ", " + bool_literal(count_pads) + ")";
    if (pool_can_pad(pads, kernel))
      return "self._avg_pool(" + x + ", " + k + ", " + s + ", " + begin_pads + ", " + bool_literal(ceil_mode) + ", " + bool_literal(count_pads) + ")";
    if (ceil_mode) refuse(n, "ceil_mode with pads torch's pools do not take");
    return "self._avg_pool_padded(" + x + ", " + k + ", " + s + ", " + ints_literal(pads) + ", " + bool_literal(count_pads) + ")";
  }

  std::string resize(const Node& n) {
    if (n.get_int("antialias", 0) != 0) refuse(n, "antialias");
    if (n.has("axes")) refuse(n, "the attribute \"axes\"");
    if (n.get_string("keep_aspect_ratio_policy", "stretch") != "stretch") refuse(n, "a keep_aspect_ratio_policy");
    if (n.get_int("exclude_outside", 0) != 0) refuse(n, "exclude_outside");
    const std::string mode = n.get_string("mode", "nearest");
    const std::string transform = n.get_string("coordinate_transformation_mode", "half_pixel");
    if (mode != "nearest" && mode != "linear") refuse(n, "mode \"" + mode + "\"");
    if (transform == "tf_crop_and_resize") refuse(n, "coordinate_transformation_mode \"tf_crop_and_resize\"");
    return "self._resize(" + in(n, 0) + ", " + floats(n, 2) + ", " + ints(n, 3) + ", " + quoted(mode) + ", " + quoted(transform) +
           ", " + quoted(n.get_string("nearest_mode", "round_prefer_floor")) + ")";
  }

  std::string reduce(const Node& n) {
    const std::string x = in(n, 0), axes = ints(n, 1), keep = bool_literal(n.get_int("keepdims", 1) != 0);
    if (!given(n, 1) && n.get_int("noop_with_empty_axes", 0) != 0) return x;
    if (n.op == "ReduceProd") return "self._reduce_prod(" + x + ", " + axes + ", " + keep + ")";
    const std::string f = n.op == "ReduceMean" ? "mean" : n.op == "ReduceSum" ? "sum" : n.op == "ReduceMax" ? "amax" : "amin";
    return "torch." + f + "(" + x + ", self._reduce_axes(" + x + ", " + axes + "), " + keep + ")";
  }

  std::string clip(const Node& n) {
    const bool low = given(n, 1), high = given(n, 2);
    const bool constant_bounds = (!low || g_.is_constant(n.inputs[1])) && (!high || g_.is_constant(n.inputs[2]));
    if (constant_bounds)
      return "torch.clamp(" + in(n, 0) + ", " + (low ? scalar(n, 1) : "None") + ", " + (high ? scalar(n, 2) : "None") + ")";
    std::string e = in(n, 0);
    if (low) e = "torch.maximum(" + e + ", " + in(n, 1) + ")";
    if (high) e = "torch.minimum(" + e + ", " + in(n, 2) + ")";
    return e;
  }

  std::string cast(const Node& n) {
    static const std::map<std::int64_t, int> onnx_to_torch = {{1, 6}, {2, 0}, {3, 1}, {5, 2}, {6, 3}, {7, 4}, {9, 11}, {10, 5}, {11, 7}, {16, 15}};
    const std::int64_t to = n.get_int("to", 1);
    const auto it = onnx_to_torch.find(to);
    if (it == onnx_to_torch.end()) refuse(n, "a target type " + std::to_string(to) + " TorchScript has no type for");
    return in(n, 0) + ".to(" + std::to_string(it->second) + ")";
  }

  std::string constant_of_shape(const Node& n) {
    if (!given(n, 1)) return "torch.full(" + ints(n, 0) + ", 0.0, dtype=6)";
    if (!g_.is_constant(n.inputs[1])) refuse(n, "a value computed at run time");
    const int type = scalar_type_of(g_.value(n.inputs[1]).constant->dtype());
    if (type < 0) refuse(n, "a value of a type TorchScript has no type for");
    return "torch.full(" + ints(n, 0) + ", " + scalar(n, 1) + ", dtype=" + std::to_string(type) + ")";
  }

  std::string variadic(const Node& n, const std::string& f) {
    std::string e = in(n, 0);
    for (std::size_t k = 1; k < n.inputs.size(); ++k) e = f + "(" + e + ", " + in(n, k) + ")";
    return e;
  }

  std::string expression(const Node& n) {
    static const std::map<std::string, std::string> unary = {
        {"Relu", "torch.relu"}, {"Sigmoid", "torch.sigmoid"}, {"Tanh", "torch.tanh"}, {"Sqrt", "torch.sqrt"},
        {"Exp", "torch.exp"},   {"Log", "torch.log"},         {"Neg", "torch.neg"},   {"Abs", "torch.abs"},
        {"Floor", "torch.floor"}, {"Ceil", "torch.ceil"},     {"Erf", "torch.erf"}};
    static const std::map<std::string, std::string> binary = {
        {"Add", "torch.add"}, {"Sub", "torch.sub"}, {"Mul", "torch.mul"}, {"Div", "self._div"},  {"Pow", "torch.pow"},
        {"Equal", "torch.eq"}, {"Less", "torch.lt"}, {"Greater", "torch.gt"}, {"MatMul", "torch.matmul"}};
    const std::string& op = n.op;
    if (const auto u = unary.find(op); u != unary.end()) return u->second + "(" + in(n, 0) + ")";
    if (const auto b = binary.find(op); b != binary.end()) return b->second + "(" + in(n, 0) + ", " + in(n, 1) + ")";
    if (op == "Conv" || op == "ConvTranspose") return conv(n);
    if (op == "MaxPool" || op == "AveragePool") return pool(n);
    if (op == "GlobalAveragePool") return "torch.mean(" + in(n, 0) + ", self._all_axes(" + in(n, 0) + ", 2), True)";
    if (op == "GlobalMaxPool") return "torch.amax(" + in(n, 0) + ", self._all_axes(" + in(n, 0) + ", 2), True)";
    if (op == "Resize") return resize(n);
    if (op == "BatchNormalization")
      return "torch.batch_norm(" + in(n, 0) + ", " + in(n, 1) + ", " + in(n, 2) + ", " + in(n, 3) + ", " + in(n, 4) +
             ", False, 0.0, " + float_literal(n.get_float("epsilon", 1e-5)) + ", False)";
    if (op == "InstanceNormalization")
      return "torch.instance_norm(" + in(n, 0) + ", " + in(n, 1) + ", " + in(n, 2) + ", None, None, True, 0.0, " +
             float_literal(n.get_float("epsilon", 1e-5)) + ", False)";
    if (op == "Pad")
      return "self._pad(" + in(n, 0) + ", " + ints(n, 1) + ", " + ints(n, 3) + ", " + quoted(n.get_string("mode", "constant")) +
             ", " + (given(n, 2) ? scalar(n, 2) : "0.0") + ")";
    if (op == "Max") return variadic(n, "torch.maximum");
    if (op == "Min") return variadic(n, "torch.minimum");
    if (op == "PRelu") return "torch.where(" + in(n, 0) + " < 0, " + in(n, 0) + " * " + in(n, 1) + ", " + in(n, 0) + ")";
    if (op == "Identity") return in(n, 0);
    if (op == "Softplus") return "torch.softplus(" + in(n, 0) + ", 1.0, 20.0)";
    if (op == "LeakyRelu") return "torch.leaky_relu(" + in(n, 0) + ", " + float_literal(n.get_float("alpha", 0.01)) + ")";
    if (op == "Elu") return "torch.elu(" + in(n, 0) + ", " + float_literal(n.get_float("alpha", 1.0)) + ")";
    if (op == "Clip") return clip(n);
    if (op == "Softmax") {
      const bool legacy = n.get_int("legacy", 0) != 0;
      const std::string axis = std::to_string(n.get_int("axis", legacy ? 1 : -1));
      return legacy ? "self._legacy_softmax(" + in(n, 0) + ", " + axis + ")" : "torch.softmax(" + in(n, 0) + ", " + axis + ")";
    }
    if (op == "Concat") {
      std::string list;
      for (std::size_t k = 0; k < n.inputs.size(); ++k) list += (k ? ", " : "") + in(n, k);
      return "torch.cat([" + list + "], " + std::to_string(n.get_int("axis", 0)) + ")";
    }
    if (op == "Reshape") return "self._reshape(" + in(n, 0) + ", " + ints(n, 1) + ", " + bool_literal(n.get_int("allowzero", 0) != 0) + ")";
    if (op == "Flatten") return "self._flatten(" + in(n, 0) + ", " + std::to_string(n.get_int("axis", 1)) + ")";
    if (op == "Transpose")
      return in(n, 0) + ".permute(" + (n.has("perm") ? ints_literal(n.get_ints("perm")) : "self._reversed_axes(" + in(n, 0) + ")") + ")";
    if (op == "Squeeze") return "self._squeeze(" + in(n, 0) + ", " + ints(n, 1) + ")";
    if (op == "Unsqueeze") return "self._unsqueeze(" + in(n, 0) + ", " + ints(n, 1) + ")";
    if (op == "Slice") return "self._slice(" + in(n, 0) + ", " + ints(n, 1) + ", " + ints(n, 2) + ", " + ints(n, 3) + ", " + ints(n, 4) + ")";
    if (op == "Shape") {
      const std::string end = n.has("end") ? std::to_string(n.get_int("end", 0)) : "";
      return "torch.tensor(" + in(n, 0) + ".shape[" + std::to_string(n.get_int("start", 0)) + ":" + end + "], dtype=4)";
    }
    if (op == "Gather") return "self._gather(" + in(n, 0) + ", " + in(n, 1) + ", " + std::to_string(n.get_int("axis", 0)) + ")";
    if (op == "Tile") return in(n, 0) + ".repeat(" + ints(n, 1) + ")";
    if (op == "Cast") return cast(n);
    if (op == "ReduceMean" || op == "ReduceMax" || op == "ReduceMin" || op == "ReduceSum" || op == "ReduceProd") return reduce(n);
    if (op == "Gemm")
      return "self._gemm(" + in(n, 0) + ", " + in(n, 1) + ", " + in(n, 2) + ", " + float_literal(n.get_float("alpha", 1.0)) + ", " +
             float_literal(n.get_float("beta", 1.0)) + ", " + bool_literal(n.get_int("transA", 0) != 0) + ", " +
             bool_literal(n.get_int("transB", 0) != 0) + ")";
    if (op == "Where") return "torch.where(" + in(n, 0) + ", " + in(n, 1) + ", " + in(n, 2) + ")";
    if (op == "ConstantOfShape") return constant_of_shape(n);
    if (op == "Expand") return "self._expand(" + in(n, 0) + ", " + ints(n, 1) + ")";
    throw Error(ErrorCode::unsupported, g_.source + ": " + n.describe() + ": the TorchScript converter has no spelling for the operator \"" + op + "\"");
  }

  const Graph& g_;
  std::set<ValueId> read_, buffers_;
};

}  // namespace

TorchScriptSource export_torchscript(const Graph& imported, const std::vector<std::size_t>& input_order,
                                     const std::vector<std::size_t>& output_order) {
  Graph g = imported;
  graph::remove_dead_nodes(g);
  ForwardWriter writer(g);
  std::string signature = "def forward(self", body;
  for (std::size_t k = 0; k < input_order.size(); ++k) {
    const ValueId id = g.inputs.at(input_order[k]);
    const int type = scalar_type_of(g.value(id).dtype);
    if (type < 0)
      throw Error(ErrorCode::unsupported, g.source + ": input \"" + g.value(id).name + "\" is " + std::string(to_string(g.value(id).dtype)) +
                                              ", which TorchScript has no type for");
    signature += ", input" + std::to_string(k) + ": Tensor";
    body += "    " + writer.ref(id) + " = input" + std::to_string(k) + ".to(" + std::to_string(type) + ")\n";
  }
  for (const Node& n : g.nodes) body += writer.line(n);
  std::string results;
  for (std::size_t k = 0; k < output_order.size(); ++k) results += (k ? ", " : "") + writer.ref(g.outputs.at(output_order[k]));
  const bool one = output_order.size() == 1;
  std::string returned = one ? "Tensor" : "Tuple[";
  for (std::size_t k = 0; !one && k < output_order.size(); ++k) returned += k ? ", Tensor" : "Tensor";
  if (!one) returned += "]";
  TorchScriptSource source;
  source.code = torchscript_helpers() + "\n" + signature + ") -> " + returned + ":\n" + body + "    return " +
                (one ? results : "(" + results + ")") + "\n";
  for (ValueId id : writer.buffers()) source.constants.emplace_back("c" + std::to_string(id), *g.value(id).constant);
  return source;
}

}  // namespace deepimage::engine
