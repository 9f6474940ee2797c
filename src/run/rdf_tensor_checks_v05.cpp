// check_tensors_v05: rdf 0.5 inputs and outputs. Axis rules (bioimage.io spec 0.5):
//   type batch | channel | index | time | space; ids unique in a tensor; one batch, channel and index
//   axis at most; batch size absent or 1; channel axes name their channels; other axes have a size:
//     n (> 0)  |  {min > 0, step > 0}: min + k * step  |  {tensor_id, axis_id, offset}: the size of an
//     axis of fixed or {min, step} size (inputs refer to inputs only), * ref scale / scale + offset;
//   halo (outputs, per side) leaves at least 1 pixel of the smallest size: min - 2 * halo >= 1.
#include <map>
#include <set>

#include "deepimage/dtype.hpp"
#include "deepimage/error.hpp"
#include "run/validation.hpp"

namespace deepimage::run {
namespace {

struct AxisFacts {
  std::string type;
  RdfField field;
  bool independent = false;     // fixed or {min, step}: may be referred to
  std::optional<double> min_size;  // smallest size when known
  double scale = 1.0;
  std::string unit;
};

struct TensorFacts {
  bool is_input = false;
  std::string path;
  std::map<std::string, AxisFacts> axes;  // by id
  std::vector<std::string> ids;           // in order
};

const std::set<std::string> kAxisTypes = {"batch", "channel", "index", "time", "space"};

void check_size(const RdfField& size, AxisFacts& facts, Problems& problems) {
  if (size.is_scalar()) {
    const auto n = size.integer();
    if (!n || *n < 1) {
      problems.error(size.path(), "expected a positive integer, got " + shown(size.node()),
                     "a fixed size n > 0, {min, step} or {tensor_id, axis_id, offset}");
      return;
    }
    facts.independent = true;
    facts.min_size = static_cast<double>(*n);
    return;
  }
  if (!size.is_map()) {
    problems.error(size.path(), "expected a size, got " + shown(size.node()), "n, {min, step} or {tensor_id, axis_id, offset}");
    return;
  }
  if (size.has("tensor_id") || size.has("axis_id")) {
    required(size, "tensor_id", "the id of the tensor whose axis gives this size", problems);
    required(size, "axis_id", "the id of the axis that gives this size", problems);
    const RdfField offset = size["offset"];
    if (offset.present() && !offset.integer())
      problems.error(offset.path(), "expected an integer, got " + shown(offset.node()), "a whole number of pixels added to the referenced size");
    return;  // resolved once every tensor is known
  }
  if (size.has("max") || (size.has("min") && !size.has("step"))) {
    problems.warning(size.path(), "a size that depends on the data ({min, max})",
                     "deepimage runs models whose output sizes follow from the input's");
    return;
  }
  const RdfField min = size["min"], step = size["step"];
  if (!min.present()) problems.error(min.path(), "required field is missing", "the smallest size, > 0");
  else if (!min.integer() || *min.integer() < 1)
    problems.error(min.path(), "expected a positive integer, got " + shown(min.node()), "the smallest size, > 0");
  if (!step.present()) problems.error(step.path(), "required field is missing", "the size increment, > 0 (sizes are min + n * step)");
  else if (!step.integer() || *step.integer() < 0)
    problems.error(step.path(), "expected a positive integer, got " + shown(step.node()), "the size increment, > 0 (sizes are min + n * step)");
  else if (*step.integer() == 0)
    problems.warning(step.path(), "a step of 0 (the size is fixed at min)", "a positive step, or a fixed size n");
  if (min.integer() && *min.integer() >= 1) {
    facts.independent = true;
    facts.min_size = static_cast<double>(*min.integer());
  }
}

void check_axis(const RdfField& axis, bool is_input, TensorFacts& tensor, std::set<std::string>& seen_types, Problems& problems) {
  if (!axis.is_map()) {
    problems.error(axis.path(), "expected a mapping, got " + shown(axis.node()), "{type, id, size, ...}");
    return;
  }
  const auto type_field = required(axis, "type", "one of batch, channel, index, time, space", problems);
  if (!type_field) return;
  const std::string type = type_field->text();
  if (!kAxisTypes.count(type)) {
    problems.error(type_field->path(), "\"" + type + "\" is not an axis type", "one of batch, channel, index, time, space");
    return;
  }
  if (type != "space" && type != "time" && !seen_types.insert(type).second)
    problems.error(type_field->path(), "a second " + type + " axis", "at most one batch, channel and index axis per tensor");
  const RdfField id_field = axis["id"];
  const std::string id = id_field.present() ? id_field.text() : (type == "space" ? "x" : type);
  if (id_field.present() && (!id_field.is_scalar() || id.empty()))
    problems.error(id_field.path(), "expected an axis id, got " + shown(id_field.node()), "a short lower-case name such as y");
  if (type == "batch" && id != "batch")
    problems.error(id_field.path(), "a batch axis with id \"" + id + "\"", "batch (or no id)");
  if (tensor.axes.count(id)) {
    problems.error(id_field.present() ? id_field.path() : axis.path(), "axis id \"" + id + "\" appears twice in this tensor",
                   "ids unique within a tensor (a space axis without id is \"x\")");
    return;
  }
  AxisFacts facts{.type = type, .field = axis, .independent = false, .min_size = std::nullopt, .scale = 1.0, .unit = {}};
  const RdfField size = axis["size"];
  if (type == "batch") {
    if (size.present() && size.integer() != std::optional<std::int64_t>(1))
      problems.error(size.path(), "expected 1 or nothing, got " + shown(size.node()), "no size (any batch) or 1");
  } else if (type == "channel") {
    const RdfField names = axis["channel_names"];
    if (!names.present()) {
      if (!size.present()) problems.error(names.path(), "required field is missing", "a list of channel names, one per channel");
    } else if (!names.is_list() || names.size() == 0) {
      problems.error(names.path(), "expected a non-empty list, got " + shown(names.node()), "a list of channel names, one per channel");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < names.size(); ++i)
        if (!seen.insert(names[i].text()).second)
          problems.error(names[i].path(), "channel name \"" + names[i].text() + "\" appears twice", "a distinct name per channel");
      facts.independent = true;
      facts.min_size = static_cast<double>(names.size());
    }
    if (size.present()) check_size(size, facts, problems);
  } else if (!size.present()) {
    problems.error(size.path(), "required field is missing", "a fixed size n > 0, {min, step} or {tensor_id, axis_id, offset}");
  } else {
    check_size(size, facts, problems);
  }
  const RdfField halo = axis["halo"];
  if (halo.present()) {
    if (is_input)
      problems.error(halo.path(), "a halo on an input axis", "halos belong on output axes (the pixels to crop from each side)");
    else if (type != "space" && type != "time")
      problems.error(halo.path(), "a halo on a " + type + " axis", "halos on space or time axes only");
    else if (!halo.integer() || *halo.integer() < 0 || *halo.integer() > kMaxHalo)
      problems.error(halo.path(), "expected a non-negative integer, got " + shown(halo.node()),
                     "the pixels to crop from each side, 0.." + std::to_string(kMaxHalo));
  }
  const RdfField scale = axis["scale"];
  if (scale.present()) {
    const auto s = scale.number();
    if (!s || !(*s > 0) || *s == std::numeric_limits<double>::infinity())
      problems.error(scale.path(), "expected a positive number, got " + shown(scale.node()), "the physical size of a pixel, > 0");
    else facts.scale = *s;
    if (type == "batch" || type == "channel" || type == "index")
      problems.error(scale.path(), "a scale on a " + type + " axis", "scales on space and time axes only");
  }
  facts.unit = axis["unit"].text();
  tensor.ids.push_back(id);
  tensor.axes.emplace(id, std::move(facts));
}

// Sizes that refer to other axes, and halos against the smallest size, once every tensor is known.
void check_references(const std::map<std::string, TensorFacts>& tensors, Problems& problems) {
  for (const auto& [tensor_id, tensor] : tensors) {
    for (const auto& axis_id : tensor.ids) {
      const AxisFacts& a = tensor.axes.at(axis_id);
      const RdfField size = a.field["size"];
      std::optional<double> min_size = a.min_size;
      if (size.is_map() && size.has("tensor_id") && size.has("axis_id")) {
        const std::string ref_tensor = size["tensor_id"].text(), ref_axis = size["axis_id"].text();
        const auto t = tensors.find(ref_tensor);
        if (t == tensors.end()) {
          problems.error(size.child_path("tensor_id"), "\"" + ref_tensor + "\" is not a tensor of this model", "the id of an input or output");
          continue;
        }
        const auto r = t->second.axes.find(ref_axis);
        if (r == t->second.axes.end()) {
          std::string ids;
          for (const auto& i : t->second.ids) ids += (ids.empty() ? "" : ", ") + i;
          problems.error(size.child_path("axis_id"), "tensor \"" + ref_tensor + "\" has no axis \"" + ref_axis + "\"", "one of its axes: " + ids);
          continue;
        }
        if (ref_tensor == tensor_id && ref_axis == axis_id) {
          problems.error(size.path(), "the axis refers to itself", "another axis, of fixed or {min, step} size");
          continue;
        }
        if (tensor.is_input && !t->second.is_input)
          problems.error(size.child_path("tensor_id"), "an input's size refers to output \"" + ref_tensor + "\"", "an input's axis");
        if (!r->second.independent) {
          if (r->second.type == "batch")
            problems.error(size.path(), "refers to batch axis \"" + ref_axis + "\"", "an axis of fixed or {min, step} size; batch axes may not be referred to");
          else if (r->second.field["size"].is_map() && r->second.field["size"].has("tensor_id"))
            problems.error(size.path(), "refers to \"" + ref_tensor + "." + ref_axis + "\", whose size is itself a reference",
                           "an axis of fixed or {min, step} size");
          continue;
        }
        if (a.unit != r->second.unit)
          problems.error(size.path(), "unit \"" + a.unit + "\" differs from the referenced axis' \"" + r->second.unit + "\"",
                         "the same unit (or none) on both axes");
        const auto offset = size["offset"].integer();
        if (r->second.min_size) min_size = *r->second.min_size * r->second.scale / a.scale + static_cast<double>(offset.value_or(0));
        if (min_size && *min_size < 1)
          problems.error(size.path(), "the smallest size this gives is " + std::to_string(static_cast<long long>(*min_size)),
                         "an offset that leaves at least one pixel");
      }
      const RdfField halo = a.field["halo"];
      const auto h = halo.integer();
      if (!tensor.is_input && h && *h > 0 && min_size && *min_size - 2 * static_cast<double>(*h) < 1)
        problems.error(halo.path(), "halo " + std::to_string(*h) + " leaves nothing of the smallest size " +
                                        std::to_string(static_cast<long long>(*min_size)) + " (" +
                                        std::to_string(static_cast<long long>(*min_size)) + " - 2 * " + std::to_string(*h) + " < 1)",
                       "a halo below half the smallest size");
    }
  }
}

void check_data(const RdfField& data, std::size_t channel_count, Problems& problems) {
  if (!data.present()) return;
  const auto one = [&](const RdfField& d) -> std::string {
    if (!d.is_map()) {
      problems.error(d.path(), "expected a mapping, got " + shown(d.node()), "{type, range, unit, ...}");
      return "";
    }
    const RdfField type = d["type"];
    if (type.present()) {
      try {
        dtype_from_string(type.text());
      } catch (const Error&) {
        problems.error(type.path(), "\"" + type.text() + "\" is not a data type",
                       "float32, float64, uint8, int8, uint16, int16, uint32, int32, uint64, int64 or bool");
      }
    }
    const RdfField range = d["range"];
    if (range.present()) {
      if (!range.is_list() || range.size() != 2) {
        problems.error(range.path(), "expected [min, max], got " + shown(range.node()), "two numbers, either may be null");
      } else {
        for (std::size_t i = 0; i < 2; ++i)
          if (range[i].present() && !range[i].number())
            problems.error(range[i].path(), "expected a number or null, got " + shown(range[i].node()), "a number, or null for no bound");
        if (range[0].number() && range[1].number() && *range[0].number() > *range[1].number())
          problems.error(range.path(), "the minimum " + range[0].text() + " is above the maximum " + range[1].text(), "[min, max] with min <= max");
      }
    }
    return type.present() ? type.text() : "float32";
  };
  if (!data.is_list()) {
    one(data);
    return;
  }
  std::set<std::string> types;
  for (std::size_t i = 0; i < data.size(); ++i) types.insert(one(data[i]));
  if (types.size() > 1) problems.error(data.path(), "per-channel descriptions of different data types", "one data type for all channels");
  if (channel_count && data.size() != channel_count)
    problems.error(data.path(), "a list of " + std::to_string(data.size()) + " data descriptions for " + std::to_string(channel_count) + " channels",
                   "one description, or one per channel");
}

// Axis ids and tensor ids named in kwargs: they must exist.
void check_kwarg_names(const RdfField& op, const TensorFacts& tensor, const std::map<std::string, TensorFacts>& tensors,
                       bool is_preprocessing, Problems& problems) {
  const RdfField kwargs = op["kwargs"];
  const auto check_axis_id = [&](const RdfField& f) {
    if (!tensor.axes.count(f.text())) {
      std::string ids;
      for (const auto& i : tensor.ids) ids += (ids.empty() ? "" : ", ") + i;
      problems.error(f.path(), "\"" + f.text() + "\" is not an axis of this tensor", "one of its axis ids: " + ids);
    }
  };
  const RdfField axes = kwargs["axes"];
  if (axes.is_list())
    for (std::size_t i = 0; i < axes.size(); ++i) check_axis_id(axes[i]);
  else if (axes.present())
    problems.error(axes.path(), "expected a list of axis ids, got " + shown(axes.node()), "a list such as [y, x] (0.4's \"yx\" strings are 0.4 only)");
  if (kwargs["axis"].present()) check_axis_id(kwargs["axis"]);
  const RdfField ref = kwargs["reference_tensor"];
  if (ref.present()) {
    const auto t = tensors.find(ref.text());
    if (t == tensors.end() || (is_preprocessing && !t->second.is_input))
      problems.error(ref.path(), "\"" + ref.text() + "\" is not " + (is_preprocessing ? "an input" : "a tensor") + " of this model",
                     is_preprocessing ? "the id of an input" : "the id of an input or output");
  }
}

}  // namespace

