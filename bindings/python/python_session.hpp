// PythonSession — a deepimage::Session as Python uses it: numpy in and out, the GIL released while
// the model runs, callbacks called with the GIL held, and one predict() at a time.
//
//   PythonSession session(model, options, progress, log);   // loads the weights (GIL released)
//   py::object y = session.predict(array, py::str("yx"));  // an array, or a dict for several outputs
//
// A Session is used by one thread at a time (deepimage.hpp); Python threads may share a PythonSession
// because predict() takes a lock (with the GIL released, so waiting blocks no other Python thread).
// An exception raised by a Python callback, or a signal such as Ctrl-C, cancels the run before the next
// tile and is raised from predict() instead of CancelledError.
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "deepimage/deepimage.hpp"

namespace deepimage::python {

// The arrays a caller gave for a model's inputs, and views of them (borrowing: keep `arrays` alive).
struct PythonInputs {
  std::vector<pybind11::array> arrays;
  std::vector<std::string> axes;
  std::vector<TensorView> views;
};
// `images` and `axes` as predict() takes them; throws Error(invalid_argument) naming the input.
PythonInputs python_inputs(const ModelSpec& spec, const pybind11::object& images, const pybind11::object& axes);

class PythonSession {
 public:
  PythonSession(const Model& model, SessionOptions options, pybind11::object progress, pybind11::object log);

  // `images`: one array-like (a one-input model), or a sequence or {input id: array} dict, one per input;
  // `axes`: None (inferred), a string, or a sequence/dict of them. One output: an array; several: a
  // dict {output id: array} in the model's order.
  pybind11::object predict(const pybind11::object& images, const pybind11::object& axes);
  // The tile plan predict() would follow: [{"axis", "tile", "read_begin", "write_begin", "write_end"}].
  pybind11::list tile_plan(const pybind11::object& images, const pybind11::object& axes);
  // From any thread: the running (or next) predict() stops before its next tile with CancelledError.
  void cancel() { cancel_ = true; }

  const Session& session() const { return *session_; }
  const Model& model() const { return model_; }

 private:
  void on_progress(const ProgressEvent& event);
  void on_log(std::string_view line);

  Model model_;
  pybind11::object progress_, log_;
  std::atomic<bool> cancel_{false};
  std::mutex running_;
  std::exception_ptr callback_error_;  // raised by a callback during the running predict()
  std::unique_ptr<Session> session_;
};

}  // namespace deepimage::python
