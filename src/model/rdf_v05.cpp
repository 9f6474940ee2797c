// rdf 0.5 tensors: axes as a list of typed axis descriptions.
#include <cmath>
#include <map>

#include "deepimage/error.hpp"
#include "model/rdf.hpp"
#include "model/rdf_versions.hpp"
#include "model/spec_json.hpp"

namespace deepimage::model {

std::string axis_id_of(char letter) {
  switch (letter) {
    case 'b': return "batch";
    case 'c': return "channel";
    case 'i': return "index";
    case 't': return "time";
    default: return std::string(1, letter);
  }
}

AxisType axis_type_of(char letter) {
  switch (letter) {
    case 'b': return AxisType::batch;
    case 'c': return AxisType::channel;
    case 'i': return AxisType::index;
    case 't': return AxisType::time;
    default: return AxisType::space;
  }
}

const char* axis_type_name(AxisType type) {
  switch (type) {
    case AxisType::batch: return "batch";
    case AxisType::channel: return "channel";
    case AxisType::index: return "index";
    case AxisType::time: return "time";
    case AxisType::space: return "space";
  }
  return "space";
}

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
    if (op.has("kwargs")) set_kwargs(s, op.at("kwargs").as_json_object());
    ops.push_back(std::move(s));
  }
  return ops;
}

namespace {

struct PendingReference {
  std::string axis_id;  // as written: resolved through the referenced tensor's own ids
  std::string where;
};

// A tensor's axis ids as written, each with the letter it gets.
using AxisLetters = std::map<std::string, char>;

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

// The letter of an axis: by type for batch, channel, index and time; z, y, x for space axes with those
// ids. Space axes with ids of their own (0.5 allows any, e.g. "row", "col") get the letters left over
// from the last n of "zyx" (n = the tensor's space axes), in order, so the last space axis is x.
void assign_letters(std::vector<AxisSpec>& axes, const std::vector<std::string>& ids, const Fields& where,
                    AxisLetters& letters) {
  std::string space_letters;
  std::size_t space_count = 0;
  for (const AxisSpec& a : axes) space_count += a.type == AxisType::space;
  if (space_count > 3)
    throw Error(ErrorCode::unsupported, where.source() + ": " + where.path() + ": " + std::to_string(space_count) +
                                            " space axes; deepimage supports at most 3 (z, y, x)");
  const std::string candidates = std::string("zyx").substr(3 - space_count);
  std::string free = candidates;
  for (std::size_t i = 0; i < axes.size(); ++i)
    if (axes[i].type == AxisType::space && ids[i].size() == 1 && free.find(ids[i][0]) != std::string::npos)
      free.erase(free.find(ids[i][0]), 1);
  for (std::size_t i = 0; i < axes.size(); ++i) {
    AxisSpec& a = axes[i];
    switch (a.type) {
      case AxisType::batch: a.id = 'b'; break;
      case AxisType::channel: a.id = 'c'; break;
      case AxisType::index: a.id = 'i'; break;
      case AxisType::time: a.id = 't'; break;
      case AxisType::space:
        if (ids[i] == "z" || ids[i] == "y" || ids[i] == "x") {
          a.id = ids[i][0];
        } else if (!free.empty()) {
          a.id = free.front();
          free.erase(0, 1);
        } else {
          where.at(i).fail("space axis ids that map onto z, y, x");
        }
        break;
    }
    letters[ids[i]] = a.id;
  }
}

// Op kwargs naming axes (`axes`, `axis`) name them by the tensor's own ids: rewritten to letters.
void letters_in_kwargs(std::vector<OpSpec>& ops, const AxisLetters& letters) {
  const auto map = [&](nlohmann::json& v) {
    if (!v.is_string()) return;
    if (auto it = letters.find(v.get<std::string>()); it != letters.end()) v = std::string(1, it->second);
  };
  for (OpSpec& op : ops) {
    nlohmann::json kwargs = kwargs_of(op);
    if (!kwargs.is_object()) continue;
    if (kwargs.contains("axis")) map(kwargs["axis"]);
    if (kwargs.contains("axes") && kwargs["axes"].is_array())
      for (auto& v : kwargs["axes"]) map(v);
    set_kwargs(op, kwargs);
  }
}

AxisSpec read_axis(const Fields& f, bool is_input, std::string& id) {
  AxisSpec a;
  a.type = axis_type(f.at("type"));
  id = f.has("id") ? f.text("id") : default_id(a.type);
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
      size.required_text("axis_id");  // resolved once every tensor's ids are known
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

TensorSpec read_tensor(const Fields& f, bool is_input, std::vector<PendingReference>& references, AxisLetters& letters) {
  TensorSpec t;
  t.id = f.required_text("id");
  t.description = f.text("description");
  if (is_input && f.has("optional")) t.optional = f.text("optional") == "true";
  const Fields axes = f.at("axes");
  if (!axes.is_list() || axes.size() == 0) axes.fail("a non-empty list of axes");
  std::vector<std::string> ids(axes.size());
  for (std::size_t i = 0; i < axes.size(); ++i) t.axes.push_back(read_axis(axes.at(i), is_input, ids[i]));
  for (std::size_t i = 0; i < ids.size(); ++i)
    for (std::size_t j = i + 1; j < ids.size(); ++j)
      if (ids[i] == ids[j]) axes.at(j).fail("axis ids that are unique within the tensor");
  assign_letters(t.axes, ids, axes, letters);
  for (std::size_t i = 0; i < t.axes.size(); ++i)
    for (std::size_t j = i + 1; j < t.axes.size(); ++j)
      if (t.axes[i].id == t.axes[j].id)
        axes.at(j).fail("one axis of each type but space (deepimage maps batch, channel, index and time axes to one letter each)");
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
  if (f.has("sample_tensor")) {
    t.sample_tensor = f.at("sample_tensor").required_text("source");
    t.sample_tensor_sha256 = f.at("sample_tensor").text("sha256");
  }
  const char* ops_key = is_input ? "preprocessing" : "postprocessing";
  if (f.has(ops_key)) {
    std::vector<OpSpec>& ops = is_input ? t.preprocessing : t.postprocessing;
    ops = read_ops(f.at(ops_key), "id");
    letters_in_kwargs(ops, letters);
  }
  for (std::size_t i = 0; i < t.axes.size(); ++i)
    if (t.axes[i].size.kind == AxisSize::Kind::reference)
      references.push_back({axes.at(i).at("size").text("axis_id"), axes.at(i).path() + ".size"});
  return t;
}

}  // namespace

void read_tensors_v05(const Fields& root, ModelSpec& spec) {
  std::vector<PendingReference> refs;
  const Fields inputs = root.at("inputs"), outputs = root.at("outputs");
  if (inputs.size() == 0) inputs.fail("a non-empty list of input tensors");
  if (outputs.size() == 0) outputs.fail("a non-empty list of output tensors");
  std::map<std::string, AxisLetters> letters;  // per tensor id
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    AxisLetters own;
    spec.inputs.push_back(read_tensor(inputs.at(i), true, refs, own));
    letters[spec.inputs.back().id] = std::move(own);
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    AxisLetters own;
    spec.outputs.push_back(read_tensor(outputs.at(i), false, refs, own));
    letters[spec.outputs.back().id] = std::move(own);
  }

