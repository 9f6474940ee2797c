#include "numpy_tensor.hpp"

#include <memory>

namespace py = pybind11;

namespace deepimage::python {

DType dtype_of_array(const py::array& array, const std::string& what) {
  const py::dtype dtype = array.dtype();
  const char kind = dtype.kind();
  const auto size = dtype.itemsize();
  const std::string name = py::str(py::handle(dtype)).cast<std::string>();
  if (!dtype.attr("isnative").cast<bool>())
    throw Error(ErrorCode::invalid_argument, what + ": dtype \"" + name + "\" is not in this machine's byte order; "
                                                 "convert it first (array.astype(array.dtype.newbyteorder(\"=\")))");
  switch (kind) {
    case 'b': return DType::boolean;
    case 'u':
      if (size == 1) return DType::u8;
      if (size == 2) return DType::u16;
      if (size == 4) return DType::u32;
      if (size == 8) return DType::u64;
      break;
    case 'i':
      if (size == 1) return DType::i8;
      if (size == 2) return DType::i16;
      if (size == 4) return DType::i32;
      if (size == 8) return DType::i64;
      break;
    case 'f':
      if (size == 4) return DType::f32;
      if (size == 8) return DType::f64;
      break;
    default: break;
  }
  throw Error(ErrorCode::invalid_argument,
              what + ": dtype \"" + name + "\" is not supported (expected bool, uint8/16/32/64, int8/16/32/64, float32 or float64)");
}

py::dtype numpy_dtype(DType dtype) {
  return visit_dtype(dtype, [](auto value) { return py::dtype::of<decltype(value)>(); });
}

TensorView view_of(const py::array& array, std::string axes, const std::string& what) {
  TensorView view{.data = array.data(), .dtype = dtype_of_array(array, what), .shape = {}, .strides = {}, .axes = std::move(axes)};
  const auto itemsize = static_cast<py::ssize_t>(dtype_size(view.dtype));
  for (py::ssize_t d = 0; d < array.ndim(); ++d) {
    view.shape.push_back(array.shape(d));
    const py::ssize_t stride = array.strides(d);
    if (stride % itemsize != 0)
      throw Error(ErrorCode::invalid_argument, what + ": stride " + std::to_string(stride) + " bytes along axis " +
                                                   std::to_string(d) + " is not a whole number of " +
                                                   std::to_string(itemsize) + "-byte elements; pass a copy (numpy.ascontiguousarray)");
    view.strides.push_back(stride / itemsize);
  }
  return view;
}

py::array array_owning(Tensor&& tensor) {
  auto* owned = new Tensor(std::move(tensor));
  py::capsule base(owned, [](void* p) { delete static_cast<Tensor*>(p); });
  const auto itemsize = static_cast<std::int64_t>(dtype_size(owned->dtype()));
  std::vector<py::ssize_t> shape, strides;
  for (std::int64_t stride : strides_of(owned->shape())) strides.push_back(stride * itemsize);
  for (std::int64_t size : owned->shape()) shape.push_back(size);
  return py::array(numpy_dtype(owned->dtype()), shape, strides, owned->bytes(), base);
}

}  // namespace deepimage::python
