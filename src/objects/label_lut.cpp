#include "objects/label_lut.hpp"

#include <cmath>
#include <limits>
#include <vector>

namespace deepimage::objects {
namespace {

struct Lab {
  double l, a, b;
};

// sRGB (0..255) to CIE L*a*b* (D65): distances in it follow how different colours look.
Lab to_lab(double r8, double g8, double b8) {
  const auto linear = [](double c) {
    c /= 255.0;
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  };
  const double r = linear(r8), g = linear(g8), b = linear(b8);
  const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const auto f = [](double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116.0; };
  return {116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))};
}

double distance2(const Lab& p, const Lab& q) {
  return (p.l - q.l) * (p.l - q.l) + (p.a - q.a) * (p.a - q.a) + (p.b - q.b) * (p.b - q.b);
}

std::array<std::uint8_t, 768> make_lut() {
  // Candidates: a 32-level grid per channel. Each pick is the candidate farthest from every colour taken
  // so far; black (label 0) and white (kept free for text and selections) are taken from the start.
  constexpr int kLevels = 32;
  std::vector<std::array<std::uint8_t, 3>> rgb;
  std::vector<Lab> lab;
  for (int r = 0; r < kLevels; ++r)
    for (int g = 0; g < kLevels; ++g)
      for (int b = 0; b < kLevels; ++b) {
        const auto level = [](int v) { return static_cast<std::uint8_t>(v * 255 / (kLevels - 1)); };
        rgb.push_back({level(r), level(g), level(b)});
        lab.push_back(to_lab(rgb.back()[0], rgb.back()[1], rgb.back()[2]));
      }
  std::vector<double> nearest(rgb.size(), std::numeric_limits<double>::infinity());
  const auto take = [&](const Lab& c) {
    for (std::size_t i = 0; i < lab.size(); ++i) nearest[i] = std::min(nearest[i], distance2(lab[i], c));
  };
  take(to_lab(0, 0, 0));
  take(to_lab(255, 255, 255));
  std::array<std::uint8_t, 768> lut{};
  for (int k = 1; k < 256; ++k) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < nearest.size(); ++i)
      if (nearest[i] > nearest[best]) best = i;
    for (int c = 0; c < 3; ++c) lut[static_cast<std::size_t>(c * 256 + k)] = rgb[best][static_cast<std::size_t>(c)];
    take(lab[best]);
  }
  return lut;
}

}  // namespace

const std::array<std::uint8_t, 768>& label_lut() {
  static const std::array<std::uint8_t, 768> lut = make_lut();
  return lut;
}

}  // namespace deepimage::objects
