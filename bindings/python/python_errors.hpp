// deepimage::Error as Python exceptions, one class per kind of problem, all under deepimage.Error:
//
//   try: model.predict(image, axes="yq")
//   except deepimage.InvalidArgumentError as e:   # also a ValueError
//       print(e, e.code)                          # the one-line message; "invalid argument"
//
//   deepimage.Error(RuntimeError)               every error; .code is to_string(ErrorCode)
//   InvalidArgumentError(Error, ValueError)     a bad value: dtype, axes, shape, tile, option
//   NotFoundError(Error, LookupError)           a missing file, tensor or axis
//   CancelledError(Error)                       Session.cancel() or an exception in a progress callback
#pragma once

#include <pybind11/pybind11.h>

namespace deepimage::python {

// Creates the classes in `module` and translates every deepimage::Error escaping a binding.
void register_errors(pybind11::module_& module);

}  // namespace deepimage::python
