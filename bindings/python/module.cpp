// The Python module deepimage._deepimage (re-exported by the deepimage package): Model, Session,
// the model description read-only, and the errors. See docs/python.md.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "deepimage/deepimage.hpp"
#include "model/rdf.hpp"
#include "numpy_tensor.hpp"
#include "python_errors.hpp"
#include "python_session.hpp"

namespace py = pybind11;
using namespace deepimage;
using deepimage::python::PythonSession;

namespace {

// {"y": 256, "x": 256} -> {'y': 256, 'x': 256}; `option` names the argument in errors.
std::map<char, std::int64_t> per_axis(const std::map<std::string, std::int64_t>& given, const char* option) {
  std::map<char, std::int64_t> out;
  for (const auto& [axis, size] : given) {
    if (axis.size() != 1)
      throw Error(ErrorCode::invalid_argument, std::string(option) + " names axis \"" + axis + "\"; expected one letter such as \"y\"");
    out[axis[0]] = size;
  }
  return out;
}

SessionOptions session_options(const std::string& weights, int threads, const std::string& precision, std::uint64_t memory,
                               const std::map<std::string, std::int64_t>& tile,
                               const std::map<std::string, std::int64_t>& halo, const std::string& pad,
                               const std::string& statistics) {
  SessionOptions o;
  o.weights = weights;
  o.threads = threads;
  o.precision = precision_from_string(precision);
  o.memory = memory;
  o.tile = per_axis(tile, "tile");
  o.halo = per_axis(halo, "halo");
  o.pad = pad;
  o.statistics = statistics;
  return o;
}

const char* size_kind_name(AxisSize::Kind k) {
  switch (k) {
    case AxisSize::Kind::fixed: return "fixed";
    case AxisSize::Kind::parameterized: return "parameterized";
    case AxisSize::Kind::reference: return "reference";
  }
  return "fixed";
}

std::vector<std::string> op_ids(const std::vector<OpSpec>& ops) {
  std::vector<std::string> ids;
  for (const OpSpec& op : ops) ids.push_back(op.id);
  return ids;
}

// The halo per spatial axis of a model, in its outputs' pixels (the largest over outputs).
std::map<std::string, std::int64_t> halo_of(const ModelSpec& spec) {
  std::map<std::string, std::int64_t> halo;
  for (const TensorSpec& out : spec.outputs)
    for (const AxisSpec& a : out.axes)
      if (a.type == AxisType::space) halo[std::string(1, a.id)] = std::max(halo[std::string(1, a.id)], a.halo);
  return halo;
}

// find_objects's result for Python: the labels as an array, the table as {column: float64 array}
// (what pandas.DataFrame takes), and how the objects were found.
struct PythonObjects {
  py::array labels;
  py::dict table;
  ObjectsReport report;
};

PythonObjects find_objects_of_arrays(const py::array& probability, const py::object& axes, const py::object& intensity,
                                     const py::object& intensity_axes, const ObjectRules& rules, const py::object& model) {
  const std::string prob_axes = axes.is_none() ? "" : axes.cast<std::string>();
  const TensorView prob_view = python::view_of(probability, prob_axes, "probability");
  std::optional<TensorView> intensity_view;
  if (!intensity.is_none())
    intensity_view = python::view_of(intensity.cast<py::array>(), intensity_axes.is_none() ? "" : intensity_axes.cast<std::string>(), "intensity");
  std::optional<ModelSpec> spec;
  if (!model.is_none()) spec = model.cast<const Model&>().spec();
  LabelledObjects found;
  {
    py::gil_scoped_release released;
    found = find_objects(prob_view, rules, intensity_view ? &*intensity_view : nullptr, spec ? &*spec : nullptr);
  }
  PythonObjects out{.labels = python::array_owning(std::move(found.labels)), .table = {}, .report = std::move(found.report)};
  for (std::size_t k = 0; k < out.report.columns.size(); ++k) {
    py::array_t<double> column(static_cast<py::ssize_t>(out.report.rows.size()));
    auto values = column.mutable_unchecked<1>();
    for (std::size_t r = 0; r < out.report.rows.size(); ++r) values(static_cast<py::ssize_t>(r)) = out.report.rows[r][k];
    out.table[py::str(out.report.columns[k])] = column;
  }
  return out;
}

#define DEEPIMAGE_SESSION_ARGS                                                                                      \
  py::kw_only(), py::arg("weights") = "", py::arg("threads") = 0, py::arg("precision") = "fp32",                  \
      py::arg("memory") = 0, py::arg("tile") = std::map<std::string, std::int64_t>{},                             \
      py::arg("halo") = std::map<std::string, std::int64_t>{}, py::arg("pad") = "reflect", py::arg("statistics") = "",     \
      py::arg("progress") = py::none(), py::arg("log") = py::none()

}  // namespace

