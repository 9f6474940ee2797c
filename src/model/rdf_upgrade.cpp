#include "model/rdf_upgrade.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <set>

#include "deepimage/error.hpp"
#include "model/rdf.hpp"
#include "model/rdf_versions.hpp"

namespace deepimage::model {
namespace {

double number(const YAML::Node& n) {
  const std::string s = n.Scalar();
  if (s == ".inf" || s == "+.inf" || s == "inf") return INFINITY;
  if (s == "-.inf" || s == "-inf") return -INFINITY;
  return n.as<double>();
}

// Whole numbers as integers in the output ("2" rather than "2.0").
YAML::Node whole(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return YAML::Node(static_cast<long long>(v));
  return YAML::Node(v);
}

class Upgrader {
 public:
  Upgrader(YAML::Node root, std::string source, std::vector<std::string>& notes)
      : in_(std::move(root)), source_(std::move(source)), notes_(notes) {}

  YAML::Node run();

 private:
  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw Error(ErrorCode::bad_model, source_ + ": " + path + ": " + what);
  }
  void note(const std::string& text) { notes_.push_back(text); }

  YAML::Node tensor(const YAML::Node& t, bool is_input, std::size_t index);
  YAML::Node axes(const YAML::Node& t, bool is_input, const std::string& path);
  YAML::Node op(const YAML::Node& p, const std::string& tensor_axes, const std::string& path);
  YAML::Node weights(const YAML::Node& w);
  YAML::Node author(const YAML::Node& a);
  // The one non-batch axis of `tensor_axes` that the 0.4 `axes` kwarg leaves out: where per-index lists run.
  std::string left_out_axis(const std::string& tensor_axes, const std::string& kwarg_axes, const std::string& path);
  // 0.4 "yx" -> [y, x]; absent -> every non-batch axis (0.4's default); per_dataset adds batch.
  YAML::Node axis_ids(const YAML::Node& kwargs, const std::string& tensor_axes, const std::string& path);

