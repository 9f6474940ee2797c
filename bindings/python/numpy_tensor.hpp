// numpy arrays as deepimage tensors and back, without copying pixels either way.
//
//   deepimage::TensorView in = view_of(array, "yx", "input \"raw\"");   // borrows array's memory
//   py::array out = array_owning(std::move(outputs[0]));               // owns the Tensor's bytes
//
// In: any strided array of a numeric numpy dtype in native byte order (a transposed, sliced or
// reversed view included) is read in place; its strides must be whole elements. Out: the Tensor is
// moved into a capsule that is the array's base, so the array keeps the bytes alive (and writeable)
// after the Session that made them is gone.
#pragma once

#include <string>

#include <pybind11/numpy.h>

#include "deepimage/deepimage.hpp"

namespace deepimage::python {

// Throws Error(invalid_argument) naming `what` for a dtype deepimage has no DType for, a foreign byte
// order, or strides that are not whole elements.
TensorView view_of(const pybind11::array& array, std::string axes, const std::string& what);

DType dtype_of_array(const pybind11::array& array, const std::string& what);
pybind11::dtype numpy_dtype(DType dtype);

pybind11::array array_owning(Tensor&& tensor);

}  // namespace deepimage::python
