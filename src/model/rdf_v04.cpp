// rdf 0.4 (and 0.3) tensors: axes as a letter string, sizes as per-axis lists.
#include <cmath>

#include "deepimage/error.hpp"
#include "model/rdf.hpp"
#include "model/rdf_versions.hpp"

namespace deepimage::model {
namespace {

// A per-axis list ("shape", "min", "step", "scale", "offset", "halo") of exactly `n` numbers.
std::vector<double> per_axis(const Fields& list, std::size_t n) {
  if (!list.is_list() || list.size() != n) list.fail("a list of " + std::to_string(n) + " numbers, one per axis");
  std::vector<double> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(list.at(i).as_double());
  return v;
}

std::int64_t whole(const Fields& list, std::size_t i, double v, std::int64_t min_value, const char* expected,
                   std::int64_t max_value = kMaxAxisSize) {
  if (v != std::floor(v) || v < static_cast<double>(min_value)) list.at(i).fail(expected);
  if (v > static_cast<double>(max_value)) list.at(i).fail(std::string(expected) + " of at most " + std::to_string(max_value));
  return static_cast<std::int64_t>(v);
}

TensorSpec read_tensor(const Fields& f, bool is_input) {
  TensorSpec t;
  t.id = f.required_text("name");
  t.description = f.text("description");
  const std::string letters = f.required_text("axes");
  for (std::size_t i = 0; i < letters.size(); ++i) {
    AxisSpec a;
    a.id = axis_letter(f.at("axes"), std::string(1, letters[i]));
    a.type = axis_type_of(a.id);
    t.axes.push_back(a);
  }
  const std::size_t n = t.axes.size();
  const Fields shape = f.at("shape");
  if (shape.is_list()) {
    const auto sizes = per_axis(shape, n);
    for (std::size_t i = 0; i < n; ++i) t.axes[i].size.value = whole(shape, i, sizes[i], 1, "a positive integer");
  } else if (shape.has("min")) {
    const Fields min = shape.at("min"), step = shape.at("step");
    const auto mins = per_axis(min, n), steps = per_axis(step, n);
    for (std::size_t i = 0; i < n; ++i) {
      auto& s = t.axes[i].size;
      s.kind = AxisSize::Kind::parameterized;
      s.min = whole(min, i, mins[i], 1, "a positive integer");
      s.step = whole(step, i, steps[i], 0, "a non-negative integer");
      if (s.step == 0) {  // a step of 0 is a fixed size
        s.kind = AxisSize::Kind::fixed;
        s.value = s.min;
      }
    }
  } else if (shape.has("reference_tensor") || shape.has("reference_input")) {
    const std::string ref = shape.has("reference_tensor") ? shape.text("reference_tensor") : shape.text("reference_input");
    const Fields scale = shape.at("scale");
    if (!scale.is_list() || scale.size() != n) scale.fail("a list of " + std::to_string(n) + " numbers or nulls, one per axis");
    const auto offsets = per_axis(shape.at("offset"), n);
    for (std::size_t i = 0; i < n; ++i) {
      auto& s = t.axes[i].size;
      const YAML::Node item = scale.node()[i];
      if (!item || item.IsNull()) {
        // A null scale is an axis the reference lacks, of length 2 * offset (the spec's
        // "expanded dimension"); it is not matched against the reference's axes.
        const double size = 2 * offsets[i];
        s.kind = AxisSize::Kind::fixed;
        s.value = whole(shape.at("offset"), i, size, 1, "an offset of at least 0.5 (a null scale makes an axis of 2 * offset)");
        continue;
      }
      s.kind = AxisSize::Kind::reference;
      s.ref_tensor = ref;
      s.ref_axis = t.axes[i].id;
      const double factor = scale.at(i).as_double();
      if (!std::isfinite(factor) || factor < 0 || factor > static_cast<double>(kMaxAxisSize))
        shape.at("scale").at(i).fail("a non-negative number of at most " + std::to_string(kMaxAxisSize));
      if (!(std::fabs(offsets[i]) <= static_cast<double>(kMaxAxisSize)))
        shape.at("offset").at(i).fail("a number between -" + std::to_string(kMaxAxisSize) + " and " + std::to_string(kMaxAxisSize));
      s.factor = factor;
      s.offset = 2 * offsets[i];  // 0.4: size = ref * scale + 2 * offset
    }
  } else {
    shape.fail("a list of sizes, {min, step} or {reference_tensor, scale, offset}");
  }
  if (f.has("halo")) {
    const auto halo = per_axis(f.at("halo"), n);
    for (std::size_t i = 0; i < n; ++i) t.axes[i].halo = whole(f.at("halo"), i, halo[i], 0, "a non-negative integer", kMaxHalo);
  }
  if (f.has("data_type")) {
    try {
      t.data_type = dtype_from_string(f.text("data_type"));
    } catch (const Error&) {
      f.at("data_type").fail("a data type such as float32 or uint8");
    }
  }
  if (f.has("data_range") && f.at("data_range").size() == 2) {
    const auto r = per_axis(f.at("data_range"), 2);
    if (std::isfinite(r[0]) && std::isfinite(r[1])) t.data_range = std::make_pair(r[0], r[1]);
  }
  const char* ops_key = is_input ? "preprocessing" : "postprocessing";
  if (f.has(ops_key)) (is_input ? t.preprocessing : t.postprocessing) = read_ops(f.at(ops_key), "name");
  return t;
}

void attach_files(const Fields& root, const char* key, std::vector<TensorSpec>& tensors,
                  std::string TensorSpec::*field) {
  const auto files = root.texts(key);
  for (std::size_t i = 0; i < files.size() && i < tensors.size(); ++i) tensors[i].*field = files[i];
}

}  // namespace

void read_tensors_v04(const Fields& root, ModelSpec& spec) {
  const Fields inputs = root.at("inputs"), outputs = root.at("outputs");
  if (inputs.size() == 0) inputs.fail("a non-empty list of input tensors");
  if (outputs.size() == 0) outputs.fail("a non-empty list of output tensors");
  for (std::size_t i = 0; i < inputs.size(); ++i) spec.inputs.push_back(read_tensor(inputs.at(i), true));
  for (std::size_t i = 0; i < outputs.size(); ++i) spec.outputs.push_back(read_tensor(outputs.at(i), false));
  attach_files(root, "test_inputs", spec.inputs, &TensorSpec::test_tensor);
  attach_files(root, "test_outputs", spec.outputs, &TensorSpec::test_tensor);
  attach_files(root, "sample_inputs", spec.inputs, &TensorSpec::sample_tensor);
  attach_files(root, "sample_outputs", spec.outputs, &TensorSpec::sample_tensor);
  for (auto* list : {&spec.inputs, &spec.outputs})
    for (const auto& t : *list)
      for (const auto& a : t.axes)
        if (a.size.kind == AxisSize::Kind::reference && !spec.input(a.size.ref_tensor) && !spec.output(a.size.ref_tensor))
          throw Error(ErrorCode::bad_model, root.source() + ": tensor \"" + t.id + "\" shape refers to \"" +
                                                a.size.ref_tensor + "\", which is not a tensor of this model");
}

}  // namespace deepimage::model