  YAML::Node in_;
  std::string source_;
  std::vector<std::string>& notes_;
  std::map<std::string, std::pair<std::string, YAML::Node>> tensors_;  // name -> (axes, shape)
};

YAML::Node Upgrader::author(const YAML::Node& a) {
  if (a.IsScalar()) {  // 0.3: "Name;@github_user" or just a name
    YAML::Node out;
    std::string text = a.Scalar();
    out["name"] = text.substr(0, text.find(';'));
    return out;
  }
  YAML::Node out;
  for (const char* key : {"name", "affiliation", "email", "orcid", "github_user"})
    if (a[key] && !a[key].IsNull()) out[key] = YAML::Clone(a[key]);
  return out;
}

std::string Upgrader::left_out_axis(const std::string& tensor_axes, const std::string& kwarg_axes, const std::string& path) {
  std::string left;
  for (char c : tensor_axes)
    if (c != 'b' && kwarg_axes.find(c) == std::string::npos) left += c;
  if (left.size() != 1)
    fail(path, "per-index values need exactly one non-batch axis left out of axes \"" + kwarg_axes + "\" (tensor axes \"" +
                   tensor_axes + "\"), not \"" + left + "\"");
  return axis_id_of(left[0]);
}

YAML::Node Upgrader::axis_ids(const YAML::Node& kwargs, const std::string& tensor_axes, const std::string& path) {
  std::string letters;
  if (kwargs["axes"] && !kwargs["axes"].IsNull()) {
    letters = kwargs["axes"].Scalar();
  } else {
    for (char c : tensor_axes)
      if (c != 'b') letters += c;
  }
  const std::string mode = kwargs["mode"] ? kwargs["mode"].Scalar() : "per_sample";
  if (mode == "per_dataset" && letters.find('b') == std::string::npos) {
    letters = "b" + letters;
    note(path + ": mode per_dataset became batch among the reduced axes: 0.5 has no dataset statistics, so each batch is "
                "normalised as one (0.4 runs took statistics over every image given)");
  }
  YAML::Node ids(YAML::NodeType::Sequence);
  for (char c : letters) {
    if (tensor_axes.find(c) == std::string::npos) fail(path + ".kwargs.axes", "\"" + std::string(1, c) + "\" is not an axis of the tensor (\"" + tensor_axes + "\")");
    ids.push_back(axis_id_of(c));
  }
  ids.SetStyle(YAML::EmitterStyle::Flow);
  return ids;
}

YAML::Node Upgrader::op(const YAML::Node& p, const std::string& tensor_axes, const std::string& path) {
  const std::string name = p["name"].Scalar();
  const YAML::Node kwargs = p["kwargs"] ? p["kwargs"] : YAML::Node(YAML::NodeType::Map);
  YAML::Node out;
  YAML::Node k(YAML::NodeType::Map);
  const auto copy = [&](const char* key) {
    if (kwargs[key] && !kwargs[key].IsNull()) k[key] = YAML::Clone(kwargs[key]);
  };
  const auto is_list = [&](const char* key) { return kwargs[key] && kwargs[key].IsSequence(); };
  std::string id = name;
  if (name == "binarize") {
    copy("threshold");
  } else if (name == "clip") {
    copy("min");
    copy("max");
  } else if (name == "sigmoid") {
  } else if (name == "scale_linear") {
    copy("gain");
    copy("offset");
    if (is_list("gain") || is_list("offset"))
      k["axis"] = left_out_axis(tensor_axes, kwargs["axes"] ? kwargs["axes"].Scalar() : "", path);
  } else if (name == "zero_mean_unit_variance" && kwargs["mode"] && kwargs["mode"].Scalar() == "fixed") {
    id = "fixed_zero_mean_unit_variance";
    copy("mean");
    copy("std");
    copy("eps");
    if (is_list("mean") || is_list("std"))
      k["axis"] = left_out_axis(tensor_axes, kwargs["axes"] ? kwargs["axes"].Scalar() : "", path);
  } else if (name == "zero_mean_unit_variance") {
    k["axes"] = axis_ids(kwargs, tensor_axes, path);
    copy("eps");
  } else if (name == "scale_range") {
    k["axes"] = axis_ids(kwargs, tensor_axes, path);
    copy("min_percentile");
    copy("max_percentile");
    copy("eps");
    copy("reference_tensor");
  } else if (name == "scale_mean_variance") {
    k["axes"] = axis_ids(kwargs, tensor_axes, path);
    copy("reference_tensor");
    copy("eps");
  } else {
    note(path + ": op \"" + name + "\" is not a bioimage.io 0.4 op; copied as it is");
    for (const auto& kv : kwargs) k[kv.first.Scalar()] = YAML::Clone(kv.second);
  }
  out["id"] = id;
  if (k.size() > 0) {
    k.SetStyle(YAML::EmitterStyle::Flow);
    out["kwargs"] = k;
  }
  return out;
}

YAML::Node Upgrader::axes(const YAML::Node& t, bool is_input, const std::string& path) {
  const std::string letters = t["axes"].Scalar();
  const YAML::Node shape = t["shape"];
  const YAML::Node halo = t["halo"] ? t["halo"] : YAML::Node();
  YAML::Node out(YAML::NodeType::Sequence);
  for (std::size_t i = 0; i < letters.size(); ++i) {
    const char c = letters[i];
    YAML::Node a;
    a["type"] = axis_type_name(axis_type_of(c));
    if (c == 'b') {
      out.push_back(a);
      continue;
    }
    if (axis_type_of(c) == AxisType::space) a["id"] = std::string(1, c);
    YAML::Node size;
    double scale = 1.0;
    if (shape.IsSequence()) {
      size = YAML::Clone(shape[i]);
    } else if (shape["min"]) {
      const auto min = shape["min"][i].as<long long>(), step = shape["step"][i].as<long long>();
      if (step == 0) {
        size = YAML::Node(min);
      } else {
        size["min"] = min;
        size["step"] = step;
        size.SetStyle(YAML::EmitterStyle::Flow);
      }
    } else {
      const std::string ref = shape["reference_tensor"] ? shape["reference_tensor"].Scalar() : shape["reference_input"].Scalar();
      const YAML::Node factor = shape["scale"][i];
      const double offset = number(shape["offset"][i]);
      if (!factor || factor.IsNull() || number(factor) == 0) {
        size = whole(2 * offset);  // the 0.4 way of adding an axis the reference lacks
      } else if (c == 'c') {
        // 0.5 channel axes have a count, not a rule: the reference's channel count works it out.
        const auto r = tensors_.find(ref);
        const std::string& ref_axes = r == tensors_.end() ? std::string() : r->second.first;
        const std::size_t k = ref_axes.find('c');
        const YAML::Node ref_shape = r == tensors_.end() ? YAML::Node() : r->second.second;
        std::optional<double> ref_count;
        if (k != std::string::npos && ref_shape.IsSequence()) ref_count = number(ref_shape[k]);
        else if (k != std::string::npos && ref_shape["min"] && ref_shape["step"][k].as<long long>() == 0) ref_count = number(ref_shape["min"][k]);
        if (!ref_count) fail(path + ".shape", "the channel count refers to \"" + ref + "\", whose channel count is not fixed");
        const double count = *ref_count * number(factor) + 2 * offset;
        if (count != std::floor(count) || count < 1)
          fail(path + ".shape", "the channel count works out to " + std::to_string(count) + ", not a positive whole number");
        size = whole(count);
      } else {
        size["tensor_id"] = ref;
        size["axis_id"] = axis_id_of(c);
        if (offset != 0) size["offset"] = whole(2 * offset);
        size.SetStyle(YAML::EmitterStyle::Flow);
        scale = 1.0 / number(factor);
      }
    }
    if (c == 'c') {
      if (!size.IsScalar()) fail(path + ".shape", "a channel axis of {min, step} size: 0.5 channel axes have a fixed count");
      YAML::Node names(YAML::NodeType::Sequence);
      for (long long n = 0; n < size.as<long long>(); ++n) names.push_back("channel" + std::to_string(n));
      names.SetStyle(YAML::EmitterStyle::Flow);
      a["channel_names"] = names;
    } else {
      a["size"] = size;
    }
    if (scale != 1.0) a["scale"] = scale;
    if (!is_input && halo.IsSequence() && i < halo.size() && halo[i].as<long long>() != 0) {
      if (axis_type_of(c) == AxisType::space || axis_type_of(c) == AxisType::time) a["halo"] = YAML::Clone(halo[i]);
      else note(path + ".halo: the halo of " + std::to_string(halo[i].as<long long>()) + " along \"" + std::string(1, c) + "\" was left out: 0.5 halos are on space and time axes");
    }
    out.push_back(a);
  }
  return out;
}

YAML::Node Upgrader::tensor(const YAML::Node& t, bool is_input, std::size_t index) {
  const std::string path = std::string(is_input ? "inputs[" : "outputs[") + std::to_string(index) + "]";
  YAML::Node out;
  out["id"] = t["name"].Scalar();
  if (t["description"]) out["description"] = YAML::Clone(t["description"]);
  if (is_input && t["optional"]) out["optional"] = YAML::Clone(t["optional"]);
  out["axes"] = axes(t, is_input, path);
  YAML::Node data;
  data["type"] = t["data_type"] ? t["data_type"].Scalar() : std::string("float32");
  if (t["data_range"] && t["data_range"].IsSequence() && t["data_range"].size() == 2) {
    YAML::Node range(YAML::NodeType::Sequence);
    bool any = false;
    for (std::size_t i = 0; i < 2; ++i) {
      const double v = number(t["data_range"][i]);
      if (std::isfinite(v)) {
        range.push_back(whole(v));
        any = true;
      } else {
        range.push_back(YAML::Node(YAML::NodeType::Null));
      }
    }
    range.SetStyle(YAML::EmitterStyle::Flow);
    if (any) data["range"] = range;
  }
  out["data"] = data;
  const char* test_key = is_input ? "test_inputs" : "test_outputs";
  const char* sample_key = is_input ? "sample_inputs" : "sample_outputs";
  if (in_[test_key] && in_[test_key].IsSequence() && index < in_[test_key].size()) out["test_tensor"]["source"] = in_[test_key][index].Scalar();
  if (in_[sample_key] && in_[sample_key].IsSequence() && index < in_[sample_key].size())
    out["sample_tensor"]["source"] = in_[sample_key][index].Scalar();
  const char* ops_key = is_input ? "preprocessing" : "postprocessing";
  if (t[ops_key] && t[ops_key].IsSequence() && t[ops_key].size() > 0) {
    YAML::Node ops(YAML::NodeType::Sequence);
    for (std::size_t j = 0; j < t[ops_key].size(); ++j)
      ops.push_back(op(t[ops_key][j], t["axes"].Scalar(), path + "." + ops_key + "[" + std::to_string(j) + "]"));
    out[ops_key] = ops;
  }
  return out;
}

YAML::Node Upgrader::weights(const YAML::Node& w) {
  YAML::Node out;
  for (const auto& kv : w) {
    const std::string written = kv.first.Scalar();
    const std::string format = written == "pytorch_script" ? "torchscript" : written;
    const YAML::Node& e = kv.second;
    YAML::Node o;
    o["source"] = YAML::Clone(e["source"]);
    if (e["sha256"]) o["sha256"] = YAML::Clone(e["sha256"]);
    if (e["authors"] && e["authors"].IsSequence()) {
      YAML::Node authors(YAML::NodeType::Sequence);
      for (const auto& a : e["authors"]) authors.push_back(author(a));
      o["authors"] = authors;
    }
    if (e["parent"]) o["parent"] = e["parent"].Scalar() == "pytorch_script" ? std::string("torchscript") : e["parent"].Scalar();
    const auto version = [&](const char* key, const char* fallback) {
      if (e[key] && !e[key].IsNull()) {
        o[key] = YAML::Clone(e[key]);
      } else {
        o[key] = std::string(fallback);
        note("weights." + format + "." + key + ": not given; set to " + fallback + " (bioimageio.spec's default)");
      }
    };
    if (format == "pytorch_state_dict") {
      const std::string arch = e["architecture"] ? e["architecture"].Scalar() : "";
      YAML::Node a;
      const auto colon = arch.rfind(':');
      if (colon != std::string::npos && arch.find("://") != colon) {  // "my_net.py:MyNet"
        a["source"] = arch.substr(0, colon);
        a["callable"] = arch.substr(colon + 1);
        if (e["architecture_sha256"]) a["sha256"] = YAML::Clone(e["architecture_sha256"]);
      } else {  // "package.module.MyNet"
        const auto dot = arch.rfind('.');
        a["import_from"] = dot == std::string::npos ? std::string() : arch.substr(0, dot);
        a["callable"] = dot == std::string::npos ? arch : arch.substr(dot + 1);
      }
      if (e["kwargs"]) a["kwargs"] = YAML::Clone(e["kwargs"]);
      o["architecture"] = a;
      version("pytorch_version", "1.10");
    } else if (format == "torchscript") {
      version("pytorch_version", "1.10");
    } else if (format == "onnx") {
      if (e["opset_version"]) o["opset_version"] = YAML::Clone(e["opset_version"]);
      else {
        o["opset_version"] = 15;
        note("weights.onnx.opset_version: not given; set to 15 (bioimageio.spec's default)");
      }
    } else {
      version("tensorflow_version", "1.15");
    }
    if (e["dependencies"] && (format == "pytorch_state_dict" || format == "tensorflow_saved_model_bundle")) {
      std::string deps = e["dependencies"].Scalar();
      if (deps.rfind("conda:", 0) == 0) deps = deps.substr(6);
      o["dependencies"]["source"] = deps;
    }
    out[format] = o;
  }
  return out;
}

YAML::Node Upgrader::run() {
  YAML::Node out;
  out["type"] = "model";
  out["format_version"] = kUpgradedFormatVersion;
  // Fields kept as they are (same meaning in 0.4 and 0.5).
  for (const char* key : {"id", "id_emoji", "name", "description", "license", "icon", "git_repo", "version", "timestamp", "tags",
                          "links", "covers", "documentation", "uploader", "training_data", "packaged_by", "parent", "run_mode"})
    if (in_[key] && !in_[key].IsNull()) out[key] = YAML::Clone(in_[key]);
  if (in_["authors"] && in_["authors"].IsSequence()) {
    YAML::Node authors(YAML::NodeType::Sequence);
    for (const auto& a : in_["authors"]) authors.push_back(author(a));
    out["authors"] = authors;
  }
  if (in_["maintainers"] && in_["maintainers"].IsSequence()) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& a : in_["maintainers"]) list.push_back(author(a));
    out["maintainers"] = list;
  }
  if (in_["cite"] && in_["cite"].IsSequence()) {
    YAML::Node cite(YAML::NodeType::Sequence);
    for (const auto& c : in_["cite"]) {
      YAML::Node o = YAML::Clone(c);
      if (o["doi"] && o["doi"].IsScalar()) {
        std::string doi = o["doi"].Scalar();
        for (const char* prefix : {"https://doi.org/", "http://doi.org/", "doi:"})
          if (doi.rfind(prefix, 0) == 0) doi = doi.substr(std::string(prefix).size());
        o["doi"] = doi;
      }
      cite.push_back(o);
    }
    out["cite"] = cite;
  }
  if (in_["attachments"] && in_["attachments"]["files"]) {
    YAML::Node list(YAML::NodeType::Sequence);
    for (const auto& f : in_["attachments"]["files"]) {
      YAML::Node a;
      a["source"] = f.Scalar();
      list.push_back(a);
    }
    out["attachments"] = list;
  }
  for (const bool is_input : {true, false}) {
    const YAML::Node list = in_[is_input ? "inputs" : "outputs"];
    for (const auto& t : list) tensors_[t["name"].Scalar()] = {t["axes"].Scalar(), t["shape"]};
  }
  for (const bool is_input : {true, false}) {
    const YAML::Node list = in_[is_input ? "inputs" : "outputs"];
    YAML::Node converted(YAML::NodeType::Sequence);
    for (std::size_t i = 0; i < list.size(); ++i) converted.push_back(tensor(list[i], is_input, i));
    out[is_input ? "inputs" : "outputs"] = converted;
  }
  out["weights"] = weights(in_["weights"]);
  if (in_["config"]) out["config"] = YAML::Clone(in_["config"]);

  static const std::set<std::string> kMoved = {"format_version", "type", "authors", "maintainers", "cite", "attachments", "inputs",
                                               "outputs", "weights", "config", "test_inputs", "test_outputs", "sample_inputs",
                                               "sample_outputs"};
  std::string dropped;
  const YAML::Node& written = out;  // const: looking a key up must not add it
  for (const auto& kv : in_) {
    const std::string key = kv.first.Scalar();
    if (!written[key] && !kMoved.count(key) && !kv.second.IsNull()) dropped += (dropped.empty() ? "" : ", ") + key;
  }
  if (!dropped.empty()) note("left out, not fields of format 0.5: " + dropped);
  return out;
}

