#include "engine/native/resize_on_dnnl.hpp"

#include <cmath>
#include <cstddef>
#include <string>

namespace deepimage::engine::native {
namespace {

// ONNX's source coordinate for output index `o` (Resize, opset 13+), before rounding.
double onnx_source_coordinate(const std::string& transform, double o, double scale, std::int64_t in, std::int64_t out) {
  if (transform == "half_pixel") return (o + 0.5) / scale - 0.5;
  if (transform == "pytorch_half_pixel") return out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  if (transform == "asymmetric") return o / scale;
  if (transform == "align_corners") return out == 1 ? 0.0 : o * static_cast<double>(in - 1) / static_cast<double>(out - 1);
  if (transform == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(out) / (scale * static_cast<double>(in));
    const double center = static_cast<double>(in) / 2.0;
    const double offset = center * (1.0 - adjustment);
    return offset + (o + 0.5) / scale - 0.5;
  }
  return std::nan("");
}

// ONNX's nearest_mode rounding; NaN for a mode we do not know.
double onnx_round(const std::string& mode, double x) {
  if (mode == "round_prefer_floor") return x == std::floor(x) + 0.5 ? std::floor(x) : std::round(x);
  if (mode == "round_prefer_ceil") return std::round(x) == x - 0.5 ? std::ceil(x) : std::round(x);
  if (mode == "floor") return std::floor(x);
  if (mode == "ceil") return std::ceil(x);
  return std::nan("");
}

std::int64_t clamp_index(double x, std::int64_t in) {
  if (x < 0) return 0;
  if (x > static_cast<double>(in - 1)) return in - 1;
  return static_cast<std::int64_t>(x);
}

// Same source pixel for every output pixel along one axis? oneDNN rounds (o + 0.5) / F - 0.5 to the
// nearest integer; an exact tie (.5) could round either way there, so ties are refused.
bool nearest_matches(const std::string& transform, const std::string& nearest_mode, double scale, std::int64_t in,
                     std::int64_t out) {
  const double f = static_cast<double>(out) / static_cast<double>(in);
  for (std::int64_t o = 0; o < out; ++o) {
    const double d = (static_cast<double>(o) + 0.5) / f - 0.5;
    if (std::abs(d - std::floor(d) - 0.5) < 1e-4) return false;
    const std::int64_t dnnl_index = clamp_index(std::round(d), in);
    const double x = onnx_round(nearest_mode, onnx_source_coordinate(transform, static_cast<double>(o), scale, in, out));
    if (std::isnan(x) || clamp_index(x, in) != dnnl_index) return false;
  }
  return true;
}

}  // namespace

DnnlResampling dnnl_resampling_for(const graph::Graph& graph, const graph::Node& node, const Shape& in, const Shape& out) {
  if (in.size() < 3 || in.size() > 5 || out.size() != in.size()) return DnnlResampling::none;
  if (in[0] != out[0] || in[1] != out[1]) return DnnlResampling::none;  // resampling scales spatial axes only
  if (node.has("axes") || node.get_int("antialias", 0) != 0) return DnnlResampling::none;
  const std::string mode = node.get_string("mode", "nearest");
  const std::string transform = node.get_string("coordinate_transformation_mode", "half_pixel");
  const std::string nearest_mode = node.get_string("nearest_mode", "round_prefer_floor");
  if (mode != "nearest" && mode != "linear") return DnnlResampling::none;

  // ONNX computes coordinates with the given scales when there are any, otherwise with out / in.
  const float* scales = nullptr;
  if (node.inputs.size() > 2 && node.inputs[2] != graph::no_value) {
    if (!graph.is_constant(node.inputs[2])) return DnnlResampling::none;
    const Tensor& t = *graph.value(node.inputs[2]).constant;
    if (t.element_count() != 0) {
      if (t.dtype() != DType::f32 || t.element_count() != static_cast<std::int64_t>(in.size())) return DnnlResampling::none;
      scales = t.data<float>();
    }
  }
  for (std::size_t axis = 2; axis < in.size(); ++axis) {
    const double ratio = static_cast<double>(out[axis]) / static_cast<double>(in[axis]);
    const double scale = scales ? static_cast<double>(scales[axis]) : ratio;
    if (mode == "linear") {
      // oneDNN's linear rule is half_pixel with F = out / in; pytorch_half_pixel equals it unless out is 1.
      const bool half_pixel = transform == "half_pixel" || (transform == "pytorch_half_pixel" && out[axis] > 1) ||
                              (transform == "half_pixel_symmetric" && std::abs(scale - ratio) <= 1e-6 * ratio);
      if (!half_pixel || std::abs(scale - ratio) > 1e-6 * ratio) return DnnlResampling::none;
    } else if (!nearest_matches(transform, nearest_mode, scale, in[axis], out[axis])) {
      return DnnlResampling::none;
    }
  }
  return mode == "linear" ? DnnlResampling::linear : DnnlResampling::nearest;
}

}  // namespace deepimage::engine::native
