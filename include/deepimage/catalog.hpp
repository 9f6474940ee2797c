// Descriptions for people and programs: a model's card, the ops, the engines.
//
//   nlohmann::json card = deepimage::describe_model("unet2d_nuclei_broad/");
//   card["inputs"][0]["axes"];  card["weights"][0]["runs_here"];
//
// `deepimage info`, `deepimage ops` and `deepimage engines` print these, as text or with --json.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace deepimage {

// With `load_weights`, each weights file an engine of this build runs is also loaded, so "runs_here"
// is true only when it loads (an engine can refuse a particular file: an operator it lacks); the
// reason goes in "why_not". Without, "runs_here" says an engine for the format exists.
// `input_name`/`output_name`: a bare network file's feed and fetch when its graph has several (as
// RunOptions's); empty: the graph's own.
nlohmann::json describe_model(const std::filesystem::path& model, bool load_weights = false, const std::string& input_name = "",
                              const std::string& output_name = "");
nlohmann::json describe_ops();     // every op's declaration: id, summary, params, needs_statistics

// The models folder when none is given: $DEEPIMAGE_MODELS, else $XDG_DATA_HOME/deepimage/models
// (~/.local/share/deepimage/models). The ImageJ plugin passes ImageJ's own `models/` folder.
std::filesystem::path default_models_folder();
// The models directly inside `folder`, sorted by name: bundle folders and .zip files with an rdf,
// and legacy DeepImageJ bundles (config.xml, listed, not runnable). Per model: path, kind, name,
// id, task, description, input axes, weight formats with whether they run here, size on disk; a
// bundle whose rdf cannot be read is listed with its error. Throws not_found for a missing folder.
nlohmann::json list_models(const std::filesystem::path& folder);
nlohmann::json describe_engines(); // name, library, weight formats
std::string version();

}  // namespace deepimage
