#include "engine/graph/kernels/resize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/spatial_support.hpp"

namespace deepimage::engine::graph {
namespace {

[[noreturn]] void fail(const Node& node, const std::string& message) {
  throw Error(ErrorCode::bad_model, node.describe() + ": " + message);
}

std::string list_to_string(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::string n = std::to_string(v[i]);
    n.erase(n.find_last_not_of('0') + 1);
    if (!n.empty() && n.back() == '.') n.pop_back();
    s += (i ? ", " : "") + n;
  }
  return s + "]";
}

std::vector<double> as_doubles(const Tensor* t) {
  if (!t) return {};
  const Tensor d = t->converted(DType::f64);
  return {d.data<double>(), d.data<double>() + d.element_count()};
}

// Per axis of X: output length, the scale for the coordinate transform, and the roi.
struct ResizePlan {
  Shape output;
  std::vector<double> scales;
  std::vector<double> resized_lengths;  // input * scale: output unrounded (exact for sizes)
  std::vector<double> roi_start, roi_end;
};

// The resized axes: the `axes` attribute, or all of them.
std::vector<int> resized_axes(const Node& node, std::size_t rank) {
  std::vector<int> axes;
  if (!node.has("axes")) {
    for (std::size_t a = 0; a < rank; ++a) axes.push_back(static_cast<int>(a));
    return axes;
  }
  for (std::int64_t a : node.get_ints("axes")) {
    const int axis = normalize_axis(a, rank, node);
    for (int seen : axes)
      if (seen == axis) fail(node, "axis " + std::to_string(a) + " appears twice in \"axes\"");
    axes.push_back(axis);
  }
  return axes;
}

// `roi`, `scales`, `sizes` as given (empty when omitted); `x` may hold -1 for unknown sizes.
ResizePlan resize_plan(const Node& node, const Shape& x, const std::vector<double>& roi,
                       const std::vector<double>& scales, const std::vector<std::int64_t>& sizes) {
  if (node.get_int("antialias", 0) != 0)
    throw Error(ErrorCode::unsupported, node.describe() + ": antialias 1 is not supported, expected 0");
  const std::vector<int> axes = resized_axes(node, x.size());
  const std::size_t n = axes.size();
  ResizePlan plan;
  plan.output = x;
  plan.scales.assign(x.size(), 1.0);
  for (std::int64_t length : x) plan.resized_lengths.push_back(static_cast<double>(length));
  plan.roi_start.assign(x.size(), 0.0);
  plan.roi_end.assign(x.size(), 1.0);
  if (scales.empty() == sizes.empty())
    fail(node, "expected exactly one of the inputs scales and sizes, got " +
                   std::string(scales.empty() ? "neither" : "both"));
  if (!scales.empty()) {
    if (scales.size() != n)
      fail(node, "scales " + list_to_string(scales) + " has " + std::to_string(scales.size()) + " entries, expected " +
                     std::to_string(n) + " (one per resized axis)");
    for (std::size_t i = 0; i < n; ++i) {
      if (!(scales[i] > 0)) fail(node, "scales " + list_to_string(scales) + " has an entry <= 0");
      const int a = axes[i];
      plan.scales[a] = scales[i];
      plan.resized_lengths[a] = static_cast<double>(x[a]) * scales[i];
      plan.output[a] = x[a] < 0 ? -1 : static_cast<std::int64_t>(std::floor(static_cast<double>(x[a]) * scales[i]));
    }
  } else {
    if (sizes.size() != n)
      fail(node, "sizes has " + std::to_string(sizes.size()) + " entries, expected " + std::to_string(n) +
                     " (one per resized axis)");
    for (std::int64_t s : sizes)
      if (s < 1) fail(node, "sizes has an entry " + std::to_string(s) + ", expected sizes >= 1");
    const std::string policy = node.get_string("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
      fail(node, "keep_aspect_ratio_policy \"" + policy + "\" is not stretch, not_larger or not_smaller");
    double common = policy == "not_larger" ? std::numeric_limits<double>::infinity() : 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t in = x[axes[i]];
      if (in <= 0) continue;
      const double s = static_cast<double>(sizes[i]) / static_cast<double>(in);
      common = policy == "not_larger" ? std::min(common, s) : std::max(common, s);
    }
    for (std::size_t i = 0; i < n; ++i) {
      const int a = axes[i];
      if (x[a] < 0) {
        plan.output[a] = policy == "stretch" ? sizes[i] : -1;
        continue;
      }
      if (policy == "stretch") {
        plan.output[a] = sizes[i];
        plan.scales[a] = static_cast<double>(sizes[i]) / static_cast<double>(x[a]);
        plan.resized_lengths[a] = static_cast<double>(sizes[i]);
      } else {  // ONNX: out = round_half_up(scale * in), the coordinates use the common scale
        plan.scales[a] = common;
        plan.resized_lengths[a] = common * static_cast<double>(x[a]);
        plan.output[a] = static_cast<std::int64_t>(std::floor(common * static_cast<double>(x[a]) + 0.5));
      }
    }
  }
  for (std::size_t a = 0; a < x.size(); ++a)
    if (plan.output[a] == 0) fail(node, "the output " + shape_to_string(plan.output) + " would be empty");
  if (node.get_string("coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize") {
    if (roi.size() != 2 * n)
      fail(node, "roi " + list_to_string(roi) + " has " + std::to_string(roi.size()) + " entries, expected " +
                     std::to_string(2 * n) + " (starts and ends of the resized axes) for tf_crop_and_resize");
    for (std::size_t i = 0; i < n; ++i) {
      plan.roi_start[axes[i]] = roi[i];
      plan.roi_end[axes[i]] = roi[n + i];
    }
  }
  return plan;
}

std::vector<std::int64_t> sizes_of(const Node& node, const Tensor* sizes) {
  if (!sizes) return {};
  if (sizes->dtype() != DType::i64) fail(node, "input sizes is " + std::string(to_string(sizes->dtype())) + ", expected int64");
  return {sizes->data<std::int64_t>(), sizes->data<std::int64_t>() + sizes->element_count()};
}

// A present input with elements, else nullptr.
template <class T>
const T* given(const T* input) {
  return input && input->element_count() > 0 ? input : nullptr;
}

const Tensor* constant_operand(const Node& node, const std::vector<const Value*>& inputs, std::size_t k,
                               const std::string& name) {
  if (k >= inputs.size() || !inputs[k]) return nullptr;
  if (!inputs[k]->constant)
    fail(node, "input " + name + " \"" + inputs[k]->name + "\" is not constant (specialize() folds it first)");
  return given(&*inputs[k]->constant);
}

const Tensor* tensor_operand(const std::vector<const Tensor*>& inputs, std::size_t k) {
  return k < inputs.size() ? given(inputs[k]) : nullptr;
}

// One output index along one axis: its input indices and weights, or "outside" for tf_crop_and_resize.
struct Taps {
  bool outside = false;
  std::vector<std::pair<std::int64_t, double>> taps;  // (input index, weight)
};

// `out` is the output's length, `out_len` the formulas' length_resized, in * scale (ONNX: scale =
// length_resized / length_original): not `out` when given scales do not divide evenly.
double source_coordinate(const std::string& mode, std::int64_t o, std::int64_t in, std::int64_t out, double out_len,
                         double scale, double roi_start, double roi_end) {
  const double x = static_cast<double>(o), in_len = static_cast<double>(in);
  if (mode == "half_pixel") return (x + 0.5) / scale - 0.5;
  if (mode == "pytorch_half_pixel") return out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
  if (mode == "align_corners") return out == 1 ? 0.0 : x * (in_len - 1) / (out_len - 1);
  if (mode == "asymmetric") return x / scale;
  if (mode == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (mode == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out) / out_len;
    const double offset = in_len / 2 * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  // tf_crop_and_resize
  return out > 1 ? roi_start * (in_len - 1) + x * (roi_end - roi_start) * (in_len - 1) / (out_len - 1)
                 : 0.5 * (roi_start + roi_end) * (in_len - 1);
}

std::int64_t nearest_index(const std::string& rule, double x) {
  const double f = std::floor(x);
  if (rule == "floor") return static_cast<std::int64_t>(f);
  if (rule == "ceil") return static_cast<std::int64_t>(std::ceil(x));
  if (x - f == 0.5) return static_cast<std::int64_t>(rule == "round_prefer_ceil" ? f + 1 : f);
  return static_cast<std::int64_t>(std::floor(x + 0.5));
}

std::vector<double> cubic_weights(double t, double a) {
  const auto far = [a](double d) { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a; };  // 1 <= d < 2
  const auto near = [a](double d) { return ((a + 2) * d - (a + 3)) * d * d + 1; };      // 0 <= d < 1
  return {far(t + 1), near(t), near(1 - t), far(2 - t)};
}

struct Settings {
  std::string mode, transform, nearest_rule;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  float extrapolation = 0;
};

Settings settings_of(const Node& node) {
  Settings s;
  s.mode = node.get_string("mode", "nearest");
  if (s.mode != "nearest" && s.mode != "linear" && s.mode != "cubic")
    fail(node, "mode \"" + s.mode + "\" is not nearest, linear or cubic");
  s.transform = node.get_string("coordinate_transformation_mode", "half_pixel");
  static const char* transforms[] = {"half_pixel",   "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                                     "asymmetric",   "tf_half_pixel_for_nn", "tf_crop_and_resize"};
  if (std::find(std::begin(transforms), std::end(transforms), s.transform) == std::end(transforms))
    fail(node, "coordinate_transformation_mode \"" + s.transform +
                   "\" is not half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, "
                   "tf_half_pixel_for_nn or tf_crop_and_resize");
  s.nearest_rule = node.get_string("nearest_mode", "round_prefer_floor");
  if (s.nearest_rule != "round_prefer_floor" && s.nearest_rule != "round_prefer_ceil" && s.nearest_rule != "floor" &&
      s.nearest_rule != "ceil")
    fail(node, "nearest_mode \"" + s.nearest_rule + "\" is not round_prefer_floor, round_prefer_ceil, floor or ceil");
  s.cubic_a = node.get_float("cubic_coeff_a", -0.75);
  s.exclude_outside = node.get_int("exclude_outside", 0) != 0;
  s.extrapolation = static_cast<float>(node.get_float("extrapolation_value", 0.0));
  return s;
}

std::vector<Taps> axis_taps(const Settings& s, std::int64_t in, std::int64_t out, double out_len, double scale,
                            double roi_start, double roi_end) {
  std::vector<Taps> all(static_cast<std::size_t>(out));
  const auto clamp = [in](std::int64_t i) { return std::min(std::max<std::int64_t>(i, 0), in - 1); };
  for (std::int64_t o = 0; o < out; ++o) {
    Taps& t = all[static_cast<std::size_t>(o)];
    const double x = source_coordinate(s.transform, o, in, out, out_len, scale, roi_start, roi_end);
    if (s.transform == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(in - 1))) {
      t.outside = true;
      continue;
    }
    if (s.mode == "nearest") {
      t.taps.push_back({clamp(nearest_index(s.nearest_rule, x)), 1.0});
      continue;
    }
    const double first = std::floor(x), frac = x - first;
    std::vector<double> weights = s.mode == "linear" ? std::vector<double>{1 - frac, frac} : cubic_weights(frac, s.cubic_a);
    const auto start = static_cast<std::int64_t>(first) - (s.mode == "linear" ? 0 : 1);
    double total = 0;
    for (std::size_t k = 0; k < weights.size(); ++k) {
      const std::int64_t i = start + static_cast<std::int64_t>(k);
      if (s.exclude_outside && (i < 0 || i >= in)) weights[k] = 0;
      total += weights[k];
    }
    for (std::size_t k = 0; k < weights.size(); ++k) {
      if (weights[k] == 0) continue;  // also makes an unresized axis a single tap
      t.taps.push_back({clamp(start + static_cast<std::int64_t>(k)), s.exclude_outside ? weights[k] / total : weights[k]});
    }
  }
  return all;
}

}  // namespace

std::vector<TensorType> infer_resize(const Node& node, const std::vector<const Value*>& inputs) {
  const Value& x = spatial_input_value(node, inputs, 0, "X");
  settings_of(node);
  const ResizePlan plan =
      resize_plan(node, x.shape, as_doubles(constant_operand(node, inputs, 1, "roi")),
                  as_doubles(constant_operand(node, inputs, 2, "scales")),
                  sizes_of(node, constant_operand(node, inputs, 3, "sizes")));
  return {{DType::f32, plan.output}};
}

std::vector<Tensor> resize_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = spatial_input_tensor(node, inputs, 0, "X");
  const Settings s = settings_of(node);
  const ResizePlan plan = resize_plan(node, x.shape(), as_doubles(tensor_operand(inputs, 1)),
                                      as_doubles(tensor_operand(inputs, 2)), sizes_of(node, tensor_operand(inputs, 3)));
  const std::size_t rank = x.rank();
  std::vector<std::vector<Taps>> taps;
  for (std::size_t a = 0; a < rank; ++a)
    taps.push_back(axis_taps(s, x.shape()[a], plan.output[a], plan.resized_lengths[a], plan.scales[a],
                             plan.roi_start[a], plan.roi_end[a]));

  // The weights of several axes multiply, so the axes can be resampled one after the other, each
  // pass a weighted sum of whole rows (of single elements along the last axis). Shrinking axes go
  // first: later passes then see less data. Axes that map every index to itself are skipped.
  std::vector<std::size_t> order;
  for (std::size_t a = 0; a < rank; ++a) {
    bool identity = plan.output[a] == x.shape()[a];
    for (std::int64_t o = 0; identity && o < plan.output[a]; ++o) {
      const Taps& t = taps[a][static_cast<std::size_t>(o)];
      identity = !t.outside && t.taps.size() == 1 && t.taps[0].first == o && t.taps[0].second == 1.0;
    }
    if (!identity) order.push_back(a);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return plan.output[a] * x.shape()[b] < plan.output[b] * x.shape()[a];
  });
  Tensor y(DType::f32, plan.output);
  float* yd = y.data<float>();
  if (order.empty()) std::copy(x.data<float>(), x.data<float>() + x.element_count(), yd);
  Shape shape = x.shape();
  const float* src_all = x.data<float>();
  std::vector<float> buffer, next_buffer;  // between passes; the last pass writes into y
  for (std::size_t pass = 0; pass < order.size(); ++pass) {
    const std::size_t a = order[pass];
    std::int64_t outer = 1, inner = 1;
    for (std::size_t b = 0; b < a; ++b) outer *= shape[b];
    for (std::size_t b = a + 1; b < rank; ++b) inner *= shape[b];
    const std::int64_t in = shape[a], out = plan.output[a];
    float* dst_all = yd;
    if (pass + 1 < order.size()) {
      next_buffer.resize(static_cast<std::size_t>(outer * out * inner));
      dst_all = next_buffer.data();
    }
    for (std::int64_t block = 0; block < outer; ++block) {
      const float* src = src_all + block * in * inner;
      float* dst = dst_all + block * out * inner;
      for (std::int64_t o = 0; o < out; ++o, dst += inner) {
        const auto& list = taps[a][static_cast<std::size_t>(o)].taps;
        if (inner == 1) {  // the last axis: one weighted gather per output
          double sum = 0;
          for (const auto& [index, weight] : list) sum += weight * src[index];
          *dst = static_cast<float>(sum);
          continue;
        }
        std::fill(dst, dst + inner, 0.0f);
        for (const auto& [index, weight] : list) {
          const float* row = src + index * inner;
          const auto w = static_cast<float>(weight);
          for (std::int64_t i = 0; i < inner; ++i) dst[i] += w * row[i];
        }
      }
    }
    std::swap(buffer, next_buffer);
    src_all = buffer.data();
    shape[a] = out;
  }

  // tf_crop_and_resize: an output outside the input along any axis is extrapolation_value.
  if (s.transform == "tf_crop_and_resize") {
    std::vector<std::int64_t> o(rank, 0);
    for (std::int64_t i = 0; i < y.element_count(); ++i) {
      for (std::size_t a = 0; a < rank; ++a)
        if (taps[a][static_cast<std::size_t>(o[a])].outside) yd[i] = s.extrapolation;
      for (std::size_t a = rank; a-- > 0;) {
        if (++o[a] < plan.output[a]) break;
        o[a] = 0;
      }
    }
  }
  std::vector<Tensor> outputs;
  outputs.push_back(std::move(y));
  return outputs;
}

}  // namespace deepimage::engine::graph
