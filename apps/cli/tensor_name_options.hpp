// `--input-name` / `--output-name`, shared by every command that takes a bare network file (run, info,
// test, example, bench, build): the graph tensors to feed and fetch when the file does not say which
// (a SavedModel without a signature and several placeholders, as DEFCoN's). engine/bare_model.hpp reads
// them; a bundle names its own tensors, so giving them with one is an error there.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace deepimage::cli {

void add_tensor_name_options(CLI::App* cmd, std::string& input_name, std::string& output_name);

}  // namespace deepimage::cli
