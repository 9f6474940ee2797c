// Tensor — a dense, C-ordered n-d array with named axes.
//
//   Tensor t(DType::f32, {1, 1, 512, 512}, "bcyx");
//   float* p = t.data<float>();                 // t.element_count() floats
//   Tensor u = t.converted(DType::u16);         // numeric cast, values clamped and rounded
//   Tensor v = t.transposed("yxcb");            // same data, axes in another order
//
// Axis ids are single letters as in bioimage.io: b batch, c channel, i index, t time, z y x space.
// Copies share nothing: a Tensor owns its bytes (std::vector), so copying is explicit and visible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "deepimage/dtype.hpp"

namespace deepimage {

using Shape = std::vector<std::int64_t>;

std::int64_t element_count(const Shape& shape);
std::string shape_to_string(const Shape& shape);  // "(1, 1, 512, 512)"

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled. `axes` is empty (unnamed) or has one letter per dimension.
  Tensor(DType dtype, Shape shape, std::string axes = {});

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const std::string& axes() const { return axes_; }
  std::size_t rank() const { return shape_.size(); }
  std::int64_t element_count() const { return deepimage::element_count(shape_); }
  std::size_t byte_count() const { return bytes_.size(); }
  bool empty() const { return shape_.empty() && bytes_.empty(); }

  // Index of axis `id` in axes(), or -1.
  int axis_index(char id) const;
  // Size along axis `id`; throws not_found when the tensor has no such axis.
  std::int64_t size(char id) const;

  void set_axes(std::string axes);  // renames the axes; the count must match rank()
  void reshape(Shape shape, std::string axes);  // same element count, new shape and axes

  std::byte* bytes() { return bytes_.data(); }
  const std::byte* bytes() const { return bytes_.data(); }
  // Typed access; throws internal if T does not match dtype().
  template <class T> T* data();
  template <class T> const T* data() const;

  Tensor converted(DType to) const;
  // `order` is a permutation of axes(); returns a contiguous copy in that order.
  Tensor transposed(const std::string& order) const;

 private:
  void check_type(DType requested) const;

  DType dtype_ = DType::f32;
  Shape shape_;
  std::string axes_;
  std::vector<std::byte> bytes_;
};

template <class T> T* Tensor::data() {
  check_type(dtype_of<T>());
  return reinterpret_cast<T*>(bytes_.data());
}
template <class T> const T* Tensor::data() const {
  check_type(dtype_of<T>());
  return reinterpret_cast<const T*>(bytes_.data());
}

// C-order strides in elements.
std::vector<std::int64_t> strides_of(const Shape& shape);

}  // namespace deepimage
