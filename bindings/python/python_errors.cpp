#include "python_errors.hpp"

#include "deepimage/error.hpp"

namespace py = pybind11;

namespace deepimage::python {

namespace {

// Created once at import, alive as long as the module (which holds a reference to each).
PyObject* error_class = nullptr;
PyObject* invalid_argument_class = nullptr;
PyObject* not_found_class = nullptr;
PyObject* cancelled_class = nullptr;

PyObject* new_class(py::module_& module, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = std::string("deepimage.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (!cls) throw py::error_already_set();
  module.add_object(name, py::handle(cls));  // steals nothing: add_object takes its own reference
  return cls;
}

PyObject* class_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return invalid_argument_class;
    case ErrorCode::not_found: return not_found_class;
    case ErrorCode::cancelled: return cancelled_class;
    default: return error_class;
  }
}

}  // namespace

void register_errors(py::module_& module) {
  error_class = new_class(module, "Error", py::make_tuple(py::handle(PyExc_RuntimeError)),
                          "A deepimage error: the message is deepimage's one line; .code names its kind.");
  invalid_argument_class = new_class(module, "InvalidArgumentError",
                                     py::make_tuple(py::handle(error_class), py::handle(PyExc_ValueError)),
                                     "A value given to deepimage is malformed or out of range (dtype, axes, shape, option).");
  not_found_class = new_class(module, "NotFoundError", py::make_tuple(py::handle(error_class), py::handle(PyExc_LookupError)),
                              "A file, tensor or axis that does not exist.");
  cancelled_class = new_class(module, "CancelledError", py::make_tuple(py::handle(error_class)),
                              "predict() stopped before the next tile: Session.cancel() was called.");
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const Error& e) {
      py::object cls = py::reinterpret_borrow<py::object>(class_for(e.code()));
      py::object value = cls(e.what());
      value.attr("code") = to_string(e.code());
      PyErr_SetObject(cls.ptr(), value.ptr());
    }
  });
}

}  // namespace deepimage::python