void check_tensors_v05(const RdfField& root, const model::Bundle& bundle, Problems& problems) {
  std::map<std::string, TensorFacts> tensors;
  std::vector<std::pair<RdfField, std::string>> tensor_fields;  // for the op checks, after all ids are known
  for (const bool is_input : {true, false}) {
    const char* key = is_input ? "inputs" : "outputs";
    const auto list = required(root, key, std::string("a list of ") + (is_input ? "input" : "output") + " tensor descriptions", problems);
    if (!list) continue;
    if (!list->is_list() || list->size() == 0) {
      problems.error(list->path(), "expected a non-empty list, got " + shown(list->node()), "a list of {id, axes, test_tensor, ...}");
      continue;
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const RdfField t = (*list)[i];
      if (!t.is_map()) {
        problems.error(t.path(), "expected a mapping, got " + shown(t.node()), "{id, axes, test_tensor, ...}");
        continue;
      }
      const auto id_field = required(t, "id", "a tensor id unique among inputs and outputs", problems);
      std::string id = id_field && check_text(*id_field, "a tensor id", problems) ? id_field->text() : t.path();
      if (tensors.count(id)) {
        problems.error(id_field->path(), "tensor id \"" + id + "\" is also " + tensors.at(id).path + "'s", "ids unique among all inputs and outputs");
        id = t.path();
      }
      TensorFacts facts{.is_input = is_input, .path = t.path(), .axes = {}, .ids = {}};
      const auto axes = required(t, "axes", "a list of axis descriptions", problems);
      std::size_t channel_count = 0;
      if (axes && (!axes->is_list() || axes->size() == 0)) {
        problems.error(axes->path(), "expected a non-empty list, got " + shown(axes->node()), "a list of {type, id, size, ...}");
      } else if (axes) {
        std::set<std::string> seen_types;
        for (std::size_t k = 0; k < axes->size(); ++k) check_axis((*axes)[k], is_input, facts, seen_types, problems);
        for (const auto& [aid, a] : facts.axes)
          if (a.type == "channel" && a.min_size) channel_count = static_cast<std::size_t>(*a.min_size);
      }
      check_data(t["data"], channel_count, problems);
      if (auto test = required(t, "test_tensor", "{source: test_" + std::string(is_input ? "input" : "output") + ".npy, sha256: ...}", problems)) {
        if (auto source = required(*test, "source", "a .npy file in the bundle", problems)) {
          check_file(*source, bundle, problems, (*test)["sha256"], test->child_path("sha256"), true);
          const std::string name = source->text();
          if (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0)
            problems.error(source->path(), "\"" + name + "\" is not a .npy file", "test tensors are numpy .npy files");
        }
      }
      const RdfField sample = t["sample_tensor"];
      if (sample.present()) {
        if (auto source = required(sample, "source", "an image file in the bundle", problems))
          check_file(*source, bundle, problems, sample["sha256"], sample.child_path("sha256"), true);
      }
      const char* wrong_ops = is_input ? "postprocessing" : "preprocessing";
      if (t.has(wrong_ops))
        problems.error(t.child_path(wrong_ops), std::string(is_input ? "an input" : "an output") + " with " + wrong_ops,
                       is_input ? "preprocessing on inputs" : "postprocessing on outputs");
      if (!is_input && t.has("optional"))
        problems.error(t.child_path("optional"), "an optional output", "optional: true on inputs only");
      tensors.emplace(id, std::move(facts));
      tensor_fields.emplace_back(t, id);
    }
  }
  check_references(tensors, problems);
  for (const auto& [t, id] : tensor_fields) {
    const bool is_input = tensors.at(id).is_input;
    const RdfField ops = t[is_input ? "preprocessing" : "postprocessing"];
    if (!ops.present()) continue;
    if (!ops.is_list()) {
      problems.error(ops.path(), "expected a list, got " + shown(ops.node()), "a list of {id, kwargs}");
      continue;
    }
    for (std::size_t j = 0; j < ops.size(); ++j) {
      check_op_entry(ops[j], "id", is_input, RdfVersion::v05, problems);
      check_kwarg_names(ops[j], tensors.at(id), tensors, is_input, problems);
    }
  }
}

}  // namespace deepimage::run
