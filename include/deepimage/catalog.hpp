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

nlohmann::json describe_model(const std::filesystem::path& model);
nlohmann::json describe_ops();     // every op's declaration: id, summary, params, needs_statistics
nlohmann::json describe_engines(); // name, library, weight formats
std::string version();

}  // namespace deepimage
