// Tensor — a dense, C-ordered n-d array with named axes.
//
//   Tensor t(DType::f32, {1, 1, 512, 512}, "bcyx");
//   float* p = t.data<float>();                 // t.element_count() floats
//   Tensor u = t.converted(DType::u16);         // numeric cast, values clamped and rounded
//   Tensor v = t.transposed("yxcb");            // same data, axes in another order
//
// Axis ids are single letters as in bioimage.io: b batch, c channel, i index, t time, z y x space.
// Copies share nothing: a Tensor owns its bytes (std::vector), so copying is explicit and visible.
// The one exception is Tensor::borrow, a read-only tensor over memory someone else keeps: reading it
// copies nothing, writing through it (or copying it) first copies the values into bytes of its own.
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
  // Over `data` (C order, `shape` of `dtype`), which must stay alive and unchanged while the tensor
  // is read: the bytes are not copied. Non-const bytes() and data<T>() first copy them, so the memory
  // borrowed is never written; so does copying the tensor (moving it keeps borrowing).
  static Tensor borrow(const void* data, DType dtype, Shape shape, std::string axes = {});

  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  ~Tensor() = default;

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const std::string& axes() const { return axes_; }
  std::size_t rank() const { return shape_.size(); }
  std::int64_t element_count() const { return deepimage::element_count(shape_); }
  std::size_t byte_count() const { return borrowed_ ? borrowed_count_ : bytes_.size(); }
  bool empty() const { return shape_.empty() && byte_count() == 0; }
  bool borrowed() const { return borrowed_ != nullptr; }  // reads someone else's memory (borrow)

  // Index of axis `id` in axes(), or -1.
  int axis_index(char id) const;
  // Size along axis `id`; throws not_found when the tensor has no such axis.
  std::int64_t size(char id) const;

  void set_axes(std::string axes);  // renames the axes; the count must match rank()
  void reshape(Shape shape, std::string axes);  // same element count, new shape and axes

  std::byte* bytes() {
    if (borrowed_) own();
    return bytes_.data();
  }
  const std::byte* bytes() const { return borrowed_ ? borrowed_ : bytes_.data(); }
  // Typed access; throws internal if T does not match dtype().
  template <class T> T* data();
  template <class T> const T* data() const;

  Tensor converted(DType to) const;
  // `order` is a permutation of axes(); returns a contiguous copy in that order.
  Tensor transposed(const std::string& order) const;

 private:
  void check_type(DType requested) const;
  void own();  // copies borrowed bytes into bytes_

  DType dtype_ = DType::f32;
  Shape shape_;
  std::string axes_;
  std::vector<std::byte> bytes_;
  const std::byte* borrowed_ = nullptr;  // set by borrow(): bytes_ is then empty
  std::size_t borrowed_count_ = 0;
};

template <class T> T* Tensor::data() {
  check_type(dtype_of<T>());
  return reinterpret_cast<T*>(bytes());
}
template <class T> const T* Tensor::data() const {
  check_type(dtype_of<T>());
  return reinterpret_cast<const T*>(bytes());
}

// C-order strides in elements.
std::vector<std::int64_t> strides_of(const Shape& shape);

}  // namespace deepimage
