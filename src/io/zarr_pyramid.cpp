#include "io/zarr_pyramid.hpp"

#include <algorithm>
#include <cstring>

namespace deepimage::io {
namespace {

// Floats: the mean of the block's pixels (1, 2 or 4), summed in double. Sums of up to four float32
// values are exact in double and /2, /4 are exact, so a float32 level is numpy's float64 mean rounded
// to float32, bit for bit.
template <class T>
void downsample_plane(const std::byte* in, std::int64_t in_width, std::int64_t height, std::int64_t width, std::byte* out) {
  const std::int64_t out_h = half_size(height), out_w = half_size(width);
  const auto at = [&](std::int64_t y, std::int64_t x) {
    T v;
    std::memcpy(&v, in + static_cast<std::size_t>(y * in_width + x) * sizeof(T), sizeof(T));
    return v;
  };
  for (std::int64_t oy = 0; oy < out_h; ++oy)
    for (std::int64_t ox = 0; ox < out_w; ++ox) {
      T value;
      if constexpr (std::is_floating_point_v<T>) {
        const std::int64_t y0 = 2 * oy, x0 = 2 * ox, y1 = std::min(y0 + 2, height), x1 = std::min(x0 + 2, width);
        double sum = 0;
        for (std::int64_t y = y0; y < y1; ++y)
          for (std::int64_t x = x0; x < x1; ++x) sum += static_cast<double>(at(y, x));
        value = static_cast<T>(sum / static_cast<double>((y1 - y0) * (x1 - x0)));
      } else {
        value = at(2 * oy, 2 * ox);
      }
      std::memcpy(out + static_cast<std::size_t>(oy * out_w + ox) * sizeof(T), &value, sizeof(T));
    }
}

using PlaneFunction = void (*)(const std::byte*, std::int64_t, std::int64_t, std::int64_t, std::byte*);

PlaneFunction plane_function(DType dtype) {
  switch (dtype) {
    case DType::f32: return downsample_plane<float>;
    case DType::f64: return downsample_plane<double>;
    case DType::boolean:
    case DType::u8: return downsample_plane<std::uint8_t>;
    case DType::i8: return downsample_plane<std::int8_t>;
    case DType::u16: return downsample_plane<std::uint16_t>;
    case DType::i16: return downsample_plane<std::int16_t>;
    case DType::u32: return downsample_plane<std::uint32_t>;
    case DType::i32: return downsample_plane<std::int32_t>;
    case DType::u64: return downsample_plane<std::uint64_t>;
    case DType::i64: return downsample_plane<std::int64_t>;
  }
  return downsample_plane<std::uint8_t>;
}

}  // namespace

int pyramid_level_count(std::int64_t height, std::int64_t width, int requested) {
  int levels = 1;
  for (std::int64_t h = height, w = width; requested > 0 ? levels < requested && (h > 1 || w > 1)
                                                         : h > kPyramidChunk || w > kPyramidChunk;
       ++levels)
    h = half_size(h), w = half_size(w);
  return levels;
}

std::vector<std::byte> downsample_chunk(const std::byte* chunk, const Shape& chunk_shape, const Shape& valid, DType dtype) {
  const std::size_t rank = chunk_shape.size(), es = dtype_size(dtype);
  const std::int64_t height = valid[rank - 2], width = valid[rank - 1];
  const std::int64_t in_plane = chunk_shape[rank - 2] * chunk_shape[rank - 1], out_plane = half_size(height) * half_size(width);
  Shape outer_valid(valid.begin(), valid.end() - 2), outer_chunk(chunk_shape.begin(), chunk_shape.end() - 2);
  const std::int64_t planes = element_count(outer_valid);
  const auto chunk_strides = strides_of(outer_chunk);
  std::vector<std::byte> out(static_cast<std::size_t>(planes * out_plane) * es);
  const PlaneFunction plane = plane_function(dtype);
  std::vector<std::int64_t> index(outer_valid.size(), 0);
  for (std::int64_t p = 0; p < planes; ++p) {
    std::int64_t at = 0;  // the plane's offset in the chunk (its extents beyond `valid` skipped)
    for (std::size_t d = 0; d < index.size(); ++d) at += index[d] * chunk_strides[d];
    plane(chunk + static_cast<std::size_t>(at * in_plane) * es, chunk_shape[rank - 1], height, width,
          out.data() + static_cast<std::size_t>(p * out_plane) * es);
    for (std::size_t d = index.size(); d-- > 0;) {  // odometer over the outer axes
      if (++index[d] < outer_valid[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

std::int64_t ome_zarr_values_held(std::int64_t height, std::int64_t width, int levels) {
  std::int64_t held = 0;
  for (int k = 0; k < levels; ++k, height = half_size(height), width = half_size(width)) {
    const std::int64_t chunk_h = std::min(kPyramidChunk, height), chunk_w = std::min(kPyramidChunk, width);
    held += chunk_h * ((width + chunk_w - 1) / chunk_w * chunk_w);
  }
  return held;
}

}  // namespace deepimage::io
