#include "engine/graph/kernels/padding_rules.hpp"

#include "deepimage/error.hpp"

namespace deepimage::engine::graph {
namespace {

std::string list_to_string(const std::vector<std::int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

[[noreturn]] void fail(const Node& node, const std::string& message) {
  throw Error(ErrorCode::bad_model, node.describe() + ": " + message);
}

// An integer list attribute of `length` entries, each >= `minimum`; `fill` when absent.
std::vector<std::int64_t> ints_of_length(const Node& node, const std::string& key, std::size_t length,
                                         std::int64_t fill, std::int64_t minimum) {
  if (!node.has(key)) return std::vector<std::int64_t>(length, fill);
  std::vector<std::int64_t> v = node.get_ints(key);
  if (v.size() != length)
    fail(node, "attribute \"" + key + "\" " + list_to_string(v) + " has " + std::to_string(v.size()) +
                   " entries, expected " + std::to_string(length) + " (one per spatial axis)");
  for (std::int64_t x : v)
    if (x < minimum)
      fail(node, "attribute \"" + key + "\" " + list_to_string(v) + " has an entry below " + std::to_string(minimum));
  return v;
}

std::size_t spatial_rank(const Node& node, const Shape& input) {
  if (input.size() < 3 || input.size() > 5)
    fail(node, "input X has shape " + shape_to_string(input) + ", expected (N, C, spatial...) with 1 to 3 spatial axes");
  return input.size() - 2;
}

// Strides, dilations and pads as written; kernel already set.
void read_common(const Node& node, Window& w) {
  const std::size_t r = w.rank();
  w.strides = ints_of_length(node, "strides", r, 1, 1);
  w.dilations = ints_of_length(node, "dilations", r, 1, 1);
  w.pads = node.has("pads") ? node.get_ints("pads") : std::vector<std::int64_t>(2 * r, 0);
  if (w.pads.size() != 2 * r)
    fail(node, "attribute \"pads\" " + list_to_string(w.pads) + " has " + std::to_string(w.pads.size()) +
                   " entries, expected " + std::to_string(2 * r) + " (begin and end per spatial axis)");
  w.output_padding.assign(r, 0);
}

std::string auto_pad_of(const Node& node) {
  std::string mode = node.get_string("auto_pad", "NOTSET");
  if (mode != "NOTSET" && mode != "SAME_UPPER" && mode != "SAME_LOWER" && mode != "VALID")
    fail(node, "auto_pad \"" + mode + "\" is not NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  return mode;
}

// SAME_* / VALID pads for a convolution or pool (output ceil(in / s), or no pads).
void apply_auto_pad(const Node& node, Window& w, const Shape& input) {
  const std::string mode = auto_pad_of(node);
  if (mode == "NOTSET") return;
  const std::size_t r = w.rank();
  for (std::size_t i = 0; i < r; ++i) {
    const std::int64_t in = input[2 + i];
    std::int64_t total = 0;
    if (mode != "VALID" && in >= 0) {
      const std::int64_t out = (in + w.strides[i] - 1) / w.strides[i];
      total = std::max<std::int64_t>(0, (out - 1) * w.strides[i] + w.extent(i) - in);
    }
    const std::int64_t smaller = total / 2;
    w.pads[i] = mode == "SAME_LOWER" ? total - smaller : smaller;
    w.pads[r + i] = total - w.pads[i];
  }
}

std::vector<std::int64_t> weight_kernel(const Node& node, const Shape& input, const Shape& weight) {
  spatial_rank(node, input);
  if (weight.size() != input.size())
    fail(node, "weight W has shape " + shape_to_string(weight) + ", expected rank " + std::to_string(input.size()) +
                   " like input X " + shape_to_string(input));
  std::vector<std::int64_t> kernel(weight.begin() + 2, weight.end());
  if (node.has("kernel_shape") && node.get_ints("kernel_shape") != kernel)
    fail(node, "kernel_shape " + list_to_string(node.get_ints("kernel_shape")) + " differs from weight W's spatial sizes " +
                   list_to_string(kernel));
  for (std::int64_t k : kernel)
    if (k < 1) fail(node, "weight W has shape " + shape_to_string(weight) + ", expected kernel sizes >= 1");
  return kernel;
}

}  // namespace

Window conv_window(const Node& node, const Shape& input, const Shape& weight) {
  Window w;
  w.kernel = weight_kernel(node, input, weight);
  read_common(node, w);
  apply_auto_pad(node, w, input);
  return w;
}

Window pool_window(const Node& node, const Shape& input) {
  const std::size_t r = spatial_rank(node, input);
  Window w;
  if (!node.has("kernel_shape")) fail(node, "attribute \"kernel_shape\" is missing");
  w.kernel = ints_of_length(node, "kernel_shape", r, 1, 1);
  read_common(node, w);
  w.ceil_mode = node.get_int("ceil_mode", 0) != 0;
  if (auto_pad_of(node) != "NOTSET") w.ceil_mode = false;  // SAME/VALID fix the output size themselves
  apply_auto_pad(node, w, input);
  return w;
}

Window conv_transpose_window(const Node& node, const Shape& input, const Shape& weight) {
  Window w;
  w.kernel = weight_kernel(node, input, weight);
  read_common(node, w);
  const std::size_t r = w.rank();
  w.output_padding = ints_of_length(node, "output_padding", r, 0, 0);
  const std::string mode = auto_pad_of(node);
  std::vector<std::int64_t> wanted;  // the output size to reach, per axis
  if (node.has("output_shape")) {
    wanted = node.get_ints("output_shape");
    if (wanted.size() == r + 2) wanted.erase(wanted.begin(), wanted.begin() + 2);  // some exporters write N, C too
    if (wanted.size() != r)
      fail(node, "output_shape " + list_to_string(node.get_ints("output_shape")) + " has " +
                     std::to_string(wanted.size()) + " entries, expected " + std::to_string(r));
  } else if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
    for (std::size_t i = 0; i < r; ++i) wanted.push_back(input[2 + i] < 0 ? -1 : input[2 + i] * w.strides[i]);
  } else if (mode == "VALID") {
    std::fill(w.pads.begin(), w.pads.end(), 0);
  }
  if (wanted.empty()) return w;
  // ONNX: total = s * (in - 1) + output_padding + e - out; SAME_UPPER puts the odd pixel at the end,
  // every other mode at the beginning. A negative total (output asked larger than the full
  // transposed convolution) becomes more output_padding.
  for (std::size_t i = 0; i < r; ++i) {
    const std::int64_t in = input[2 + i];
    if (in < 0 || wanted[i] < 0) {
      w.pads[i] = w.pads[r + i] = 0;
      continue;
    }
    const std::int64_t total = w.strides[i] * (in - 1) + w.output_padding[i] + w.extent(i) - wanted[i];
    if (total < 0) {
      w.pads[i] = w.pads[r + i] = 0;
      w.output_padding[i] -= total;
      continue;
    }
    const std::int64_t smaller = total / 2;
    w.pads[i] = mode == "SAME_UPPER" ? smaller : total - smaller;
    w.pads[r + i] = total - w.pads[i];
  }
  return w;
}

std::vector<std::int64_t> window_output_sizes(const Node& node, const Window& w, const Shape& input) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < w.rank(); ++i) {
    const std::int64_t in = input[2 + i];
    if (in < 0) {
      out.push_back(-1);
      continue;
    }
    const std::int64_t room = in + w.pad_begin(i) + w.pad_end(i) - w.extent(i);
    if (room < 0)
      fail(node, "input X " + shape_to_string(input) + " padded by " + list_to_string(w.pads) +
                     " is smaller than the dilated kernel " + list_to_string(w.kernel) + " along spatial axis " +
                     std::to_string(i));
    if (!w.ceil_mode) {
      out.push_back(room / w.strides[i] + 1);
      continue;
    }
    std::int64_t n = (room + w.strides[i] - 1) / w.strides[i] + 1;
    // As PyTorch and ONNX Runtime: no window may start in the end padding.
    if ((n - 1) * w.strides[i] >= in + w.pad_begin(i)) --n;
    out.push_back(n);
  }
  return out;
}

