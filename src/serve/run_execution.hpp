// One run of the queue, in the run's own folder: the library's run_model (or run_example) with the
// request's options, the progress callback and the cancel flag; the input kept as input.tif for the
// viewer; outputs named output0.tif, output1.tif ... A run that fails or is cancelled throws, and the
// caller removes its folder.
#pragma once

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/progress.hpp"
#include "serve/run_request.hpp"
#include "serve/run_status.hpp"

namespace deepimage::server {

struct RunJob {
  std::string id, model_id;
  std::filesystem::path model;    // the bundle, from the catalog
  std::size_t output_count = 1;   // the model's outputs
  std::filesystem::path folder;   // the run's folder (RunStore)
  std::filesystem::path upload;   // the uploaded image in `folder` ("input.tif", "upload.npy"); empty
                                  // for a run on the model's example
  RunRequest request;
};

// The run's input as a TIFF beside it, for the viewer and GET .../input.
inline std::filesystem::path input_tiff(const std::filesystem::path& folder) { return folder / "input.tif"; }

// Converts a .npy/PNG/JPEG upload into input.tif (a TIFF upload is stored as input.tif already).
// Returns input.tif's description, or nullopt when there is none: an image the run can read but TIFF
// cannot hold is still run, only not shown.
std::optional<RunOutput> make_input_tiff(const RunJob& job);
// A written image's name, shape, axes and dtype, from its header. Throws deepimage::Error.
RunOutput describe_image(const std::filesystem::path& file);

// The table of a run with objects=1, beside its outputs.
inline std::filesystem::path objects_table(const std::filesystem::path& folder) { return folder / "objects.csv"; }

struct RunResult {
  std::vector<RunOutput> outputs;     // output0.tif, ...; then labels.tif with objects=1
  std::optional<RunObjects> objects;  // with objects=1
};

// Runs the job; returns its outputs. Throws deepimage::Error (cancelled when `cancel` turned true).
RunResult execute_run(const RunJob& job, const ProgressCallback& progress, const std::atomic<bool>* cancel);

}  // namespace deepimage::server
