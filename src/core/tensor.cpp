#include "deepimage/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "core/checked_math.hpp"
#include "deepimage/error.hpp"

namespace deepimage {

std::int64_t element_count(const Shape& shape) {
  const auto n = checked_product(shape);
  if (!n)
    throw Error(ErrorCode::invalid_argument, "shape " + shape_to_string(shape) +
                                                 " has a negative size or more than 2^63 elements");
  return *n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

std::vector<std::int64_t> strides_of(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

namespace {

// The bytes a tensor of `shape` and `dtype` takes; throws for a negative size, axes of another rank,
// or 2^63 bytes or more. What every Tensor, owned or borrowed, is checked with.
std::size_t checked_byte_count(DType dtype, const Shape& shape, const std::string& axes) {
  for (auto s : shape)
    if (s < 0) throw Error(ErrorCode::internal, "negative tensor size in " + shape_to_string(shape));
  if (!axes.empty() && axes.size() != shape.size())
    throw Error(ErrorCode::internal, "axes \"" + axes + "\" do not match shape " + shape_to_string(shape));
  const auto bytes = checked_multiply(deepimage::element_count(shape), static_cast<std::int64_t>(dtype_size(dtype)));
  if (!bytes)
    throw Error(ErrorCode::invalid_argument, "shape " + shape_to_string(shape) + " of " + std::string(to_string(dtype)) +
                                                 std::string(" needs more than 2^63 bytes"));
  return static_cast<std::size_t>(*bytes);
}

}  // namespace

Tensor::Tensor(DType dtype, Shape shape, std::string axes)
    : dtype_(dtype), shape_(std::move(shape)), axes_(std::move(axes)) {
  bytes_.resize(checked_byte_count(dtype_, shape_, axes_));
}

Tensor Tensor::borrow(const void* data, DType dtype, Shape shape, std::string axes) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.axes_ = std::move(axes);
  t.borrowed_count_ = checked_byte_count(dtype, t.shape_, t.axes_);
  t.borrowed_ = t.borrowed_count_ ? static_cast<const std::byte*>(data) : nullptr;
  if (!t.borrowed_) t.bytes_.resize(t.borrowed_count_);  // nothing to borrow: an ordinary empty tensor
  return t;
}

Tensor::Tensor(const Tensor& other)
    : dtype_(other.dtype_), shape_(other.shape_), axes_(other.axes_),
      bytes_(other.borrowed_ ? std::vector<std::byte>(other.borrowed_, other.borrowed_ + other.borrowed_count_) : other.bytes_) {}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this != &other) *this = Tensor(other);
  return *this;
}

Tensor::Tensor(Tensor&& other) noexcept
    : dtype_(other.dtype_), shape_(std::move(other.shape_)), axes_(std::move(other.axes_)), bytes_(std::move(other.bytes_)),
      borrowed_(std::exchange(other.borrowed_, nullptr)), borrowed_count_(std::exchange(other.borrowed_count_, 0)) {}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  dtype_ = other.dtype_;
  shape_ = std::move(other.shape_);
  axes_ = std::move(other.axes_);
  bytes_ = std::move(other.bytes_);
  borrowed_ = std::exchange(other.borrowed_, nullptr);
  borrowed_count_ = std::exchange(other.borrowed_count_, 0);
  return *this;
}

void Tensor::own() {
  bytes_.assign(borrowed_, borrowed_ + borrowed_count_);
  borrowed_ = nullptr;
  borrowed_count_ = 0;
}

int Tensor::axis_index(char id) const {
  auto pos = axes_.find(id);
  return pos == std::string::npos ? -1 : static_cast<int>(pos);
}

std::int64_t Tensor::size(char id) const {
  int i = axis_index(id);
  if (i < 0) throw Error(ErrorCode::not_found, std::string("tensor with axes \"") + axes_ + "\" has no axis \"" + id + "\"");
  return shape_[static_cast<std::size_t>(i)];
}

