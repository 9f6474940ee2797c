#include "python_session.hpp"

#include <cmath>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "numpy_tensor.hpp"

namespace py = pybind11;

namespace deepimage::python {

namespace {

std::string input_name(const TensorSpec& input) { return "input \"" + input.id + "\""; }

// One array per model input, in the model's order. Array-likes become arrays without a copy when
// they already are numpy arrays.
std::vector<py::array> arrays_of(const py::object& images, const ModelSpec& spec) {
  std::vector<py::array> arrays;
  if (py::isinstance<py::dict>(images)) {
    const py::dict given = images.cast<py::dict>();
    for (const TensorSpec& input : spec.inputs) {
      if (!given.contains(input.id))
        throw Error(ErrorCode::invalid_argument, "no array given for " + input_name(input) + " of model \"" + spec.name + "\"");
      arrays.push_back(py::array::ensure(given[input.id.c_str()]));
    }
    if (given.size() != spec.inputs.size())
      throw Error(ErrorCode::invalid_argument, std::to_string(given.size()) + " arrays given; model \"" + spec.name +
                                                   "\" takes " + std::to_string(spec.inputs.size()));
  } else if (spec.inputs.size() == 1) {
    arrays.push_back(py::array::ensure(images));
  } else {
    const py::sequence given = py::reinterpret_borrow<py::sequence>(images);
    if (!py::isinstance<py::sequence>(images) || py::len(given) != spec.inputs.size())
      throw Error(ErrorCode::invalid_argument, "model \"" + spec.name + "\" takes " + std::to_string(spec.inputs.size()) +
                                                   " inputs: give a list of arrays or a dict {input id: array}");
    for (const py::handle item : given) arrays.push_back(py::array::ensure(item));
  }
  for (std::size_t i = 0; i < arrays.size(); ++i)
    if (!arrays[i]) throw Error(ErrorCode::invalid_argument, input_name(spec.inputs[i]) + ": not an array");
  return arrays;
}

// With no axes given: the model's own when the ranks match, else the model's spatial axes.
std::string inferred_axes(const py::array& array, const TensorSpec& input) {
  const std::string model_axes = input.axes_string();
  std::string spatial;
  for (const AxisSpec& a : input.axes)
    if (a.type == AxisType::space) spatial += a.id;
  const auto rank = static_cast<std::size_t>(array.ndim());
  if (rank == model_axes.size()) return model_axes;
  if (rank == spatial.size()) return spatial;
  throw Error(ErrorCode::invalid_argument, input_name(input) + ": an array of " + std::to_string(rank) +
                                               " dimensions needs axes=..., e.g. \"" + spatial + "\" (the model's input has \"" +
                                               model_axes + "\")");
}

std::vector<std::string> axes_of(const py::object& axes, const std::vector<py::array>& arrays, const ModelSpec& spec) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    const TensorSpec& input = spec.inputs[i];
    py::object given = py::none();
    if (py::isinstance<py::str>(axes)) {
      if (arrays.size() != 1)
        throw Error(ErrorCode::invalid_argument, "model \"" + spec.name + "\" takes " + std::to_string(arrays.size()) +
                                                     " inputs: give axes as a list or a dict {input id: axes}");
      given = axes;
    } else if (py::isinstance<py::dict>(axes)) {
      const py::dict d = axes.cast<py::dict>();
      if (d.contains(input.id)) given = d[input.id.c_str()];
    } else if (!axes.is_none()) {
      given = py::reinterpret_borrow<py::sequence>(axes)[i];
    }
    out.push_back(given.is_none() ? inferred_axes(arrays[i], input) : given.cast<std::string>());
  }
  return out;
}

// The size an output axis would have, for an empty input (nothing is run): 0 along space, else
// what the rdf fixes (a reference to an input axis: that axis's size in the image, 1 when absent).
std::int64_t empty_size(const AxisSpec& axis, const ModelSpec& spec, const std::vector<py::array>& arrays,
                        const std::vector<std::string>& axes) {
  if (axis.type == AxisType::space) return 0;
  switch (axis.size.kind) {
    case AxisSize::Kind::fixed: return axis.size.value;
    case AxisSize::Kind::parameterized: return axis.size.min;
    case AxisSize::Kind::reference:
      for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
        if (spec.inputs[i].id != axis.size.ref_tensor) continue;
        const auto at = axes[i].find(axis.size.ref_axis);
        const std::int64_t ref = at == std::string::npos ? 1 : arrays[i].shape(static_cast<py::ssize_t>(at));
        return static_cast<std::int64_t>(std::llround(static_cast<double>(ref) * axis.size.factor + axis.size.offset));
      }
      return 1;
  }
  return 1;
}

// An empty output in the image's axes (as predict() drops batch and size-1 axes the image lacks).
py::array empty_output(const TensorSpec& output, const ModelSpec& spec, const std::vector<py::array>& arrays,
                       const std::vector<std::string>& axes) {
  std::vector<py::ssize_t> shape;
  for (const AxisSpec& a : output.axes) {
    if (a.id == 'b') continue;
    const bool in_image = axes[0].find(a.id) != std::string::npos;
    const std::int64_t size = empty_size(a, spec, arrays, axes);
    if (a.id == 'y' || a.id == 'x' || in_image || (a.type != AxisType::space && size != 1)) shape.push_back(size);
  }
  return py::array(numpy_dtype(output.data_type), shape);
}

