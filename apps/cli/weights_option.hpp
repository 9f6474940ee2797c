// `--weights FORMAT`, shared by run, test and bench: the choices are the formats the engines of this
// build run (engine/engines.cpp's registry), so a new importer needs no change here.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace deepimage::cli {

void add_weights_option(CLI::App* cmd, std::string& weights, const std::string& help);

}  // namespace deepimage::cli