void Tensor::set_axes(std::string axes) {
  if (!axes.empty() && axes.size() != shape_.size())
    throw Error(ErrorCode::invalid_argument, "axes \"" + axes + "\" have " + std::to_string(axes.size()) +
                                                 " letters but the tensor has " + std::to_string(shape_.size()) +
                                                 " dimensions " + shape_to_string(shape_));
  axes_ = std::move(axes);
}

void Tensor::reshape(Shape shape, std::string axes) {
  if (deepimage::element_count(shape) != element_count())
    throw Error(ErrorCode::internal, "cannot reshape " + shape_to_string(shape_) + " to " + shape_to_string(shape));
  shape_ = std::move(shape);
  axes_.clear();
  set_axes(std::move(axes));
}

void Tensor::check_type(DType requested) const {
  if (requested != dtype_)
    throw Error(ErrorCode::internal, "tensor of " + std::string(to_string(dtype_)) + " accessed as " +
                                         std::string(to_string(requested)));
}

namespace {

template <class To, class From>
To cast_value(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From{};
  } else if constexpr (std::is_floating_point_v<To>) {
    return static_cast<To>(v);
  } else if constexpr (std::is_floating_point_v<From>) {
    // Round to nearest and saturate, so a float result written as uint8/uint16 keeps its meaning.
    if (std::isnan(v)) return To{};
    const double r = std::nearbyint(static_cast<double>(v));
    if (r <= static_cast<double>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (r >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(r);
  } else {
    // long double holds every 64-bit integer exactly on x86-64, so the comparisons are exact.
    const long double w = static_cast<long double>(v);
    if (w <= static_cast<long double>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (w >= static_cast<long double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  }
}

}  // namespace

Tensor Tensor::converted(DType to) const {
  if (to == dtype_) return *this;
  Tensor out(to, shape_, axes_);
  const auto n = static_cast<std::size_t>(element_count());
  visit_dtype(dtype_, [&](auto from_tag) {
    using From = decltype(from_tag);
    const From* src = reinterpret_cast<const From*>(bytes());
    visit_dtype(to, [&](auto to_tag) {
      using To = decltype(to_tag);
      To* dst = reinterpret_cast<To*>(out.bytes_.data());
      for (std::size_t i = 0; i < n; ++i) dst[i] = cast_value<To>(src[i]);
    });
  });
  return out;
}

Tensor Tensor::transposed(const std::string& order) const {
  if (order == axes_) return *this;
  std::string sorted_order = order, sorted_axes = axes_;
  std::sort(sorted_order.begin(), sorted_order.end());
  std::sort(sorted_axes.begin(), sorted_axes.end());
  if (sorted_order != sorted_axes)
    throw Error(ErrorCode::internal, "\"" + order + "\" is not a permutation of \"" + axes_ + "\"");
  const std::size_t r = rank();
  Shape out_shape(r);
  std::vector<std::int64_t> src_stride_for_out(r);
  const auto src_strides = strides_of(shape_);
  for (std::size_t i = 0; i < r; ++i) {
    const auto j = static_cast<std::size_t>(axis_index(order[i]));
    out_shape[i] = shape_[j];
    src_stride_for_out[i] = src_strides[j];
  }
  Tensor out(dtype_, out_shape, order);
  const std::size_t es = dtype_size(dtype_);
  const std::int64_t n = out.element_count();
  std::vector<std::int64_t> idx(r, 0);
  std::int64_t src_offset = 0;
  for (std::int64_t k = 0; k < n; ++k) {
    std::memcpy(out.bytes_.data() + static_cast<std::size_t>(k) * es,
                bytes() + static_cast<std::size_t>(src_offset) * es, es);
    for (std::size_t d = r; d-- > 0;) {  // odometer increment over the output index
      src_offset += src_stride_for_out[d];
      if (++idx[d] < out_shape[d]) break;
      src_offset -= src_stride_for_out[d] * out_shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace deepimage