py::object outputs_as_python(std::vector<py::array> arrays, const ModelSpec& spec) {
  if (arrays.size() == 1) return std::move(arrays[0]);
  py::dict out;
  for (std::size_t i = 0; i < arrays.size(); ++i) out[spec.outputs[i].id.c_str()] = std::move(arrays[i]);
  return out;
}

}  // namespace

PythonSession::PythonSession(const Model& model, SessionOptions options, py::object progress, py::object log)
    : model_(model), progress_(std::move(progress)), log_(std::move(log)) {
  options.cancel = &cancel_;
  options.progress = [this](const ProgressEvent& event) { on_progress(event); };
  options.log = [this](std::string_view line) { on_log(line); };
  py::gil_scoped_release released;  // loading weights takes seconds
  session_ = std::make_unique<Session>(model_, std::move(options));
}

void PythonSession::on_progress(const ProgressEvent& event) {
  py::gil_scoped_acquire held;
  try {
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C while the model runs
    if (!progress_.is_none()) progress_(event);
  } catch (py::error_already_set&) {
    callback_error_ = std::current_exception();
    cancel_ = true;
  }
}

void PythonSession::on_log(std::string_view line) {
  py::gil_scoped_acquire held;
  try {
    if (!log_.is_none()) log_(std::string(line));
    else py::module_::import("logging").attr("getLogger")("deepimage").attr("warning")(std::string(line));
  } catch (py::error_already_set&) {
    callback_error_ = std::current_exception();
  }
}

PythonInputs python_inputs(const ModelSpec& spec, const py::object& images, const py::object& axes) {
  PythonInputs in;
  in.arrays = arrays_of(images, spec);
  in.axes = axes_of(axes, in.arrays, spec);
  for (std::size_t i = 0; i < in.arrays.size(); ++i) {
    if (static_cast<std::size_t>(in.arrays[i].ndim()) != in.axes[i].size())
      throw Error(ErrorCode::invalid_argument, input_name(spec.inputs[i]) + ": axes \"" + in.axes[i] + "\" name " +
                                                   std::to_string(in.axes[i].size()) + " axes but the array has " +
                                                   std::to_string(in.arrays[i].ndim()) + " dimensions");
    in.views.push_back(view_of(in.arrays[i], in.axes[i], input_name(spec.inputs[i])));
  }
  return in;
}

py::object PythonSession::predict(const py::object& images, const py::object& axes) {
  const ModelSpec& spec = model_.spec();
  const PythonInputs in = python_inputs(spec, images, axes);  // held: the views borrow its arrays
  const std::vector<py::array>& arrays = in.arrays;
  const std::vector<std::string>& axes_given = in.axes;
  const std::vector<TensorView>& inputs = in.views;
  // Dask calls block functions on 0-size arrays to learn the output's type: answer without running.
  bool empty = false;
  for (const py::array& a : arrays) empty = empty || a.size() == 0;
  if (empty) {
    std::vector<py::array> outs;
    for (const TensorSpec& output : spec.outputs) outs.push_back(empty_output(output, spec, arrays, axes_given));
    return outputs_as_python(std::move(outs), spec);
  }

  std::vector<Tensor> outputs;
  std::exception_ptr failure, callback_error;
  {
    py::gil_scoped_release released;
    std::lock_guard<std::mutex> one_at_a_time(running_);
    callback_error_ = nullptr;
    try {
      outputs = session_->predict(inputs);
    } catch (const Error&) {
      failure = std::current_exception();  // raised below, with the GIL held
    }
    cancel_ = false;
    callback_error = std::exchange(callback_error_, nullptr);
  }
  // A callback's own exception (or KeyboardInterrupt) says why the run was cancelled better than CancelledError.
  if (callback_error) std::rethrow_exception(callback_error);
  if (failure) std::rethrow_exception(failure);
  std::vector<py::array> out;
  for (Tensor& t : outputs) out.push_back(array_owning(std::move(t)));
  return outputs_as_python(std::move(out), spec);
}

py::list PythonSession::tile_plan(const py::object& images, const py::object& axes) {
  const PythonInputs in = python_inputs(model_.spec(), images, axes);
  const std::vector<TensorView>& inputs = in.views;
  std::vector<TileAxis> plan;
  {
    py::gil_scoped_release released;
    std::lock_guard<std::mutex> one_at_a_time(running_);
    plan = session_->tile_plan(inputs);
  }
  py::list out;
  for (const TileAxis& a : plan)
    out.append(py::dict(py::arg("axis") = std::string(1, a.axis), py::arg("tile") = a.tile, py::arg("read_begin") = a.read_begin,
                        py::arg("write_begin") = a.write_begin, py::arg("write_end") = a.write_end));
  return out;
}

}  // namespace deepimage::python
