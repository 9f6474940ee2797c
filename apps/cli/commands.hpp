// The subcommands of `deepimage`, one file each; each parses its options and calls one library
// function. A command's callback stores its exit code in `exit_code` (0 ok, 3 test failed);
// errors propagate as deepimage::Error and main() turns them into "error: ..." and exit 1.
#pragma once

#include <CLI/CLI.hpp>

namespace deepimage::cli {

void add_run_command(CLI::App& app, int& exit_code);
void add_info_command(CLI::App& app, int& exit_code);
void add_models_command(CLI::App& app, int& exit_code);
void add_example_command(CLI::App& app, int& exit_code);
void add_build_command(CLI::App& app, int& exit_code);
void add_test_command(CLI::App& app, int& exit_code);
void add_ops_command(CLI::App& app, int& exit_code);
void add_engines_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_validate_command(CLI::App& app, int& exit_code);
void add_pull_command(CLI::App& app, int& exit_code);
void add_convert_command(CLI::App& app, int& exit_code);
void add_stats_command(CLI::App& app, int& exit_code);
void add_pyramid_command(CLI::App& app, int& exit_code);
void add_objects_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_help_command(CLI::App& app, int& exit_code);

}  // namespace deepimage::cli
