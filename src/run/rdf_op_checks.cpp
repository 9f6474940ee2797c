// Pre/post-processing checks: op names and kwarg names against the op registry (check_op_entry, in
// the document walk), and kwarg values by applying each op to a small tensor of the tensor's
// declared axes (check_ops_on_tensors, with the parsed model). The ops' own kwarg checks decide what
// is valid, so validate accepts exactly what `run` accepts.
#include <algorithm>
#include <map>
#include <regex>

#include "deepimage/error.hpp"
#include "model/spec_json.hpp"
#include "ops/op.hpp"
#include "run/validation.hpp"

namespace deepimage::run {
namespace {

std::string known_ops() {
  std::string known;
  for (const auto& op : ops::builtin_ops()) known += (known.empty() ? "" : ", ") + op.id;
  return known;
}

// The smallest sizes each tensor declares (batch 1); references follow their tensor's.
std::map<std::string, Shape> smallest_shapes(const ModelSpec& spec) {
  std::map<std::string, Shape> shapes;
  std::vector<const TensorSpec*> all;
  for (const auto& t : spec.inputs) all.push_back(&t);
  for (const auto& t : spec.outputs) all.push_back(&t);
  for (int round = 0; round < 2; ++round)  // references may point forwards
    for (const TensorSpec* t : all) {
      Shape shape;
      for (const auto& a : t->axes) {
        std::int64_t n = 1;
        if (a.type == AxisType::batch) n = 1;
        else if (a.size.kind == AxisSize::Kind::fixed) n = a.size.value;
        else if (a.size.kind == AxisSize::Kind::parameterized) n = a.size.min;
        else if (const auto ref = shapes.find(a.size.ref_tensor); ref != shapes.end()) {
          const TensorSpec* r = spec.input(a.size.ref_tensor) ? spec.input(a.size.ref_tensor) : spec.output(a.size.ref_tensor);
          for (std::size_t k = 0; r && k < r->axes.size(); ++k)
            if (r->axes[k].id == a.size.ref_axis)
              n = static_cast<std::int64_t>(static_cast<double>(ref->second[k]) * a.size.factor + a.size.offset);
        }
        shape.push_back(std::max<std::int64_t>(n, 1));
      }
      shapes[t->id] = shape;
    }
  return shapes;
}

// Values with a spread (distinct percentiles, non-zero std) in a fixed pattern.
Tensor ramp(const TensorSpec& t, const Shape& shape) {
  Tensor x(DType::f32, shape, t.axes_string());
  float* p = x.data<float>();
  for (std::int64_t i = 0; i < x.element_count(); ++i) p[i] = static_cast<float>((i * 7919) % 251) * 0.25f - 10.0f;
  return x;
}

}  // namespace

void check_op_entry(const RdfField& op, const char* id_key, bool is_preprocessing, RdfVersion version, Problems& problems) {
  if (!op.is_map()) {
    problems.error(op.path(), "expected a mapping, got " + shown(op.node()), std::string("{") + id_key + ", kwargs}");
    return;
  }
  const auto id = required(op, id_key, "the op's name, one of " + known_ops(), problems);
  if (!id || !check_text(*id, "the op's name", problems)) return;
  const ops::OpDeclaration* declaration = nullptr;
  try {
    declaration = &ops::find_op(id->text());
  } catch (const Error&) {
    problems.error(id->path(), "\"" + id->text() + "\" is not a known op", "one of " + known_ops());
    return;
  }
  if (version == RdfVersion::v05 && declaration->id != id->text())
    problems.error(id->path(), "\"" + id->text() + "\" is the 0.4 name", "the 0.5 id \"" + declaration->id + "\"");
  if (is_preprocessing && declaration->id == "scale_mean_variance")
    problems.error(id->path(), "scale_mean_variance in preprocessing", "scale_mean_variance is a postprocessing op in bioimage.io");
  const RdfField kwargs = op["kwargs"];
  if (!kwargs.present()) {
    for (const auto& p : declaration->params)
      if (p.required) problems.error(kwargs.child_path(p.name), "required kwarg is missing", p.summary);
    return;
  }
  if (!kwargs.is_map()) {
    problems.error(kwargs.path(), "expected a mapping, got " + shown(kwargs.node()), "{name: value, ...}");
    return;
  }
  std::string names;
  for (const auto& p : declaration->params) names += (names.empty() ? "" : ", ") + p.name;
  for (const auto& kv : kwargs.node()) {
    const std::string name = kv.first.Scalar();
    const auto& params = declaration->params;
    if (std::none_of(params.begin(), params.end(), [&](const ops::OpParam& p) { return p.name == name; }))
      problems.error(kwargs.child_path(name), "\"" + name + "\" is not a kwarg of " + declaration->id,
                     names.empty() ? declaration->id + " takes no kwargs" : "kwargs of " + declaration->id + ": " + names);
  }
  for (const auto& p : declaration->params)
    if (p.required && !kwargs.has(p.name)) problems.error(kwargs.child_path(p.name), "required kwarg is missing", p.summary);
}

void check_ops_on_tensors(const ModelSpec& spec, Problems& problems) {
  const auto shapes = smallest_shapes(spec);
  std::int64_t total = 0;
  for (const auto& [id, shape] : shapes) total += element_count(shape);
  if (total > (std::int64_t{1} << 26)) return;  // fixed sizes too large to try cheaply: checked when run
  std::map<std::string, Tensor> tensors;
  ops::OpContext context;
  for (const auto* list : {&spec.inputs, &spec.outputs})
    for (const auto& t : *list) tensors.emplace(t.id, ramp(t, shapes.at(t.id)));
  for (const auto& [id, tensor] : tensors) context.tensors[id] = &tensor;

  for (const bool is_input : {true, false}) {
    const auto& list = is_input ? spec.inputs : spec.outputs;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const TensorSpec& t = list[i];
      const auto& op_list = is_input ? t.preprocessing : t.postprocessing;
      const std::string prefix = std::string(is_input ? "inputs[" : "outputs[") + std::to_string(i) + "]." +
                                 (is_input ? "preprocessing" : "postprocessing");
      Tensor x = tensors.at(t.id);
      context.tensor_id = t.id;
      for (std::size_t j = 0; j < op_list.size(); ++j) {
        OpSpec op = op_list[j];
        // 0.4 per_dataset statistics come from all images of a run; here the kwargs are what is checked.
        if (nlohmann::json kwargs = kwargs_of(op); kwargs.is_object() && kwargs.value("mode", "") == "per_dataset") {
          kwargs["mode"] = "per_sample";
          set_kwargs(op, kwargs);
        }
        const std::string path = prefix + "[" + std::to_string(j) + "]";
        try {
          x = ops::apply_ops(std::move(x), {op}, context);
        } catch (const Error& e) {
          std::string message = e.what();
          std::smatch m;
          static const std::regex kwarg_name("kwarg \"([A-Za-z_0-9]+)\"");
          const std::string field = std::regex_search(message, m, kwarg_name) ? path + ".kwargs." + m[1].str() : path + ".kwargs";
          problems.error(field, message, "kwargs as `deepimage ops " + op.id + "` describes them");
          break;
        }
      }
    }
  }
}

}  // namespace deepimage::run
