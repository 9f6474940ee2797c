#include "build/cover.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace deepimage::build {
namespace {

struct Plane {
  std::int64_t height = 0, width = 0, channels = 1;  // channels 1 (grey) or 3 (RGB)
  std::vector<double> values;                         // channel-major
};

// The representative plane of a tensor in named axes (y and x present).
Plane plane_of(const Tensor& tensor) {
  const Tensor t = tensor.converted(DType::f64);
  const std::string& axes = t.axes();
  const Shape& shape = t.shape();
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * shape[i + 1];
  std::int64_t base = 0;
  for (std::size_t i = 0; i < axes.size(); ++i)
    if (axes[i] == 'z') base += shape[i] / 2 * strides[i];
  const auto stride = [&](char a) {
    const auto at = axes.find(a);
    return at == std::string::npos ? std::int64_t{0} : strides[at];
  };
  Plane p;
  p.height = t.size('y'), p.width = t.size('x');
  const std::int64_t c = axes.find('c') == std::string::npos ? 1 : t.size('c');
  p.channels = c == 3 ? 3 : 1;
  const double* data = t.data<double>();
  for (std::int64_t k = 0; k < p.channels; ++k)
    for (std::int64_t y = 0; y < p.height; ++y)
      for (std::int64_t x = 0; x < p.width; ++x)
        p.values.push_back(data[base + k * stride('c') + y * stride('y') + x * stride('x')]);
  return p;
}

// numpy's default (linear) percentile of the finite values.
double percentile(std::vector<double> sorted, double q) {
  if (sorted.empty()) return 0;
  const double at = q / 100 * static_cast<double>(sorted.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(at)), hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - static_cast<double>(lo));
}

// The plane at panel_h x panel_w, 0..255 after stretching, as RGB.
void draw(const Plane& p, std::int64_t panel_h, std::int64_t panel_w, std::int64_t x0, Tensor& cover) {
  std::vector<double> finite;
  for (double v : p.values)
    if (std::isfinite(v)) finite.push_back(v);
  std::sort(finite.begin(), finite.end());
  const double lo = percentile(finite, 0.5), hi = percentile(finite, 99.5);
  const double range = hi > lo ? hi - lo : 1.0;
  std::uint8_t* out = cover.data<std::uint8_t>();
  const std::int64_t cover_w = cover.size('x');
  for (std::int64_t y = 0; y < panel_h; ++y) {
    const std::int64_t sy = std::min(p.height - 1, y * p.height / panel_h);
    for (std::int64_t x = 0; x < panel_w; ++x) {
      const std::int64_t sx = std::min(p.width - 1, x * p.width / panel_w);
      for (std::int64_t k = 0; k < 3; ++k) {
        const double v = p.values[((p.channels == 3 ? k : 0) * p.height + sy) * p.width + sx];
        const double scaled = std::isfinite(v) ? std::clamp((v - lo) / range * 255.0, 0.0, 255.0) : 0.0;
        out[(y * cover_w + x0 + x) * 3 + k] = static_cast<std::uint8_t>(std::lround(scaled));
      }
    }
  }
}

}  // namespace

Tensor render_cover(const Tensor& input, const Tensor& output) {
  const Plane in = plane_of(input), out = plane_of(output);
  const double scale = static_cast<double>(kCoverPanel) / static_cast<double>(std::max(in.height, in.width));
  const std::int64_t panel_h = std::max<std::int64_t>(1, std::llround(static_cast<double>(in.height) * scale));
  const std::int64_t panel_w = std::max<std::int64_t>(1, std::llround(static_cast<double>(in.width) * scale));
  Tensor cover(DType::u8, {panel_h, 2 * panel_w, 3}, "yxc");
  draw(in, panel_h, panel_w, 0, cover);
  draw(out, panel_h, panel_w, panel_w, cover);
  return cover;
}

}  // namespace deepimage::build
