// check_metadata and check_weights: the rdf fields outside the tensors (bioimage.io spec 0.4/0.5 rules).
#include "engine/engine.hpp"
#include "run/validation.hpp"
#include "run/why_not_runnable.hpp"

namespace deepimage::run {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void check_authors(const RdfField& root, const std::string& key, RdfVersion version, bool needed, Problems& problems) {
  const RdfField list = root[key];
  if (!list.present()) {
    if (needed) problems.error(list.path(), "required field is missing", "a list of {name, affiliation, email, orcid, github_user}");
    return;
  }
  if (!list.is_list() || list.size() == 0) {
    problems.error(list.path(), "expected a non-empty list, got " + shown(list.node()), "a list of {name, affiliation, ...}");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const RdfField a = list[i];
    if (a.is_scalar() && version == RdfVersion::v03) continue;  // 0.3: plain names
    if (!a.is_map()) {
      problems.error(a.path(), "expected a mapping, got " + shown(a.node()), "{name, affiliation, email, orcid, github_user}");
      continue;
    }
    if (key == "maintainers") {
      if (auto g = required(a, "github_user", "the maintainer's GitHub user name", problems)) check_text(*g, "a GitHub user name", problems);
    } else if (auto n = required(a, "name", "the author's full name", problems)) {
      check_text(*n, "the author's full name", problems);
    }
  }
}

void check_cite(const RdfField& root, RdfVersion version, Problems& problems) {
  const RdfField cite = root["cite"];
  if (!cite.present()) {
    if (version != RdfVersion::v03) problems.error(cite.path(), "required field is missing", "a list of {text, doi or url}");
    return;
  }
  if (!cite.is_list() || cite.size() == 0) {
    problems.error(cite.path(), "expected a non-empty list, got " + shown(cite.node()), "a list of {text, doi or url}");
    return;
  }
  for (std::size_t i = 0; i < cite.size(); ++i) {
    const RdfField c = cite[i];
    if (!c.is_map()) {
      problems.error(c.path(), "expected a mapping, got " + shown(c.node()), "{text, doi or url}");
      continue;
    }
    if (auto t = required(c, "text", "the citation as text", problems)) check_text(*t, "the citation as text", problems);
    if (!c.has("doi") && !c.has("url"))
      problems.error(c.path(), "a citation with neither doi nor url", "a doi (\"10.1038/...\") or a url of the publication");
  }
}

void check_covers(const RdfField& root, const model::Bundle& bundle, Problems& problems) {
  const RdfField covers = root["covers"];
  if (!covers.present() || (covers.is_list() && covers.size() == 0)) {
    problems.warning(covers.path(), "no cover image", "one or more images (.png, .jpg, .gif) that show what the model does, for model browsers");
    return;
  }
  if (!covers.is_list()) {
    problems.error(covers.path(), "expected a list of files, got " + shown(covers.node()), "a list of image files");
    return;
  }
  for (std::size_t i = 0; i < covers.size(); ++i) {
    const RdfField c = covers[i];
    check_file(c, bundle, problems);
    const std::string name = lower(c.text());
    if (c.is_scalar() && !ends_with(name, ".png") && !ends_with(name, ".jpg") && !ends_with(name, ".jpeg") &&
        !ends_with(name, ".gif"))
      problems.warning(c.path(), "\"" + c.text() + "\" is not a .png, .jpg or .gif", "covers in a format web browsers show");
  }
}

void check_tolerances(const RdfField& root, Problems& problems) {
  const RdfField config = root["config"];
  if (!config.present()) return;
  if (!config.is_map()) {
    problems.error(config.path(), "expected a mapping, got " + shown(config.node()), "a mapping of tool-specific settings");
    return;
  }
  const RdfField list = config["bioimageio"]["reproducibility_tolerance"];
  if (!list.present()) return;
  if (!list.is_list()) {
    problems.error(list.path(), "expected a list, got " + shown(list.node()),
                   "a list of {relative_tolerance, absolute_tolerance, mismatched_elements_per_million, output_ids, weights_formats}");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i)
    for (const char* key : {"relative_tolerance", "absolute_tolerance", "mismatched_elements_per_million"}) {
      const RdfField v = list[i][key];
      if (!v.present()) continue;
      const auto d = v.number();
      if (!d || !(*d >= 0) || *d == std::numeric_limits<double>::infinity())
        problems.error(v.path(), "expected a non-negative number, got " + shown(v.node()), "a finite number >= 0");
    }
}

void check_attachments(const RdfField& root, RdfVersion version, const model::Bundle& bundle, Problems& problems) {
  const RdfField a = root["attachments"];
  if (!a.present()) return;
  if (version == RdfVersion::v05) {
    if (!a.is_list()) {
      problems.error(a.path(), "expected a list, got " + shown(a.node()), "a list of {source, sha256}");
      return;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (auto s = required(a[i], "source", "the attached file", problems))
        check_file(*s, bundle, problems, a[i]["sha256"], a[i].child_path("sha256"), true);
    }
    return;
  }
  const RdfField files = a["files"];  // 0.4: {files: [...]}
  for (std::size_t i = 0; i < files.size(); ++i) check_file(files[i], bundle, problems);
}

// The version field a weights format needs (0.5 requires it; 0.4 recommends it).
const char* version_key(const std::string& format) {
  if (format == "torchscript" || format == "pytorch_state_dict" || format == "pytorch_script") return "pytorch_version";
  if (format == "onnx") return "opset_version";
  return "tensorflow_version";
}

}  // namespace

