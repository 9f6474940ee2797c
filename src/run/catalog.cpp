#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"

#include "engine/bare_model.hpp"
#include "engine/engine.hpp"
#include "model/model.hpp"
#include "model/rdf.hpp"
#include "model/spec_json.hpp"
#include "ops/op.hpp"
#include "run/why_not_runnable.hpp"

namespace deepimage {
namespace {

// "512", "32 + n*16", "raw.y * 1 + 0"
std::string size_rule(const AxisSize& s) {
  switch (s.kind) {
    case AxisSize::Kind::fixed: return std::to_string(s.value);
    case AxisSize::Kind::parameterized:
      return s.step == 0 ? std::to_string(s.min) : std::to_string(s.min) + " + n*" + std::to_string(s.step);
    case AxisSize::Kind::reference: {
      std::string r = "size of " + s.ref_tensor + "." + std::string(1, s.ref_axis);
      if (s.factor != 1.0) r += " * " + nlohmann::json(s.factor).dump();
      if (s.offset != 0.0) r += (s.offset > 0 ? " + " : " - ") + nlohmann::json(std::abs(s.offset)).dump();
      return r;
    }
  }
  return "";
}


nlohmann::json describe_ops_of(const std::vector<OpSpec>& ops) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& op : ops) list.push_back({{"id", op.id}, {"kwargs", kwargs_of(op)}});
  return list;
}

nlohmann::json describe_tensor(const TensorSpec& t) {
  nlohmann::json axes = nlohmann::json::array();
  for (const auto& a : t.axes) {
    nlohmann::json j = {{"id", std::string(1, a.id)}, {"type", model::axis_type_name(a.type)}, {"size", size_rule(a.size)}};
    if (a.halo) j["halo"] = a.halo;
    if (!a.channel_names.empty()) j["channel_names"] = a.channel_names;
    axes.push_back(j);
  }
  nlohmann::json j = {{"id", t.id}, {"description", t.description}, {"axes", t.axes_string()},
                      {"axis_details", axes}, {"data_type", std::string(to_string(t.data_type))}};
  if (!t.preprocessing.empty()) j["preprocessing"] = describe_ops_of(t.preprocessing);
  if (!t.postprocessing.empty()) j["postprocessing"] = describe_ops_of(t.postprocessing);
  if (!t.test_tensor.empty()) j["test_tensor"] = t.test_tensor;
  return j;
}

}  // namespace

nlohmann::json describe_model(const std::filesystem::path& path, bool load_weights, const std::string& input_name,
                              const std::string& output_name) {
  const model::Model m = engine::open_model_or_weights(path, {input_name, output_name});
  const ModelSpec& s = m.spec;
  nlohmann::json authors = nlohmann::json::array(), cite = nlohmann::json::array(), weights = nlohmann::json::array();
  for (const auto& a : s.authors) {
    nlohmann::json j = {{"name", a.name}};
    if (!a.affiliation.empty()) j["affiliation"] = a.affiliation;
    if (!a.orcid.empty()) j["orcid"] = a.orcid;
    authors.push_back(j);
  }
  for (const auto& c : s.cite) {
    nlohmann::json j = {{"text", c.text}};
    if (!c.doi.empty()) j["doi"] = c.doi;
    if (!c.url.empty()) j["url"] = c.url;
    cite.push_back(j);
  }
  for (const auto& w : s.weights) {
    const engine::EngineInfo* e = engine::engine_for_format(w.format);
    nlohmann::json j = {{"format", w.format}, {"source", w.source}, {"runs_here", e != nullptr}};
    if (e) j["engine"] = e->library;
    else j["why_not"] = run::why_not_runnable(w.format);
    if (e && load_weights) {
      try {
        engine::load_engine(m, w, {.threads = 1});
      } catch (const Error& error) {
        j["runs_here"] = false;
        j["why_not"] = error.what();
      }
    }
    if (!w.version.empty()) j["version"] = w.version;
    weights.push_back(j);
  }
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (const auto& t : s.inputs) inputs.push_back(describe_tensor(t));
  for (const auto& t : s.outputs) outputs.push_back(describe_tensor(t));
  nlohmann::json card = {{"name", s.name},        {"description", s.description}, {"format_version", s.format_version},
          {"path", path.string()}, {"rdf", m.bundle.rdf_name()},    {"license", s.license},
          {"version", s.version},  {"authors", authors},            {"cite", cite},
          {"tags", s.tags},        {"documentation", s.documentation}, {"covers", s.covers},   {"inputs", inputs},
          {"outputs", outputs},    {"weights", weights}};
  // A legacy DeepImageJ bundle's ImageJ macros and what was done with each (model/legacy_macro.hpp).
  if (const nlohmann::json config = config_of(s); config.contains("deepimagej") && config["deepimagej"].contains("macros"))
    card["macros"] = config["deepimagej"]["macros"];
  // How `run --objects` turns the output into objects when the rdf says (a StarDist model).
  if (s.star_convex)
    card["objects"] = {{"kind", "star-convex"}, {"from", "config.stardist"}, {"probability_threshold", s.star_convex->probability_threshold},
                       {"nms_threshold", s.star_convex->nms_threshold}, {"stardist_version", s.star_convex->version}};
  return card;
}

nlohmann::json describe_ops() {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& op : ops::builtin_ops()) {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& p : op.params)
      params.push_back({{"name", p.name}, {"type", p.type}, {"default", p.default_value},
                        {"required", p.required}, {"summary", p.summary}});
    list.push_back({{"id", op.id}, {"aliases", op.aliases}, {"summary", op.summary},
                    {"needs_statistics", op.needs_statistics()}, {"params", params}});
  }
  return list;
}

nlohmann::json describe_engines() {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : engine::builtin_engines())
    list.push_back({{"name", e.name}, {"library", e.library}, {"weight_formats", e.weight_formats}});
  return list;
}

std::string version() { return DEEPIMAGE_VERSION; }

}  // namespace deepimage
