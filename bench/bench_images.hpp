// Synthetic images for the micro-benchmarks: fixed seeds, sizes typical of a microscope frame.
#pragma once

#include <cstdint>
#include <random>

#include "deepimage/tensor.hpp"

namespace deepimage::bench {

// A (1, 1, side, side) "bcyx" float32 image of noise around a smooth ramp, like a normalised frame.
inline Tensor frame_f32(std::int64_t side, std::uint32_t seed = 7) {
  Tensor t(DType::f32, {1, 1, side, side}, "bcyx");
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  float* p = t.data<float>();
  for (std::int64_t y = 0; y < side; ++y)
    for (std::int64_t x = 0; x < side; ++x)
      p[y * side + x] = static_cast<float>(x + y) / static_cast<float>(2 * side) + noise(rng);
  return t;
}

// The same frame as `dtype` (integers scaled to most of their range), axes "yx".
inline Tensor frame_as(DType dtype, std::int64_t side) {
  Tensor f = frame_f32(side);
  if (dtype != DType::f32) {
    const float scale = dtype == DType::u8 ? 200.0f : 50000.0f;
    float* p = f.data<float>();
    for (std::int64_t i = 0; i < f.element_count(); ++i) p[i] = std::max(0.0f, p[i] * scale);
  }
  Tensor t = f.converted(dtype);
  t.reshape({side, side}, "yx");
  return t;
}

}  // namespace deepimage::bench
