// rdf.yaml -> ModelSpec. Fields read (others are ignored):
//
// all versions: format_version, type (must be "model" when present), name, description, license,
//   documentation, version, git_repo, timestamp, tags, covers, config (kept as JSON; config.stardist
//   {stardist_version, thresholds {prob, nms}} also read as ModelSpec::star_convex),
//   attachments (0.5: [{source, sha256}]),
//   authors / maintainers (0.4+: {name, affiliation, email, orcid, github_user}; 0.3: plain names),
//   cite [{text, doi, url}],
//   weights {<format>: {source, sha256, parent, pytorch_version | opset_version | tensorflow_version |
//     tensorflow_js_version}}
//     with formats torchscript (0.3: pytorch_script), onnx, pytorch_state_dict,
//     tensorflow_saved_model_bundle, keras_hdf5, tensorflow_js.
// 0.5 (rdf_v05.cpp): inputs/outputs [{id, description, axes [{type, id, size, halo, scale, unit,
//   channel_names, concatenable}], data {type, range} (first of a list), test_tensor {source},
//   sample_tensor {source, sha256}, preprocessing / postprocessing [{id, kwargs}]}],
//   config.bioimageio.reproducibility_tolerance [{relative_tolerance, absolute_tolerance,
//   mismatched_elements_per_million, output_ids, weights_formats}].
// 0.4 and 0.3 (rdf_v04.cpp): inputs/outputs [{name, description, axes "bcyx", data_type, data_range,
//   shape [..] | {min, step} | {reference_tensor (0.3: reference_input), scale, offset}, halo [..],
//   preprocessing / postprocessing [{name, kwargs}]}], test_inputs, test_outputs, sample_inputs,
//   sample_outputs.
#include "model/rdf.hpp"

#include "core/utf8.hpp"
#include "deepimage/error.hpp"
#include "model/rdf_versions.hpp"
#include "model/spec_json.hpp"

namespace deepimage::model {
namespace {

Author read_author(const Fields& f) {
  Author a;
  if (f.is_scalar()) {  // 0.3: "Constantin Pape;@bioimage-io"
    a.name = f.as_text();
    return a;
  }
  a.name = f.text("name");
  a.affiliation = f.text("affiliation");
  a.email = f.text("email");
  a.orcid = f.text("orcid");
  a.github_user = f.text("github_user");
  return a;
}

std::vector<Author> read_authors(const Fields& root, const std::string& key) {
  std::vector<Author> out;
  if (!root.has(key)) return out;
  const Fields list = root.at(key);
  for (std::size_t i = 0; i < list.size(); ++i) out.push_back(read_author(list.at(i)));
  return out;
}

std::string weights_version(const Fields& w) {
  for (const char* key : {"pytorch_version", "opset_version", "tensorflow_version", "tensorflow_js_version"})
    if (w.has(key)) return w.text(key);
  return "";
}

void read_weights(const Fields& root, ModelSpec& spec) {
  const Fields weights = root.at("weights");
  if (!weights.is_map()) weights.fail("a mapping from weights format to {source, sha256, ...}");
  for (const auto& kv : weights.node()) {
    const std::string format = kv.first.Scalar();
    const Fields w = weights.at(format);
    if (!w.is_map()) w.fail("a mapping with source and sha256");
    WeightsSpec ws;
    ws.format = format == "pytorch_script" ? "torchscript" : format;
    ws.source = w.required_text("source");
    ws.sha256 = w.text("sha256");
    for (auto& ch : ws.sha256) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ws.parent = w.text("parent");
    ws.version = weights_version(w);
    spec.weights.push_back(ws);
  }
  if (spec.weights.empty()) weights.fail("at least one weights entry");
}

void read_tolerances(const Fields& root, ModelSpec& spec) {
  if (!root.has("config") || !root.at("config").has("bioimageio") ||
      !root.at("config").at("bioimageio").has("reproducibility_tolerance"))
    return;
  const Fields list = root.at("config").at("bioimageio").at("reproducibility_tolerance");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Fields t = list.at(i);
    ReproducibilityTolerance r;
    if (t.has("relative_tolerance")) r.relative = t.at("relative_tolerance").as_double();
    if (t.has("absolute_tolerance")) r.absolute = t.at("absolute_tolerance").as_double();
    if (t.has("mismatched_elements_per_million"))
      r.mismatched_per_million = t.at("mismatched_elements_per_million").as_double();
    r.output_ids = t.texts("output_ids");
    r.weights_formats = t.texts("weights_formats");
    spec.tolerances.push_back(r);
  }
}

// config.stardist (stardist's bioimage.io export): {stardist_version, thresholds: {prob, nms}}.
void read_star_convex(const Fields& root, ModelSpec& spec) {
  if (!root.has("config") || !root.at("config").has("stardist")) return;
  const Fields stardist = root.at("config").at("stardist");
  if (!stardist.is_map()) stardist.fail("a mapping with stardist_version and thresholds {prob, nms}");
  StarConvexSpec s;
  s.version = stardist.text("stardist_version");
  if (stardist.has("thresholds")) {
    const Fields thresholds = stardist.at("thresholds");
    if (!thresholds.is_map()) thresholds.fail("a mapping {prob, nms}");
    for (auto [key, value] : {std::pair{"prob", &s.probability_threshold}, std::pair{"nms", &s.nms_threshold}}) {
      if (!thresholds.has(key)) continue;
      const Fields f = thresholds.at(key);
      *value = f.as_double();
      if (!(*value >= 0.0 && *value <= 1.0)) f.fail("a number from 0 to 1");
    }
  }
  spec.star_convex = s;
}

}  // namespace

