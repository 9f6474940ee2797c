#include "serve/run_status.hpp"

namespace deepimage::server {

const char* to_string(RunState state) {
  switch (state) {
    case RunState::queued: return "queued";
    case RunState::running: return "running";
    case RunState::done: return "done";
    case RunState::failed: return "failed";
    case RunState::cancelled: return "cancelled";
  }
  return "";
}

nlohmann::json to_json(const ProgressEvent& p) {
  const double fraction = p.tiles_total ? static_cast<double>(p.tiles_done) / static_cast<double>(p.tiles_total) : 0.0;
  return {{"elapsed_s", p.elapsed_s},          {"tiles_done", p.tiles_done}, {"tiles_total", p.tiles_total},
          {"slice", p.slice},                  {"slices", p.slice_count},    {"eta_s", p.eta_s},
          {"memory_bytes", p.rss_bytes},       {"peak_memory_bytes", p.peak_rss_bytes},
          {"fraction", fraction},              {"finished", p.finished}};
}

nlohmann::json to_json(const RunStatus& s) {
  const std::string base = "/api/runs/" + s.id;
  nlohmann::json outputs = nlohmann::json::array();
  for (const RunOutput& o : s.outputs)
    outputs.push_back({{"name", o.name}, {"url", base + "/outputs/" + o.name}, {"shape", o.shape}, {"axes", o.axes}, {"dtype", o.dtype}});
  return {{"id", s.id},
          {"model", s.model},
          {"state", to_string(s.state)},
          {"position", s.position},
          {"progress", to_json(s.progress)},
          {"error", s.error},
          {"input", s.has_input ? nlohmann::json{{"name", "input.tif"}, {"url", base + "/input"}, {"shape", s.input.shape},
                                                 {"axes", s.input.axes}, {"dtype", s.input.dtype}}
                                : nlohmann::json(nullptr)},
          {"outputs", outputs},
          {"objects", s.objects ? nlohmann::json{{"count", s.objects->count},
                                                 {"threshold", s.objects->threshold},
                                                 {"threshold_method", s.objects->otsu ? "otsu" : "value"},
                                                 {"star_convex", s.objects->star_convex},
                                                 {"rules_from", s.objects->rules_from.empty() ? nlohmann::json(nullptr)
                                                                                              : nlohmann::json(s.objects->rules_from)},
                                                 {"labels", base + "/outputs/labels.tif"},
                                                 {"table", base + "/objects.csv"}}
                                : nlohmann::json(nullptr)}};
}

}  // namespace deepimage::server