PYBIND11_MODULE(_deepimage, m) {
  m.doc() = "deepimage: bioimage.io models on numpy arrays (see docs/python.md)";
  python::register_errors(m);

  py::class_<AxisSize>(m, "AxisSize", "Sizes an axis accepts: fixed, min + n*step, or a reference to another tensor's axis.")
      .def_property_readonly("kind", [](const AxisSize& s) { return size_kind_name(s.kind); })
      .def_readonly("value", &AxisSize::value)
      .def_readonly("min", &AxisSize::min)
      .def_readonly("step", &AxisSize::step)
      .def_readonly("ref_tensor", &AxisSize::ref_tensor)
      .def_property_readonly("ref_axis", [](const AxisSize& s) { return s.ref_axis ? std::string(1, s.ref_axis) : ""; })
      .def_readonly("factor", &AxisSize::factor)
      .def_readonly("offset", &AxisSize::offset)
      .def("__repr__", [](const AxisSize& s) {
        switch (s.kind) {
          case AxisSize::Kind::fixed: return "AxisSize(fixed " + std::to_string(s.value) + ")";
          case AxisSize::Kind::parameterized:
            return "AxisSize(min " + std::to_string(s.min) + ", step " + std::to_string(s.step) + ")";
          case AxisSize::Kind::reference: break;
        }
        return "AxisSize(" + s.ref_tensor + "." + std::string(1, s.ref_axis) + " * " + std::to_string(s.factor) + " + " +
               std::to_string(s.offset) + ")";
      });

  py::class_<AxisSpec>(m, "AxisSpec", "One axis of a model tensor.")
      .def_property_readonly("id", [](const AxisSpec& a) { return std::string(1, a.id); })
      .def_property_readonly("type", [](const AxisSpec& a) { return model::axis_type_name(a.type); })
      .def_readonly("size", &AxisSpec::size)
      .def_readonly("halo", &AxisSpec::halo)
      .def_readonly("scale", &AxisSpec::scale)
      .def_readonly("unit", &AxisSpec::unit)
      .def_readonly("channel_names", &AxisSpec::channel_names)
      .def("__repr__", [](const AxisSpec& a) { return "AxisSpec(\"" + std::string(1, a.id) + "\", " + model::axis_type_name(a.type) + ")"; });

  py::class_<TensorSpec>(m, "TensorSpec", "One input or output of a model.")
      .def_readonly("id", &TensorSpec::id)
      .def_readonly("description", &TensorSpec::description)
      .def_property_readonly("axes", &TensorSpec::axes_string, "the axis letters, e.g. \"bcyx\"")
      .def_readonly("axis_specs", &TensorSpec::axes)
      .def_property_readonly("dtype", [](const TensorSpec& t) { return std::string(to_string(t.data_type)); })
      .def_property_readonly("preprocessing", [](const TensorSpec& t) { return op_ids(t.preprocessing); })
      .def_property_readonly("postprocessing", [](const TensorSpec& t) { return op_ids(t.postprocessing); })
      .def("__repr__", [](const TensorSpec& t) {
        return "TensorSpec(\"" + t.id + "\", \"" + t.axes_string() + "\", " + std::string(to_string(t.data_type)) + ")";
      });

  py::class_<ModelSpec>(m, "ModelSpec", "A bioimage.io model description, read-only.")
      .def_readonly("name", &ModelSpec::name)
      .def_readonly("id", &ModelSpec::id)
      .def_readonly("description", &ModelSpec::description)
      .def_readonly("format_version", &ModelSpec::format_version)
      .def_readonly("license", &ModelSpec::license)
      .def_readonly("version", &ModelSpec::version)
      .def_readonly("tags", &ModelSpec::tags)
      .def_readonly("inputs", &ModelSpec::inputs)
      .def_readonly("outputs", &ModelSpec::outputs)
      .def_property_readonly("weights_formats", [](const ModelSpec& s) {
        std::vector<std::string> formats;
        for (const WeightsSpec& w : s.weights) formats.push_back(w.format);
        return formats;
      });

  py::class_<ProgressEvent>(m, "ProgressEvent", "Given to a progress callback after each tile.")
      .def_readonly("tiles_done", &ProgressEvent::tiles_done)
      .def_readonly("tiles_total", &ProgressEvent::tiles_total)
      .def_readonly("elapsed_s", &ProgressEvent::elapsed_s)
      .def_readonly("eta_s", &ProgressEvent::eta_s)
      .def_readonly("finished", &ProgressEvent::finished)
      .def("__repr__", [](const ProgressEvent& e) {
        return "ProgressEvent(" + std::to_string(e.tiles_done) + "/" + std::to_string(e.tiles_total) + (e.finished ? ", finished)" : ")");
      });

  py::class_<Model>(m, "Model", "A bioimage.io model: a folder, .zip, rdf.yaml or bare weights file.")
      .def(py::init([](const std::filesystem::path& path, const std::string& input_name, const std::string& output_name) {
             py::gil_scoped_release released;
             return Model::open(path, {.input_name = input_name, .output_name = output_name});
           }),
           py::arg("path"), py::kw_only(), py::arg("input_name") = "", py::arg("output_name") = "",
           "input_name/output_name: a bare network's feed and fetch tensors, when its graph does not say (run's --input-name/--output-name)")
      .def_property_readonly("spec", &Model::spec, py::return_value_policy::reference_internal)
      .def_property_readonly("name", [](const Model& model) { return model.spec().name; })
      .def_property_readonly("inputs", [](const Model& model) { return model.spec().inputs; })
      .def_property_readonly("outputs", [](const Model& model) { return model.spec().outputs; })
      .def_property_readonly("halo", [](const Model& model) { return halo_of(model.spec()); },
                             "the rdf's halo per spatial axis, in output pixels (largest over outputs)")
      .def(
          "predict",
          [](const Model& model, const py::object& images, const py::object& axes, const std::string& weights, int threads,
             const std::string& precision, std::uint64_t memory, const std::map<std::string, std::int64_t>& tile,
             const std::map<std::string, std::int64_t>& halo, const std::string& pad, const std::string& statistics,
             py::object progress, py::object log) {
            PythonSession session(model, session_options(weights, threads, precision, memory, tile, halo, pad, statistics),
                                  std::move(progress), std::move(log));
            return session.predict(images, axes);
          },
          py::arg("image"), py::arg("axes") = py::none(), DEEPIMAGE_SESSION_ARGS,
          "Loads the weights and runs the model once; use a Session for repeated calls.")
      .def("__repr__", [](const Model& model) { return "deepimage.Model(\"" + model.spec().name + "\")"; });

  m.def(
      "measure_statistics",
      [](const Model& model, const py::object& images, const py::object& axes) {
        const python::PythonInputs in = python::python_inputs(model.spec(), images, axes);
        py::gil_scoped_release released;
        return measure_statistics(model, in.views);
      },
      py::arg("model"), py::arg("image"), py::arg("axes") = py::none(),
      "The whole image's normalisation statistics, as predict() measures them, as JSON text for statistics=.");

  py::class_<PythonObjects>(m, "Objects", "Labelled, measured objects: what find_objects() returns (see docs/objects.md).")
      .def_readonly("labels", &PythonObjects::labels, "uint32 labels, the probability's axes without c; 0 is background")
      .def_readonly("table", &PythonObjects::table, "one float64 array per column, a row per object (pandas.DataFrame(objects.table))")
      .def_property_readonly("count", [](const PythonObjects& o) { return o.report.object_count; })
      .def_property_readonly("threshold", [](const PythonObjects& o) { return o.report.threshold; })
      .def_property_readonly("otsu", [](const PythonObjects& o) { return o.report.otsu; })
      .def_property_readonly("star_convex", [](const PythonObjects& o) { return o.report.star_convex; })
      .def_property_readonly("nms", [](const PythonObjects& o) { return o.report.star_convex ? py::cast(o.report.nms) : py::none(); })
      .def_property_readonly("rules_from", [](const PythonObjects& o) { return o.report.rules_from.empty() ? py::none() : py::cast(o.report.rules_from); })
      .def_property_readonly("label_axes", [](const PythonObjects& o) { return o.report.label_axes; })
      .def_property_readonly("object_axes", [](const PythonObjects& o) { return o.report.object_axes; })
      .def("__repr__", [](const PythonObjects& o) {
        return "deepimage.Objects(" + std::to_string(o.report.object_count) + " objects, axes \"" + o.report.label_axes + "\")";
      });

  m.def(
      "find_objects",
      [](const py::array& probability, const py::object& axes, const py::object& intensity, const py::object& intensity_axes,
         const py::object& threshold, int channel, bool fill_holes, int connectivity, bool split, double split_depth,
         std::uint64_t min_size, std::uint64_t max_size, bool per_slice, std::optional<bool> star_convex, std::optional<double> nms,
         std::optional<std::array<double, 3>> anisotropy, const py::object& model) {
        ObjectRules rules;
        if (py::isinstance<py::str>(threshold)) {
          const auto text = threshold.cast<std::string>();
          if (!read_threshold(text, rules))
            throw Error(ErrorCode::invalid_argument, "threshold \"" + text + "\" is not a number or \"otsu\"");
        } else if (!threshold.is_none()) {
          rules.threshold = threshold.cast<double>();
        }
        rules.channel = channel;
        rules.fill_holes = fill_holes;
        rules.connectivity = connectivity;
        rules.split = split;
        rules.split_depth = split_depth;
        rules.min_size = min_size;
        rules.max_size = max_size;
        rules.per_slice = per_slice;
        rules.star_convex = star_convex;
        rules.nms = nms;
        rules.anisotropy = anisotropy;
        return find_objects_of_arrays(probability, axes, intensity, intensity_axes, rules, model);
      },
      py::arg("probability"), py::arg("axes") = py::none(), py::kw_only(), py::arg("intensity") = py::none(),
      py::arg("intensity_axes") = py::none(), py::arg("threshold") = py::none(), py::arg("channel") = 0, py::arg("fill_holes") = false,
      py::arg("connectivity") = 0, py::arg("split") = false, py::arg("split_depth") = 0.5, py::arg("min_size") = 0, py::arg("max_size") = 0,
      py::arg("per_slice") = false, py::arg("star_convex") = py::none(), py::arg("nms") = py::none(),
      py::arg("anisotropy") = py::none(), py::arg("model") = py::none(),
      "Objects in a probability map, as `deepimage objects` finds them: threshold (a number, its text, \"otsu\", or None: the StarDist "
      "model's, else 0.5), split, size filters, star-convex objects; measured under `intensity` when given.");

  py::class_<PythonSession>(m, "Session", "A model loaded once, for repeated predict() calls (see docs/python.md).")
      .def(py::init([](const Model& model, const std::string& weights, int threads, const std::string& precision,
                       std::uint64_t memory, const std::map<std::string, std::int64_t>& tile,
                       const std::map<std::string, std::int64_t>& halo, const std::string& pad,
                       const std::string& statistics, py::object progress, py::object log) {
             return std::make_unique<PythonSession>(model,
                                                    session_options(weights, threads, precision, memory, tile, halo, pad, statistics),
                                                    std::move(progress), std::move(log));
           }),
           py::arg("model"), DEEPIMAGE_SESSION_ARGS)
      .def("predict", &PythonSession::predict, py::arg("image"), py::arg("axes") = py::none(),
           "Runs the model on one array (or one per input); the GIL is released while it runs.")
      .def("tile_plan", &PythonSession::tile_plan, py::arg("image"), py::arg("axes") = py::none(),
           "The tiles predict() would run on this image, per tiled axis, without running them.")
      .def("cancel", &PythonSession::cancel, "From any thread: the running predict() stops before its next tile.")
      .def_property_readonly("model", &PythonSession::model)
      .def_property_readonly("spec", [](const PythonSession& s) -> const ModelSpec& { return s.session().spec(); },
                             py::return_value_policy::reference_internal)
      .def_property_readonly("weights_format", [](const PythonSession& s) { return s.session().weights_format(); });
}
