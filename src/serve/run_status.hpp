// RunStatus — what GET /api/runs/{id} answers: a run's state, queue position, latest progress event,
// error and files, and the JSON of it (docs/server.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/progress.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::server {

enum class RunState { queued, running, done, failed, cancelled };
const char* to_string(RunState state);
inline bool is_finished(RunState s) { return s == RunState::done || s == RunState::failed || s == RunState::cancelled; }

struct RunOutput {
  std::string name;  // "output0.tif": the file's name in the run's folder, and in its URL
  Shape shape;
  std::string axes;
  std::string dtype;
};

// What objects=1 found (run --objects): labels.tif is among the outputs, the table is objects.csv.
struct RunObjects {
  std::size_t count = 0;
  double threshold = 0;
  bool otsu = false, star_convex = false;
  std::string rules_from;  // "config.stardist" when the model gave the rules
};

struct RunStatus {
  std::string id, model;
  RunState state = RunState::queued;
  std::size_t position = 0;  // 1 for the next queued run, 2 after it ...; 0 when not queued
  ProgressEvent progress;
  std::string error;         // one line, when failed
  bool has_input = false;    // the input is there as input.tif (once running, and when done)
  RunOutput input;           // input.tif's shape, axes and dtype, when has_input
  std::vector<RunOutput> outputs;  // when done
  std::optional<RunObjects> objects;  // when done, with objects=1
  std::uint64_t version = 0;       // grows on every change: event streams send what is new
};

// {elapsed_s, tiles_done, tiles_total, slice, slices, eta_s, memory_bytes, peak_memory_bytes, fraction}
nlohmann::json to_json(const ProgressEvent& progress);
nlohmann::json to_json(const RunStatus& status);

}  // namespace deepimage::server
