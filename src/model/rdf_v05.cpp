// rdf 0.5 tensors: axes as a list of typed axis descriptions.
#include <cmath>

#include "deepimage/error.hpp"
#include "model/rdf_versions.hpp"

namespace deepimage::model {

char axis_letter(const Fields& where, const std::string& id) {
  if (id == "batch" || id == "b") return 'b';
  if (id == "channel" || id == "c") return 'c';
  if (id == "index" || id == "i") return 'i';
  if (id == "time" || id == "t") return 't';
  if (id == "z" || id == "y" || id == "x") return id[0];
  // Other ids are valid bioimage.io but cannot be mapped onto our one-letter axes.
  throw Error(ErrorCode::unsupported, where.source() + ": " + where.path() + ": axis id \"" + id +
                                          "\" is not supported (supported: batch, channel, index, time, z, y, x)");
}

std::vector<OpSpec> read_ops(const Fields& list, const char* id_key) {
  std::vector<OpSpec> ops;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Fields op = list.at(i);
    OpSpec s;
    s.id = op.required_text(id_key);
    s.kwargs = op.has("kwargs") ? op.at("kwargs").as_json_object() : nlohmann::json::object();
    ops.push_back(std::move(s));
  }
  return ops;
}

namespace {

struct PendingReference {
  AxisSpec* axis;
  std::string where;
};

AxisType axis_type(const Fields& f) {
  const std::string t = f.as_text();
  if (t == "batch") return AxisType::batch;
  if (t == "channel") return AxisType::channel;
  if (t == "index") return AxisType::index;
  if (t == "time") return AxisType::time;
  if (t == "space") return AxisType::space;
  f.fail("one of batch, channel, index, time, space");
}

const char* default_id(AxisType t) {
  switch (t) {
    case AxisType::batch: return "batch";
    case AxisType::channel: return "channel";
    case AxisType::index: return "index";
    case AxisType::time: return "time";
    case AxisType::space: return "x";
  }
  return "x";
}

AxisSpec read_axis(const Fields& f, bool is_input) {
  AxisSpec a;
  a.type = axis_type(f.at("type"));
  a.id = f.has("id") ? axis_letter(f.at("id"), f.text("id")) : default_id(a.type)[0];
  if (a.type == AxisType::channel) {
    a.channel_names = f.texts("channel_names");
    a.size.value = a.channel_names.empty() ? 1 : static_cast<std::int64_t>(a.channel_names.size());
    if (f.has("size")) a.size.value = f.at("size").as_int(1, "a positive integer", kMaxAxisSize);
  } else if (f.has("size")) {
    const Fields size = f.at("size");
    if (size.is_scalar()) {
      a.size.value = size.as_int(1, "a positive integer", kMaxAxisSize);
    } else if (size.has("tensor_id")) {
      a.size.kind = AxisSize::Kind::reference;
      a.size.ref_tensor = size.required_text("tensor_id");
      a.size.ref_axis = axis_letter(size.at("axis_id"), size.required_text("axis_id"));
      a.size.offset = size.has("offset") ? static_cast<double>(size.at("offset").as_int(-kMaxAxisSize, "an integer of at least -1048576", kMaxAxisSize)) : 0.0;
    } else if (size.has("max") || (size.has("min") && !size.has("step") && !is_input)) {
      // 0.5 DataDependentSize (outputs only): the network decides the size from the data.
      throw Error(ErrorCode::unsupported, f.source() + ": " + size.path() + ": an output size that depends on the data "
                                              "({min, max}) is not supported; deepimage needs output sizes it can compute from the input's");
    } else if (size.has("min")) {
      a.size.kind = AxisSize::Kind::parameterized;
      a.size.min = size.at("min").as_int(1, "a positive integer", kMaxAxisSize);
      a.size.step = size.has("step") ? size.at("step").as_int(0, "a non-negative integer", kMaxAxisSize) : 0;
    } else {
      size.fail("an integer, {min, step} or {tensor_id, axis_id, offset}");
    }
  } else if (a.type == AxisType::space) {
    f.missing("size");
  }
  if (f.has("halo")) a.halo = f.at("halo").as_int(0, "a non-negative integer", kMaxHalo);
  if (f.has("scale")) {
    // Sizes are divided by scales (size = ref_size * ref_scale / scale): 0 or less means no size at all.
    a.scale = f.at("scale").as_double();
    if (!(a.scale > 0) || !std::isfinite(a.scale)) f.at("scale").fail("a positive number");
  }
  a.unit = f.text("unit");
  if (f.has("concatenable")) a.concatenable = f.text("concatenable") == "true";
  return a;
}

TensorSpec read_tensor(const Fields& f, bool is_input, std::vector<PendingReference>& references) {
  TensorSpec t;
  t.id = f.required_text("id");
  t.description = f.text("description");
  const Fields axes = f.at("axes");
  if (!axes.is_list() || axes.size() == 0) axes.fail("a non-empty list of axes");
  for (std::size_t i = 0; i < axes.size(); ++i) t.axes.push_back(read_axis(axes.at(i), is_input));
  for (std::size_t i = 0; i < t.axes.size(); ++i)
    for (std::size_t j = i + 1; j < t.axes.size(); ++j)
      if (t.axes[i].id == t.axes[j].id) axes.at(j).fail("axis ids that are unique within the tensor");
  if (f.has("data")) {
    Fields data = f.at("data");
    if (data.is_list()) data = data.at(0);
    if (data.has("type")) {
      const std::string type = data.text("type");
      try {
        t.data_type = dtype_from_string(type);
      } catch (const Error&) {
        data.at("type").fail("a data type such as float32 or uint8");
      }
    }
    if (data.has("range") && data.at("range").size() == 2) {
      const Fields range = data.at("range");
      const bool lo_null = !range.node()[0] || range.node()[0].IsNull();
      const bool hi_null = !range.node()[1] || range.node()[1].IsNull();
      if (!lo_null && !hi_null) t.data_range = std::make_pair(range.at(0).as_double(), range.at(1).as_double());
    }
  }
  if (f.has("test_tensor")) {
    t.test_tensor = f.at("test_tensor").required_text("source");
    t.test_tensor_sha256 = f.at("test_tensor").text("sha256");
  }
  if (f.has("sample_tensor")) t.sample_tensor = f.at("sample_tensor").required_text("source");
  const char* ops_key = is_input ? "preprocessing" : "postprocessing";
  if (f.has(ops_key)) (is_input ? t.preprocessing : t.postprocessing) = read_ops(f.at(ops_key), "id");
  for (std::size_t i = 0; i < t.axes.size(); ++i)
    if (t.axes[i].size.kind == AxisSize::Kind::reference)
      references.push_back({nullptr, axes.at(i).path() + ".size"});
  return t;
}

}  // namespace

