// check_test_tensors: each test tensor has the declared number of axes, a size along each that its
// size rule allows (fixed, min + n * step, or its reference's size * factor + offset, with the sizes
// of the other test tensors), and the declared data type.
#include <cmath>
#include <map>

#include "deepimage/error.hpp"
#include "io/npy.hpp"
#include "run/validation.hpp"

namespace deepimage::run {
namespace {

std::string field_of(RdfVersion version, bool is_input, std::size_t i) {
  if (version == RdfVersion::v05) return std::string(is_input ? "inputs[" : "outputs[") + std::to_string(i) + "].test_tensor.source";
  return std::string(is_input ? "test_inputs[" : "test_outputs[") + std::to_string(i) + "]";
}

struct Loaded {
  std::string field;
  io::NpyHeader header;
};

}  // namespace

void check_test_tensors(const ModelSpec& spec, RdfVersion version, const model::Bundle& bundle, Problems& problems) {
  std::map<std::string, Loaded> loaded;  // by tensor id
  for (const bool is_input : {true, false}) {
    const auto& list = is_input ? spec.inputs : spec.outputs;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const TensorSpec& t = list[i];
      if (t.test_tensor.empty() || t.test_tensor.rfind("http", 0) == 0 || !bundle.contains(t.test_tensor)) continue;
      const std::string field = field_of(version, is_input, i);
      try {
        const auto bytes = bundle.read(t.test_tensor);
        loaded[t.id] = {field, io::read_npy_header(bytes, t.test_tensor)};
      } catch (const Error& e) {
        problems.error(field, e.what(), "a numpy .npy file");
      }
    }
  }
  for (const auto* list : {&spec.inputs, &spec.outputs})
    for (const TensorSpec& t : *list) {
      const auto it = loaded.find(t.id);
      if (it == loaded.end()) continue;
      const auto& [field, header] = it->second;
      const std::string shape_text = shape_to_string(header.shape);
      if (header.shape.size() != t.axes.size()) {
        problems.error(field, "\"" + t.test_tensor + "\" has " + std::to_string(header.shape.size()) + " axes " + shape_text + ", the tensor \"" +
                                  t.id + "\" " + std::to_string(t.axes.size()) + " (" + t.axes_string() + ")",
                       "a test tensor with one axis per declared axis, in order");
        continue;
      }
      if (header.dtype != t.data_type)
        problems.error(field, "\"" + t.test_tensor + "\" holds " + std::string(to_string(header.dtype)) + ", the tensor \"" + t.id +
                                  "\" declares " + std::string(to_string(t.data_type)),
                       "test tensors of the declared data type");
      for (std::size_t k = 0; k < t.axes.size(); ++k) {
        const AxisSpec& a = t.axes[k];
        const std::int64_t n = header.shape[k];
        const std::string along = "\"" + t.test_tensor + "\" " + shape_text + ": size " + std::to_string(n) + " along \"" +
                                  std::string(1, a.id) + "\" ";
        if (a.type == AxisType::batch) continue;
        if (a.size.kind == AxisSize::Kind::fixed && n != a.size.value) {
          problems.error(field, along + "is not the fixed size " + std::to_string(a.size.value), "test tensors of sizes the rdf allows");
        } else if (a.size.kind == AxisSize::Kind::parameterized &&
                   (n < a.size.min || (a.size.step == 0 ? n != a.size.min : (n - a.size.min) % a.size.step != 0))) {
          problems.error(field, along + "is not " + std::to_string(a.size.min) + " + n * " + std::to_string(a.size.step),
                         "test tensors of sizes the rdf allows");
        } else if (a.size.kind == AxisSize::Kind::reference) {
          const TensorSpec* r = spec.input(a.size.ref_tensor) ? spec.input(a.size.ref_tensor) : spec.output(a.size.ref_tensor);
          const auto ref = loaded.find(a.size.ref_tensor);
          if (!r || ref == loaded.end()) continue;
          for (std::size_t m = 0; m < r->axes.size() && m < ref->second.header.shape.size(); ++m) {
            if (r->axes[m].id != a.size.ref_axis) continue;
            const double expected = std::floor(static_cast<double>(ref->second.header.shape[m]) * a.size.factor + a.size.offset);
            if (static_cast<double>(n) != expected)
              problems.error(field, along + "is not " + std::to_string(static_cast<long long>(expected)) + ", what \"" + a.size.ref_tensor +
                                        "\"'s test size " + std::to_string(ref->second.header.shape[m]) + " along \"" +
                                        std::string(1, a.size.ref_axis) + "\" gives",
                             "test tensors of sizes the rdf allows");
          }
        }
      }
    }
}

}  // namespace deepimage::run
