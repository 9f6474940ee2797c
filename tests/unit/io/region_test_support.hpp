// Helpers of the region tests: a naive box cut (the reference region reads are compared with), random
// pixels, and a shape cut into boxes in a shuffled order (how a tiled run writes its output).
#pragma once

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "core/box.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::io::testing {

// The box of `whole`, element by element: the slow, obviously right way.
inline Tensor naive_cut(const Tensor& whole, const Box& box) {
  Tensor part(whole.dtype(), box.shape(), whole.axes());
  const std::size_t es = dtype_size(whole.dtype()), rank = box.rank();
  std::vector<std::int64_t> index(box.begin);
  for (std::int64_t k = 0; k < part.element_count(); ++k) {
    std::int64_t at = 0;
    for (std::size_t d = 0; d < rank; ++d) at = at * whole.shape()[d] + index[d];
    std::memcpy(part.bytes() + static_cast<std::size_t>(k) * es, whole.bytes() + static_cast<std::size_t>(at) * es, es);
    for (std::size_t d = rank; d-- > 0;) {
      if (++index[d] < box.end[d]) break;
      index[d] = box.begin[d];
    }
  }
  return part;
}

// Random values of `dtype` (any bytes for integers; floats in a modest range, a few negative).
inline Tensor random_tensor(DType dtype, Shape shape, std::string axes, unsigned seed) {
  Tensor t(dtype, std::move(shape), std::move(axes));
  std::mt19937 rng(seed);
  visit_dtype(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    std::uniform_real_distribution<double> real(-50.0, 200.0);
    for (std::int64_t i = 0; i < t.element_count(); ++i) {
      if constexpr (std::is_floating_point_v<T>) p[i] = static_cast<T>(real(rng));
      else if constexpr (std::is_same_v<T, bool>) p[i] = rng() % 2;
      else p[i] = static_cast<T>(rng());
    }
  });
  return t;
}

// A random box inside `shape`, none of its extents empty.
inline Box random_box(const Shape& shape, std::mt19937& rng) {
  Box box;
  for (const auto n : shape) {
    std::int64_t a = static_cast<std::int64_t>(rng() % static_cast<unsigned>(n));
    std::int64_t b = static_cast<std::int64_t>(rng() % static_cast<unsigned>(n));
    if (a > b) std::swap(a, b);
    box.begin.push_back(a), box.end.push_back(b + 1);
  }
  return box;
}

// `shape` cut into a grid of boxes of at most `step` along each axis (0: the whole axis), shuffled.
inline std::vector<Box> shuffled_grid(const Shape& shape, const std::vector<std::int64_t>& step, unsigned seed) {
  std::vector<Box> boxes{Box{}};
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const std::int64_t s = step[d] > 0 ? step[d] : shape[d];
    std::vector<Box> next;
    for (const Box& b : boxes)
      for (std::int64_t at = 0; at < shape[d]; at += s) {
        Box more = b;
        more.begin.push_back(at), more.end.push_back(std::min(at + s, shape[d]));
        next.push_back(more);
      }
    boxes = std::move(next);
  }
  std::shuffle(boxes.begin(), boxes.end(), std::mt19937(seed));
  return boxes;
}

}  // namespace deepimage::io::testing
