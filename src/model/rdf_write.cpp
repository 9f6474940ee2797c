#include "model/rdf_write.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>

#include "deepimage/error.hpp"
#include "model/rdf.hpp"
#include "model/rdf_versions.hpp"
#include "model/spec_json.hpp"

namespace deepimage::model {
namespace {

void emit_json(YAML::Emitter& out, const nlohmann::json& v) {
  if (v.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, value] : v.items()) {
      out << YAML::Key << key << YAML::Value;
      emit_json(out, value);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& e : v) emit_json(out, e);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    out << YAML::DoubleQuoted << v.get<std::string>();
  } else if (v.is_boolean()) {
    out << (v.get<bool>() ? "true" : "false");
  } else if (v.is_number_integer()) {
    out << v.get<std::int64_t>();
  } else if (v.is_number()) {
    out << v.get<double>();
  } else {
    out << YAML::Null;
  }
}

// Axis letters in kwargs (`axis`, `axes`) become the ids written for them; "yx" becomes [y, x].
nlohmann::json kwargs_with_axis_ids(nlohmann::json kwargs) {
  if (!kwargs.is_object()) return kwargs;
  const auto id_of = [](const nlohmann::json& v) {
    const std::string s = v.get<std::string>();
    return s.size() == 1 ? nlohmann::json(axis_id_of(s[0])) : v;
  };
  if (kwargs.contains("axis") && kwargs["axis"].is_string()) kwargs["axis"] = id_of(kwargs["axis"]);
  if (kwargs.contains("axes")) {
    nlohmann::json& axes = kwargs["axes"];
    nlohmann::json ids = nlohmann::json::array();
    if (axes.is_string())
      for (char c : axes.get<std::string>()) ids.push_back(axis_id_of(c));
    else if (axes.is_array())
      for (const auto& a : axes) ids.push_back(a.is_string() ? id_of(a) : a);
    else
      ids = axes;
    axes = ids;
  }
  return kwargs;
}