// yaml-cpp writes the text "1.10" unquoted, which YAML readers take for the number 1.1: library
// versions that look like numbers are quoted.
std::string quoted_versions(const std::string& yaml) {
  static const std::regex kVersion(R"(^(\s*(?:pytorch_version|tensorflow_version): )([0-9]+(?:\.[0-9]+)?)$)");
  std::istringstream lines(yaml);
  std::string out, line;
  while (std::getline(lines, line)) out += std::regex_replace(line, kVersion, "$1\"$2\"") + "\n";
  if (!out.empty() && (yaml.empty() || yaml.back() != '\n')) out.pop_back();
  return out;
}

}  // namespace

std::string upgrade_rdf(const std::string& yaml_text, const std::string& source_name, std::vector<std::string>& notes) {
  // The parser's checks first: what it refuses cannot be converted reliably.
  const ModelSpec spec = parse_rdf(yaml_text, source_name);
  if (spec.format_version.rfind("0.5", 0) == 0)
    throw Error(ErrorCode::invalid_argument, source_name + " is already format " + spec.format_version + "; nothing to upgrade");
  const YAML::Node root = YAML::Load(yaml_text);
  Upgrader upgrader(root, source_name, notes);
  const YAML::Node out = upgrader.run();
  YAML::Emitter emitter;
  emitter.SetIndent(2);
  emitter << out;
  if (!emitter.good()) throw Error(ErrorCode::internal, "cannot write the upgraded rdf: " + emitter.GetLastError());
  return "# bioimage.io model description, format " + std::string(kUpgradedFormatVersion) + ", converted from format " +
         spec.format_version + " by deepimage validate --upgrade\n" + quoted_versions(emitter.c_str()) + "\n";
}

}  // namespace deepimage::model
