// check_tensors_v04: rdf 0.4 (and 0.3) inputs and outputs. Axis rules (bioimage.io spec 0.4):
//   axes a string of distinct letters from b, i, t, c, z, y, x; data_type required;
//   shape [n, ...] (> 0) | inputs {min: [...] > 0, step: [...] >= 0} | outputs {reference_tensor,
//     scale: [...] (null: a new axis of 2 * offset), offset: [...] (multiples of 0.5)}, one per axis;
//   halo (outputs) per axis, with min - 2 * halo >= 1;
//   test_inputs / test_outputs: one .npy per tensor; sample_inputs / sample_outputs likewise.
#include <cmath>
#include <map>
#include <set>

#include "deepimage/dtype.hpp"
#include "deepimage/error.hpp"
#include "run/validation.hpp"

namespace deepimage::run {
namespace {

struct TensorFacts {
  bool is_input = false;
  std::string axes;
  std::vector<std::optional<double>> min_sizes;  // per axis, when known
  RdfField field;
};

// A list of `n` numbers; false (with a problem) otherwise.
bool per_axis_list(const RdfField& list, std::size_t n, const std::string& hint, Problems& problems) {
  if (!list.is_list() || list.size() != n) {
    problems.error(list.path(), "expected a list of " + std::to_string(n) + " (one per axis), got " + shown(list.node()), hint);
    return false;
  }
  return true;
}

void check_shape(const RdfField& t, TensorFacts& facts, Problems& problems) {
  const std::size_t n = facts.axes.size();
  facts.min_sizes.assign(n, std::nullopt);
  const auto shape = required(t, "shape", "[n, ...], {min, step} or {reference_tensor, scale, offset}", problems);
  if (!shape || n == 0) return;
  if (shape->is_list()) {
    if (!per_axis_list(*shape, n, "one positive size per axis", problems)) return;
    for (std::size_t i = 0; i < n; ++i) {
      const auto v = (*shape)[i].integer();
      if (!v || *v < 1) problems.error((*shape)[i].path(), "expected a positive integer, got " + shown((*shape)[i].node()), "a size > 0");
      else facts.min_sizes[i] = static_cast<double>(*v);
    }
    return;
  }
  if (!shape->is_map()) {
    problems.error(shape->path(), "expected a shape, got " + shown(shape->node()), "[n, ...], {min, step} or {reference_tensor, scale, offset}");
    return;
  }
  if (shape->has("min") || shape->has("step")) {
    if (!facts.is_input)
      problems.error(shape->path(), "an output shape of {min, step}", "outputs: [n, ...] or {reference_tensor, scale, offset}");
    const auto min = required(*shape, "min", "the smallest size per axis", problems);
    const auto step = required(*shape, "step", "the size increment per axis (0: fixed)", problems);
    if (min && per_axis_list(*min, n, "one smallest size (> 0) per axis", problems))
      for (std::size_t i = 0; i < n; ++i) {
        const auto v = (*min)[i].integer();
        if (!v || *v < 1) problems.error((*min)[i].path(), "expected a positive integer, got " + shown((*min)[i].node()), "a size > 0");
        else facts.min_sizes[i] = static_cast<double>(*v);
      }
    if (step && per_axis_list(*step, n, "one step (>= 0) per axis", problems))
      for (std::size_t i = 0; i < n; ++i) {
        const auto v = (*step)[i].integer();
        if (!v || *v < 0)
          problems.error((*step)[i].path(), "expected a non-negative integer, got " + shown((*step)[i].node()), "a step >= 0 (0: fixed at min)");
      }
    return;
  }
  const bool v03_name = shape->has("reference_input");
  if (shape->has("reference_tensor") || v03_name) {
    if (facts.is_input)
      problems.error(shape->path(), "an input shape that refers to another tensor", "inputs: [n, ...] or {min, step}");
    const auto scale = required(*shape, "scale", "one factor per axis (null: a new axis)", problems);
    const auto offset = required(*shape, "offset", "one offset per axis", problems);
    if (scale && per_axis_list(*scale, n, "one factor per axis, or null for a new axis", problems))
      for (std::size_t i = 0; i < n; ++i) {
        const RdfField s = (*scale)[i];
        if (s.present() && (!s.number() || *s.number() < 0))
          problems.error(s.path(), "expected a non-negative number or null, got " + shown(s.node()), "the size factor along this axis");
      }
    if (offset && per_axis_list(*offset, n, "one offset per axis", problems))
      for (std::size_t i = 0; i < n; ++i) {
        const auto o = (*offset)[i].number();
        if (!o || 2 * *o != std::floor(2 * *o))
          problems.error((*offset)[i].path(), "expected a multiple of 0.5, got " + shown((*offset)[i].node()),
                         "the pixels added on each side (sizes are ref * scale + 2 * offset)");
      }
    return;  // minimum sizes resolved with the referenced tensor
  }
  problems.error(shape->path(), "expected a shape, got " + shown(shape->node()), "[n, ...], {min, step} or {reference_tensor, scale, offset}");
}

void check_tensor(const RdfField& t, TensorFacts& facts, Problems& problems) {
  static const std::string kLetters = "bitczyx";
  if (auto axes = required(t, "axes", "the axis letters, e.g. bcyx", problems); axes && check_text(*axes, "axis letters such as bcyx", problems)) {
    std::set<char> seen;
    for (char c : axes->text()) {
      if (kLetters.find(c) == std::string::npos)
        problems.error(axes->path(), "\"" + std::string(1, c) + "\" in \"" + axes->text() + "\" is not an axis letter", "letters from b, i, t, c, z, y, x");
      else if (!seen.insert(c).second)
        problems.error(axes->path(), "\"" + std::string(1, c) + "\" appears twice in \"" + axes->text() + "\"", "each axis letter once");
    }
    facts.axes = axes->text();
  }
  if (auto dt = required(t, "data_type", "the element type, e.g. float32", problems)) {
    try {
      dtype_from_string(dt->text());
    } catch (const Error&) {
      problems.error(dt->path(), "\"" + dt->text() + "\" is not a data type",
                     "float32, float64, uint8, int8, uint16, int16, uint32, int32, uint64, int64 or bool");
    }
  }
  const RdfField range = t["data_range"];
  if (range.present() && (!range.is_list() || range.size() != 2 || !range[0].number() || !range[1].number()))
    problems.error(range.path(), "expected [min, max], got " + shown(range.node()), "two numbers (.inf for no bound)");
  check_shape(t, facts, problems);
  const RdfField halo = t["halo"];
  if (halo.present()) {
    if (facts.is_input) problems.error(halo.path(), "a halo on an input", "halos belong on outputs (the pixels to crop from each side)");
    else if (per_axis_list(halo, facts.axes.size(), "one halo per axis", problems))
      for (std::size_t i = 0; i < halo.size(); ++i) {
        const auto h = halo[i].integer();
        if (!h || *h < 0 || *h > kMaxHalo)
          problems.error(halo[i].path(), "expected a non-negative integer, got " + shown(halo[i].node()),
                         "the pixels to crop from each side, 0.." + std::to_string(kMaxHalo));
      }
  }
}

// Reference shapes and halos against the smallest sizes, once every tensor is known.
void check_references(std::map<std::string, TensorFacts>& tensors, Problems& problems) {
  for (auto& [id, t] : tensors) {
    const RdfField shape = t.field["shape"];
    if (shape.is_map() && (shape.has("reference_tensor") || shape.has("reference_input"))) {
      const RdfField ref = shape.has("reference_tensor") ? shape["reference_tensor"] : shape["reference_input"];
      const auto r = tensors.find(ref.text());
      if (r == tensors.end()) {
        problems.error(ref.path(), "\"" + ref.text() + "\" is not a tensor of this model", "the name of an input");
      } else if (r->second.axes.size() == t.axes.size() && shape["scale"].size() == t.axes.size() && shape["offset"].size() == t.axes.size()) {
        for (std::size_t i = 0; i < t.axes.size(); ++i) {
          const auto offset = shape["offset"][i].number();
          const RdfField scale = shape["scale"][i];
          if (!offset) continue;
          if (!scale.present()) t.min_sizes[i] = 2 * *offset;
          else if (scale.number() && r->second.min_sizes[i]) t.min_sizes[i] = *r->second.min_sizes[i] * *scale.number() + 2 * *offset;
        }
      }
    }
    const RdfField halo = t.field["halo"];
    if (t.is_input || !halo.is_list() || halo.size() != t.axes.size()) continue;
    for (std::size_t i = 0; i < halo.size(); ++i) {
      const auto h = halo[i].integer();
      const auto min_size = t.min_sizes[i];
      // A rule of 0.5: published 0.4 and 0.3 bundles break it (DeepImageJ's pancreatic U-Net: halo 47,
      // min 8) and run with larger tiles, so for them it is a warning.
      if (h && *h > 0 && min_size && *min_size - 2 * static_cast<double>(*h) < 1)
        problems.warning(halo[i].path(), "halo " + std::to_string(*h) + " along \"" + std::string(1, t.axes[i]) +
                                             "\" leaves nothing of the smallest size " + std::to_string(static_cast<long long>(*min_size)),
                         "a halo below half the smallest size (required from format 0.5 on; tiles here are larger)");
    }
  }
}

void check_file_list(const RdfField& root, const char* key, std::size_t count, bool required_list, bool npy,
                     const model::Bundle& bundle, Problems& problems) {
  const RdfField list = root[key];
  if (!list.present()) {
    if (required_list) problems.error(list.path(), "required field is missing", "a list of .npy files, one per tensor");
    return;
  }
  if (!list.is_list() || list.size() != count) {
    problems.error(list.path(), "expected a list of " + std::to_string(count) + " files, got " + shown(list.node()), "one file per tensor, in order");
    if (!list.is_list()) return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    check_file(list[i], bundle, problems);
    const std::string name = list[i].text();
    if (npy && (name.size() < 4 || name.compare(name.size() - 4, 4, ".npy") != 0))
      problems.error(list[i].path(), "\"" + name + "\" is not a .npy file", "test tensors are numpy .npy files");
  }
}

}  // namespace

void check_tensors_v04(const RdfField& root, RdfVersion version, const model::Bundle& bundle, Problems& problems) {
  std::map<std::string, TensorFacts> tensors;
  std::size_t counts[2] = {0, 0};
  for (const bool is_input : {true, false}) {
    const char* key = is_input ? "inputs" : "outputs";
    const auto list = required(root, key, std::string("a list of ") + (is_input ? "input" : "output") + " tensor descriptions", problems);
    if (!list) continue;
    if (!list->is_list() || list->size() == 0) {
      problems.error(list->path(), "expected a non-empty list, got " + shown(list->node()), "a list of {name, axes, data_type, shape, ...}");
      continue;
    }
    counts[is_input ? 0 : 1] = list->size();
    for (std::size_t i = 0; i < list->size(); ++i) {
      const RdfField t = (*list)[i];
      if (!t.is_map()) {
        problems.error(t.path(), "expected a mapping, got " + shown(t.node()), "{name, axes, data_type, shape, ...}");
        continue;
      }
      TensorFacts facts{.is_input = is_input, .axes = {}, .min_sizes = {}, .field = t};
      check_tensor(t, facts, problems);
      const auto name = required(t, "name", "a tensor name unique among inputs and outputs", problems);
      std::string id = name && check_text(*name, "a tensor name", problems) ? name->text() : t.path();
      if (tensors.count(id)) {
        problems.error(name->path(), "tensor name \"" + id + "\" appears twice", "names unique among all inputs and outputs");
        id = t.path();
      }
      const char* ops_key = is_input ? "preprocessing" : "postprocessing";
      const char* wrong_ops = is_input ? "postprocessing" : "preprocessing";
      if (t.has(wrong_ops))
        problems.error(t.child_path(wrong_ops), std::string(is_input ? "an input" : "an output") + " with " + wrong_ops,
                       is_input ? "preprocessing on inputs" : "postprocessing on outputs");
      const RdfField ops = t[ops_key];
      if (ops.present() && !ops.is_list())
        problems.error(ops.path(), "expected a list, got " + shown(ops.node()), "a list of {name, kwargs}");
      for (std::size_t j = 0; j < ops.size(); ++j) check_op_entry(ops[j], "name", is_input, version, problems);
      tensors.emplace(id, std::move(facts));
    }
  }
  check_references(tensors, problems);
  // Op reference_tensor kwargs, with every tensor known.
  for (const auto& [id, t] : tensors) {
    const RdfField ops = t.field[t.is_input ? "preprocessing" : "postprocessing"];
    for (std::size_t j = 0; j < ops.size(); ++j) {
      const RdfField ref = ops[j]["kwargs"]["reference_tensor"];
      if (ref.present() && (!tensors.count(ref.text()) || (t.is_input && !tensors.at(ref.text()).is_input)))
        problems.error(ref.path(), "\"" + ref.text() + "\" is not " + (t.is_input ? "an input" : "a tensor") + " of this model",
                       t.is_input ? "the name of an input" : "the name of an input or output");
    }
  }
  check_file_list(root, "test_inputs", counts[0], true, true, bundle, problems);
  check_file_list(root, "test_outputs", counts[1], true, true, bundle, problems);
  check_file_list(root, "sample_inputs", counts[0], false, false, bundle, problems);
  check_file_list(root, "sample_outputs", counts[1], false, false, bundle, problems);
}

}  // namespace deepimage::run