ModelSpec parse_rdf(const std::string& yaml_text, const std::string& source_name) {
  // YAML is Unicode text; every string of the rdf may end up in JSON (config, --json reports).
  if (const auto bad = invalid_utf8(yaml_text))
    throw Error(ErrorCode::bad_model, source_name + ": not UTF-8 text: " + bad->to_string());
  YAML::Node doc;
  try {
    doc = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::bad_model, source_name + ": not valid YAML at line " + std::to_string(e.mark.line + 1) +
                                          ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  const Fields root(doc, "", source_name);
  if (!root.is_map()) root.fail("a mapping of rdf fields");
  if (root.has("type") && root.text("type") != "model")
    root.at("type").fail("\"model\" (deepimage runs model descriptions only)");

  ModelSpec spec;
  spec.format_version = root.required_text("format_version");
  const std::string& v = spec.format_version;
  const bool v05 = v.rfind("0.5.", 0) == 0 || v == "0.5";
  const bool v04 = v.rfind("0.4.", 0) == 0 || v.rfind("0.3.", 0) == 0 || v == "0.4" || v == "0.3";
  if (!v05 && !v04)
    throw Error(ErrorCode::unsupported, source_name + ": format_version \"" + v +
                                            "\" is not supported (supported: 0.5.x, 0.4.x, 0.3.x)");

  spec.id = root.text("id");
  spec.name = root.text("name");
  spec.description = root.text("description");
  spec.license = root.text("license");
  spec.documentation = root.text("documentation");
  spec.version = root.text("version");
  spec.git_repo = root.text("git_repo");
  spec.timestamp = root.text("timestamp");
  spec.tags = root.texts("tags");
  spec.covers = root.texts("covers");
  spec.authors = read_authors(root, "authors");
  spec.maintainers = read_authors(root, "maintainers");
  if (root.has("cite")) {
    const Fields cite = root.at("cite");
    for (std::size_t i = 0; i < cite.size(); ++i) {
      const Fields c = cite.at(i);
      spec.cite.push_back({c.text("text"), c.text("doi"), c.text("url")});
    }
  }
  if (root.has("config")) set_config(spec, root.at("config").as_json_object());
  if (v05 && root.has("attachments")) {  // 0.4's is a mapping {files: [...]}: not read
    const Fields list = root.at("attachments");
    for (std::size_t i = 0; i < list.size(); ++i)
      spec.attachments.push_back({list.at(i).required_text("source"), list.at(i).text("sha256")});
  }

  if (v05) read_tensors_v05(root, spec);
  else read_tensors_v04(root, spec);
  read_weights(root, spec);
  read_tolerances(root, spec);
  read_star_convex(root, spec);
  return spec;
}

}  // namespace deepimage::model