void emit_file(YAML::Emitter& out, const char* key, const std::string& source, const std::string& sha256) {
  if (source.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginMap << YAML::Key << "source" << YAML::Value << source;
  if (!sha256.empty()) out << YAML::Key << "sha256" << YAML::Value << sha256;
  out << YAML::EndMap;
}

void emit_size(YAML::Emitter& out, const AxisSize& size) {
  switch (size.kind) {
    case AxisSize::Kind::fixed:
      out << YAML::Key << "size" << YAML::Value << size.value;
      break;
    case AxisSize::Kind::parameterized:
      out << YAML::Key << "size" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "min" << YAML::Value
          << size.min << YAML::Key << "step" << YAML::Value << size.step << YAML::EndMap;
      break;
    case AxisSize::Kind::reference:
      if (size.offset != std::round(size.offset))
        throw Error(ErrorCode::invalid_argument, "size offset " + std::to_string(size.offset) +
                                                     " cannot be written in rdf 0.5; expected a whole number of pixels");
      out << YAML::Key << "size" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "tensor_id" << YAML::Value
          << size.ref_tensor << YAML::Key << "axis_id" << YAML::Value << axis_id_of(size.ref_axis);
      if (size.offset != 0) out << YAML::Key << "offset" << YAML::Value << static_cast<std::int64_t>(size.offset);
      out << YAML::EndMap;
      break;
  }
}

void emit_axis(YAML::Emitter& out, const AxisSpec& a) {
  out << YAML::BeginMap << YAML::Key << "type" << YAML::Value << axis_type_name(a.type);
  out << YAML::Key << "id" << YAML::Value << axis_id_of(a.id);
  if (a.type == AxisType::channel) {
    std::vector<std::string> names = a.channel_names;
    for (std::int64_t i = static_cast<std::int64_t>(names.size()); i < a.size.value; ++i) names.push_back("channel" + std::to_string(i));
    out << YAML::Key << "channel_names" << YAML::Value << YAML::Flow << names;
  } else if (a.type != AxisType::batch) {
    emit_size(out, a.size);
  }
  if (a.halo > 0) out << YAML::Key << "halo" << YAML::Value << a.halo;
  if (a.scale != 1.0) out << YAML::Key << "scale" << YAML::Value << a.scale;
  if (!a.unit.empty()) out << YAML::Key << "unit" << YAML::Value << a.unit;
  if (a.concatenable) out << YAML::Key << "concatenable" << YAML::Value << true;
  out << YAML::EndMap;
}

void emit_tensor(YAML::Emitter& out, const TensorSpec& t, bool is_input) {
  out << YAML::BeginMap << YAML::Key << "id" << YAML::Value << t.id;
  if (!t.description.empty()) out << YAML::Key << "description" << YAML::Value << t.description;
  if (is_input && t.optional) out << YAML::Key << "optional" << YAML::Value << true;
  out << YAML::Key << "axes" << YAML::Value << YAML::BeginSeq;
  for (const AxisSpec& a : t.axes) emit_axis(out, a);
  out << YAML::EndSeq;
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap << YAML::Key << "type" << YAML::Value
      << std::string(to_string(t.data_type));
  if (t.data_range)
    out << YAML::Key << "range" << YAML::Value << YAML::Flow << YAML::BeginSeq << t.data_range->first
        << t.data_range->second << YAML::EndSeq;
  out << YAML::EndMap;
  emit_file(out, "test_tensor", t.test_tensor, t.test_tensor_sha256);
  emit_file(out, "sample_tensor", t.sample_tensor, t.sample_tensor_sha256);
  const std::vector<OpSpec>& ops = is_input ? t.preprocessing : t.postprocessing;
  if (!ops.empty()) {
    out << YAML::Key << (is_input ? "preprocessing" : "postprocessing") << YAML::Value << YAML::BeginSeq;
    for (const OpSpec& op : ops) {
      out << YAML::BeginMap << YAML::Key << "id" << YAML::Value << op.id;
      if (const nlohmann::json kwargs = kwargs_of(op); kwargs.is_object() && !kwargs.empty()) {
        out << YAML::Key << "kwargs" << YAML::Value;
        emit_json(out, kwargs_with_axis_ids(kwargs));
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

void emit_text(YAML::Emitter& out, const char* key, const std::string& value) {
  if (!value.empty()) out << YAML::Key << key << YAML::Value << value;
}

void emit_texts(YAML::Emitter& out, const char* key, const std::vector<std::string>& values) {
  if (!values.empty()) out << YAML::Key << key << YAML::Value << YAML::Flow << values;
}

void emit_authors(YAML::Emitter& out, const char* key, const std::vector<Author>& authors) {
  if (authors.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const Author& a : authors) {
    out << YAML::BeginMap;
    emit_text(out, "name", a.name);
    emit_text(out, "affiliation", a.affiliation);
    emit_text(out, "email", a.email);
    emit_text(out, "orcid", a.orcid);
    emit_text(out, "github_user", a.github_user);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

const char* version_key(const std::string& format) {
  if (format == "torchscript" || format == "pytorch_state_dict") return "pytorch_version";
  if (format == "onnx") return "opset_version";
  if (format == "tensorflow_js") return "tensorflow_js_version";
  return "tensorflow_version";
}

// 0.5 states a reference's factor as the ratio of the two axes' scales (size = ref_size * ref_scale /
// scale + offset), and a channel axis by its names: a description read from 0.4 (factor, no scales;
// channels sized after another tensor's) is put in those terms.
ModelSpec in_v05_terms(ModelSpec spec) {
  for (auto* list : {&spec.inputs, &spec.outputs})
    for (TensorSpec& t : *list)
      for (AxisSpec& a : t.axes) {
        if (a.size.kind != AxisSize::Kind::reference) continue;
        const TensorSpec* ref = spec.input(a.size.ref_tensor);
        if (!ref) ref = spec.output(a.size.ref_tensor);
        const AxisSpec* ra = ref ? ref->axis(a.size.ref_axis) : nullptr;
        if (!ra) continue;
        if (a.type == AxisType::channel) {
          a.size.kind = AxisSize::Kind::fixed;
          a.size.value = std::llround(static_cast<double>(ra->size.value) * a.size.factor + a.size.offset);
        } else if (a.type == AxisType::batch) {
          a.size = AxisSize{};
        } else {
          a.scale = ra->scale / a.size.factor;
        }
      }
  return spec;
}

}  // namespace

std::string write_rdf_v05(const ModelSpec& original) {
  const ModelSpec spec = in_v05_terms(original);
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "format_version" << YAML::Value << kRdfWriteVersion;
  out << YAML::Key << "type" << YAML::Value << "model";
  emit_text(out, "id", spec.id);
  emit_text(out, "name", spec.name);
  emit_text(out, "description", spec.description);
  emit_authors(out, "authors", spec.authors);
  emit_authors(out, "maintainers", spec.maintainers);
  if (!spec.cite.empty()) {
    out << YAML::Key << "cite" << YAML::Value << YAML::BeginSeq;
    for (const Citation& c : spec.cite) {
      out << YAML::BeginMap;
      emit_text(out, "text", c.text);
      emit_text(out, "doi", c.doi);
      emit_text(out, "url", c.url);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  emit_text(out, "license", spec.license);
  emit_text(out, "documentation", spec.documentation);
  emit_texts(out, "covers", spec.covers);
  emit_texts(out, "tags", spec.tags);
  emit_text(out, "version", spec.version);
  emit_text(out, "git_repo", spec.git_repo);
  if (!spec.timestamp.empty()) out << YAML::Key << "timestamp" << YAML::Value << YAML::DoubleQuoted << spec.timestamp;
  if (!spec.attachments.empty()) {
    out << YAML::Key << "attachments" << YAML::Value << YAML::BeginSeq;
    for (const FileDescr& f : spec.attachments) {
      out << YAML::BeginMap << YAML::Key << "source" << YAML::Value << f.source;
      if (!f.sha256.empty()) out << YAML::Key << "sha256" << YAML::Value << f.sha256;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::Key << "inputs" << YAML::Value << YAML::BeginSeq;
  for (const TensorSpec& t : spec.inputs) emit_tensor(out, t, true);
  out << YAML::EndSeq;
  out << YAML::Key << "outputs" << YAML::Value << YAML::BeginSeq;
  for (const TensorSpec& t : spec.outputs) emit_tensor(out, t, false);
  out << YAML::EndSeq;
  out << YAML::Key << "weights" << YAML::Value << YAML::BeginMap;
  for (const WeightsSpec& w : spec.weights) {
    out << YAML::Key << w.format << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "source" << YAML::Value << w.source;
    emit_text(out, "sha256", w.sha256);
    emit_text(out, "parent", w.parent);
    if (!w.version.empty()) {
      // opset_version is an integer in 0.5; pytorch_version a version string.
      if (w.format == "onnx") out << YAML::Key << version_key(w.format) << YAML::Value << w.version;
      else out << YAML::Key << version_key(w.format) << YAML::Value << YAML::DoubleQuoted << w.version;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  if (const nlohmann::json config = config_of(spec); config.is_object() && !config.empty()) {
    out << YAML::Key << "config" << YAML::Value;
    emit_json(out, config);
  }
  out << YAML::EndMap;
  if (!out.good()) throw Error(ErrorCode::internal, std::string("writing rdf.yaml failed: ") + out.GetLastError());
  return std::string("# bioimage.io model description, written by deepimage\n") + out.c_str() + "\n";
}

}  // namespace deepimage::model
