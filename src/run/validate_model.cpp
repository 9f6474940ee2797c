// validate_model: the document walk, then the project's parser, then the checks that need the parsed
// model (validation.hpp explains the order).
#include <filesystem>

#include "deepimage/error.hpp"
#include "deepimage/validate.hpp"
#include "model/deepimagej_config.hpp"
#include "model/rdf.hpp"
#include "model/spec_json.hpp"
#include "run/validation.hpp"

namespace deepimage {
namespace {

namespace fs = std::filesystem;

// The versions of the bioimage.io model spec we know the rules of; 0.3 is read with 0.4's rules.
std::optional<run::RdfVersion> version_of(const std::string& v, bool& known_patch) {
  const auto patch = [&](const std::string& prefix, int last) -> bool {
    if (v.rfind(prefix, 0) != 0) return false;
    const std::string rest = v.substr(prefix.size());
    known_patch = !rest.empty() && rest.find_first_not_of("0123456789") == std::string::npos && std::stoi(rest) <= last;
    return true;
  };
  if (patch("0.5.", 5)) return run::RdfVersion::v05;
  if (patch("0.4.", 10)) return run::RdfVersion::v04;
  if (patch("0.3.", 6)) return run::RdfVersion::v03;
  return std::nullopt;
}

// The parser's message is "<source>: <path>: <what>" (or "<source>: <what>"): split it into a field
// path and the rest.
ValidationProblem problem_of(const std::string& message, const std::string& source) {
  std::string rest = message.rfind(source + ": ", 0) == 0 ? message.substr(source.size() + 2) : message;
  const auto colon = rest.find(": ");
  if (colon != std::string::npos && rest.find(' ') > colon && rest.substr(0, colon) != "top level")
    return {rest.substr(0, colon), rest.substr(colon + 2), ""};
  return {"", rest, ""};
}

// A legacy DeepImageJ bundle: what deepimage reads of its config.xml (model/deepimagej_config.hpp) and
// whether the files it needs are there; config.xml has no schema beyond what DeepImageJ read.
void validate_deepimagej_config(const std::string& text, const model::Bundle& bundle, run::Problems& problems,
                                ValidationReport& report) {
  report.format_version = model::kDeepImageJConfigFormat;
  ModelSpec spec;
  try {
    spec = model::parse_deepimagej_config(text, model::kDeepImageJConfigName, bundle);
  } catch (const Error& e) {
    problems.error("", e.what(), "the tags DeepImageJ 1.x wrote (docs/legacy-bundles.md)");
    return;
  }
  if (spec.inputs.front().test_tensor.empty())
    problems.warning("", "no exampleImage.tif: `deepimage test` has no input to run", "the example image DeepImageJ saved with the model");
  if (spec.outputs.front().test_tensor.empty())
    problems.warning("", "no resultImage.tif: `deepimage test` has nothing to compare with", "the result image DeepImageJ saved with the model");
  nlohmann::json config = config_of(spec);
  for (const auto& m : config["deepimagej"]["macros"])
    if (!m["mapped"].get<bool>())
      problems.warning(m["stage"].get<std::string>(), "macro \"" + m["file"].get<std::string>() + "\": " + m["note"].get<std::string>(),
                       "run the image through it in ImageJ first, or describe the step as a bioimage.io op in an rdf");
}

}  // namespace

ValidationReport validate_model(const fs::path& model_path) {
  const model::Bundle bundle = model::Bundle::open(model_path);
  ValidationReport report;
  report.model = model_path.string();
  report.rdf = bundle.rdf_name();
  const std::string text = bundle.read_text(bundle.rdf_name());
  run::Problems problems(report);
  if (bundle.rdf_name() == model::kDeepImageJConfigName) {
    validate_deepimagej_config(text, bundle, problems, report);
    return report;
  }

  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    problems.error("", "not valid YAML at line " + std::to_string(e.mark.line + 1) + ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg,
                   "a YAML document");
    return report;
  }
  const run::RdfField root(doc, "");
  if (!root.is_map()) {
    problems.error("", "expected a mapping of rdf fields, got " + run::shown(doc), "format_version, name, inputs, outputs, weights, ...");
    return report;
  }
  const auto fv = run::required(root, "format_version", "the spec version, e.g. 0.5.4", problems);
  if (!fv) return report;
  report.format_version = fv->text();
  bool known_patch = false;
  const auto version = version_of(fv->text(), known_patch);
  if (!version) {
    problems.error(fv->path(), "\"" + fv->text() + "\" is not a format version deepimage knows", "0.5.x, 0.4.x or 0.3.x");
    return report;
  }
  if (!known_patch)
    problems.warning(fv->path(), "\"" + fv->text() + "\" is newer than the versions deepimage knows the rules of", "0.5.0 to 0.5.5, 0.4.0 to 0.4.10");
  if (*version == run::RdfVersion::v03)
    problems.warning(fv->path(), "format 0.3 is out of date", "0.5 (deepimage validate MODEL --upgrade -o rdf.yaml)");
  else if (*version == run::RdfVersion::v04)
    problems.warning(fv->path(), "format 0.4 is superseded by 0.5", "0.5 (deepimage validate MODEL --upgrade -o rdf.yaml)");

  check_metadata(root, *version, bundle, problems);
  check_weights(root, *version, bundle, problems);
  if (*version == run::RdfVersion::v05) check_tensors_v05(root, bundle, problems);
  else check_tensors_v04(root, *version, bundle, problems);
  if (problems.error_count() > 0) return report;

  // What the walk accepts, the parser must read too; what it refuses beyond the spec's rules is a
  // limit of deepimage (a warning: the model is valid, it does not run here), or a rule the walk misses.
  ModelSpec spec;
  const std::string source = bundle.rdf_name();
  try {
    spec = model::parse_rdf(text, source);
  } catch (const Error& e) {
    auto p = problem_of(e.what(), source);
    if (e.code() == ErrorCode::unsupported) {
      p.hint = "a model deepimage can run";
      report.warnings.push_back(p);
    } else {
      p.hint = "see the bioimage.io model spec for this field";
      report.errors.push_back(p);
    }
    return report;
  }
  check_ops_on_tensors(spec, problems);
  check_test_tensors(spec, *version, bundle, problems);
  return report;
}

nlohmann::json to_json(const ValidationReport& report) {
  const auto list = [](const std::vector<ValidationProblem>& problems) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& p : problems) a.push_back({{"path", p.path}, {"message", p.message}, {"hint", p.hint}});
    return a;
  };
  return {{"valid", report.valid()},
          {"model", report.model},
          {"rdf", report.rdf},
          {"format_version", report.format_version},
          {"errors", list(report.errors)},
          {"warnings", list(report.warnings)}};
}

}  // namespace deepimage