void check_metadata(const RdfField& root, RdfVersion version, const model::Bundle& bundle, Problems& problems) {
  const RdfField type = root["type"];
  if (!type.present()) {
    if (version == RdfVersion::v05) problems.error(type.path(), "required field is missing", "type: model");
    else if (version == RdfVersion::v04) problems.warning(type.path(), "no type", "type: model");
  } else if (type.text() != "model") {
    problems.error(type.path(), "expected \"model\", got " + shown(type.node()), "model: deepimage validates model descriptions only");
  }
  if (auto name = required(root, "name", "a short human-readable name", problems); name && check_text(*name, "a short name", problems)) {
    if (version == RdfVersion::v05 && name->text().size() < 5)
      problems.error(name->path(), "\"" + name->text() + "\" is shorter than 5 characters", "a name of 5 to 64 characters");
    else if (name->text().size() > 128)
      problems.warning(name->path(), "a name of " + std::to_string(name->text().size()) + " characters", "a name of at most 64 characters");
  }
  if (auto d = required(root, "description", "a one-paragraph description of the model", problems))
    check_text(*d, "a description of the model", problems);
  if (version != RdfVersion::v03) {
    if (auto l = required(root, "license", "an SPDX license id such as MIT or CC-BY-4.0", problems))
      check_text(*l, "an SPDX license id such as MIT or CC-BY-4.0", problems);
  }
  check_authors(root, "authors", version, true, problems);
  check_authors(root, "maintainers", version, false, problems);
  check_cite(root, version, problems);

  const RdfField doc = root["documentation"];
  if (!doc.present()) {
    if (version != RdfVersion::v03) problems.error(doc.path(), "required field is missing", "a markdown file (README.md) describing the model");
  } else {
    check_file(doc, bundle, problems);
    if (version == RdfVersion::v05 && doc.is_scalar() && !ends_with(lower(doc.text()), ".md"))
      problems.error(doc.path(), "\"" + doc.text() + "\" is not a .md file", "a markdown file such as README.md");
  }
  check_covers(root, bundle, problems);
  const RdfField tags = root["tags"];
  if (tags.present()) {
    if (!tags.is_list()) problems.error(tags.path(), "expected a list, got " + shown(tags.node()), "a list of words");
    for (std::size_t i = 0; i < tags.size(); ++i)
      if (!tags[i].is_scalar()) problems.error(tags[i].path(), "expected text, got " + shown(tags[i].node()), "a word");
  }
  check_tolerances(root, problems);
  check_attachments(root, version, bundle, problems);
}

void check_weights(const RdfField& root, RdfVersion version, const model::Bundle& bundle, Problems& problems) {
  const auto weights = required(root, "weights", "a mapping from weights format to {source, sha256, ...}", problems);
  if (!weights) return;
  if (!weights->is_map() || weights->node().size() == 0) {
    problems.error(weights->path(), "expected at least one weights entry, got " + shown(weights->node()),
                   "a mapping such as torchscript: {source: weights.pt, sha256: ...}");
    return;
  }
  static const std::vector<std::string> kFormats = {"torchscript", "onnx", "pytorch_state_dict", "tensorflow_saved_model_bundle",
                                                    "keras_hdf5", "tensorflow_js"};
  std::vector<std::string> formats;
  for (const auto& kv : weights->node()) formats.push_back(kv.first.Scalar());
  bool any_runs = false;
  for (const std::string& written : formats) {
    const RdfField w = (*weights)[written];
    const std::string format = version == RdfVersion::v03 && written == "pytorch_script" ? "torchscript" : written;
    if (std::find(kFormats.begin(), kFormats.end(), format) == kFormats.end()) {
      problems.error(w.path(), "\"" + written + "\" is not a weights format",
                     "one of torchscript, onnx, pytorch_state_dict, tensorflow_saved_model_bundle, keras_hdf5, tensorflow_js");
      continue;
    }
    if (!w.is_map()) {
      problems.error(w.path(), "expected a mapping, got " + shown(w.node()), "{source, sha256, ...}");
      continue;
    }
    if (auto source = required(w, "source", "the weights file", problems))
      check_file(*source, bundle, problems, w["sha256"], w.child_path("sha256"), true, version == RdfVersion::v03);
    const RdfField parent = w["parent"];
    if (parent.present()) {
      if (parent.text() == written)
        problems.error(parent.path(), "\"" + parent.text() + "\" is this entry itself", "the weights format these weights were converted from");
      else if (std::find(formats.begin(), formats.end(), parent.text()) == formats.end())
        problems.error(parent.path(), "\"" + parent.text() + "\" is not a weights entry of this model",
                       "one of the formats under weights, the one these were converted from");
    }
    const RdfField v = w[version_key(format)];
    if (!v.present() && version == RdfVersion::v05)
      problems.error(v.path(), "required field is missing", "the version of the library that wrote the weights");
    if (format == "onnx" && v.present() && !(v.integer() && *v.integer() >= 7))
      problems.error(v.path(), "expected an opset version, got " + shown(v.node()), "an integer of at least 7");
    if (format == "pytorch_state_dict" && !w.has("architecture"))
      problems.error(w.child_path("architecture"), "required field is missing", "the network's Python source and callable");
    if (engine::engine_for_format(format)) any_runs = true;
    else problems.warning(w.path(), "deepimage cannot run " + format + " weights: " + why_not_runnable(format),
                          "also give weights in a format that runs here (deepimage engines)");
  }
  if (!any_runs) problems.warning(weights->path(), "no weights format of this model runs in this build", "torchscript or onnx weights");
}

}  // namespace deepimage::run
