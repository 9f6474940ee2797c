// `--precision fp32|bf16`, shared by run, example, test and bench.
#pragma once

#include <CLI/CLI.hpp>

#include "deepimage/precision.hpp"

namespace deepimage::cli {

void add_precision_option(CLI::App* cmd, Precision& precision);

}  // namespace deepimage::cli