std::vector<std::int64_t> conv_transpose_output_sizes(const Node& node, const Window& w, const Shape& input) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < w.rank(); ++i) {
    const std::int64_t in = input[2 + i];
    if (in < 0) {
      out.push_back(-1);
      continue;
    }
    const std::int64_t n =
        w.strides[i] * (in - 1) + w.output_padding[i] + w.extent(i) - w.pad_begin(i) - w.pad_end(i);
    if (n < 1)
      fail(node, "pads " + list_to_string(w.pads) + " remove the whole output along spatial axis " + std::to_string(i) +
                     " for input X " + shape_to_string(input));
    out.push_back(n);
  }
  return out;
}

void resolve_conv_pads(Node& node, const Shape& input, const Shape& weight) {
  const Window w = conv_window(node, input, weight);
  node.attributes["pads"] = w.pads;
  node.attributes.erase("auto_pad");
}

void resolve_conv_transpose_pads(Node& node, const Shape& input, const Shape& weight) {
  const Window w = conv_transpose_window(node, input, weight);
  node.attributes["pads"] = w.pads;
  node.attributes["output_padding"] = w.output_padding;
  node.attributes.erase("auto_pad");
  node.attributes.erase("output_shape");
}

void resolve_pool_pads(Node& node, const Shape& input) {
  const Window w = pool_window(node, input);
  node.attributes["pads"] = w.pads;
  node.attributes["ceil_mode"] = std::int64_t{w.ceil_mode ? 1 : 0};
  node.attributes.erase("auto_pad");
}

void resolve_explicit_pads(Node& node, const std::vector<Shape>& input_shapes) {
  const auto shape = [&](std::size_t k) -> const Shape& {
    if (k >= input_shapes.size()) fail(node, "input " + std::to_string(k) + " is missing");
    return input_shapes[k];
  };
  if (node.op == "Conv") resolve_conv_pads(node, shape(0), shape(1));
  else if (node.op == "ConvTranspose") resolve_conv_transpose_pads(node, shape(0), shape(1));
  else if (node.op == "MaxPool" || node.op == "AveragePool") resolve_pool_pads(node, shape(0));
}

}  // namespace deepimage::engine::graph