void read_tensors_v05(const Fields& root, ModelSpec& spec) {
  std::vector<PendingReference> refs;
  const Fields inputs = root.at("inputs"), outputs = root.at("outputs");
  if (inputs.size() == 0) inputs.fail("a non-empty list of input tensors");
  if (outputs.size() == 0) outputs.fail("a non-empty list of output tensors");
  for (std::size_t i = 0; i < inputs.size(); ++i) spec.inputs.push_back(read_tensor(inputs.at(i), true, refs));
  for (std::size_t i = 0; i < outputs.size(); ++i) spec.outputs.push_back(read_tensor(outputs.at(i), false, refs));

  // References can point forwards, so they are resolved once every tensor is known:
  // size = ref_size * ref_scale / scale + offset.
  std::size_t next = 0;
  for (auto* list : {&spec.inputs, &spec.outputs})
    for (auto& t : *list)
      for (auto& a : t.axes) {
        if (a.size.kind != AxisSize::Kind::reference) continue;
        const std::string where = refs[next++].where;
        const TensorSpec* ref = spec.input(a.size.ref_tensor);
        if (!ref) ref = spec.output(a.size.ref_tensor);
        const AxisSpec* ra = ref ? ref->axis(a.size.ref_axis) : nullptr;
        if (!ra)
          throw Error(ErrorCode::bad_model, root.source() + ": " + where + ": refers to tensor \"" + a.size.ref_tensor + "\" axis \"" +
                                                std::string(1, a.size.ref_axis) + "\", which does not exist");
        a.size.factor = ra->scale / a.scale;
        if (!(a.size.factor <= static_cast<double>(kMaxAxisSize)))
          throw Error(ErrorCode::bad_model, root.source() + ": " + where + ": the axis scales make this size " +
                                                std::to_string(a.size.factor) + " times its reference (expected at most " +
                                                std::to_string(kMaxAxisSize) + ")");
      }
}

}  // namespace deepimage::model