  // References can point forwards, so they are resolved once every tensor is known:
  // size = ref_size * ref_scale / scale + offset.
  std::size_t next = 0;
  for (auto* list : {&spec.inputs, &spec.outputs})
    for (auto& t : *list)
      for (auto& a : t.axes) {
        if (a.size.kind != AxisSize::Kind::reference) continue;
        const PendingReference& pending = refs[next++];
        const std::string& where = pending.where;
        const TensorSpec* ref = spec.input(a.size.ref_tensor);
        if (!ref) ref = spec.output(a.size.ref_tensor);
        const auto tensor_letters = letters.find(a.size.ref_tensor);
        const auto letter = tensor_letters == letters.end() ? AxisLetters::const_iterator()
                                                            : tensor_letters->second.find(pending.axis_id);
        const AxisSpec* ra = ref && letter != tensor_letters->second.end() ? ref->axis(letter->second) : nullptr;
        if (!ra)
          throw Error(ErrorCode::bad_model, root.source() + ": " + where + ": refers to tensor \"" + a.size.ref_tensor + "\" axis \"" +
                                                pending.axis_id + "\", which does not exist");
        a.size.ref_axis = ra->id;
        a.size.factor = ra->scale / a.scale;
        if (!(a.size.factor <= static_cast<double>(kMaxAxisSize)))
          throw Error(ErrorCode::bad_model, root.source() + ": " + where + ": the axis scales make this size " +
                                                std::to_string(a.size.factor) + " times its reference (expected at most " +
                                                std::to_string(kMaxAxisSize) + ")");
      }
}

}  // namespace deepimage::model
