// deepimage — run bioimage.io models on microscopy images from the command line.
// Exit codes: 0 ok, 1 error (message on stderr), 2 usage, 3 test failed, 130 interrupted.
#include <iostream>

#include "commands.hpp"
#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"
#include "passive_wait.hpp"

int main(int argc, char** argv) {
  deepimage::cli::wait_passively_unless_told();
  CLI::App app{"deepimage " + deepimage::version() +
               " — run bioimage.io deep-learning models on microscopy images, on the CPU"};
  app.set_version_flag("--version", deepimage::version());
  app.require_subcommand(1);
  int exit_code = 0;
  deepimage::cli::add_run_command(app, exit_code);
  deepimage::cli::add_info_command(app, exit_code);
  deepimage::cli::add_models_command(app, exit_code);
  deepimage::cli::add_example_command(app, exit_code);
  deepimage::cli::add_build_command(app, exit_code);
  deepimage::cli::add_test_command(app, exit_code);
  deepimage::cli::add_ops_command(app, exit_code);
  deepimage::cli::add_engines_command(app, exit_code);
  deepimage::cli::add_bench_command(app, exit_code);
  deepimage::cli::add_validate_command(app, exit_code);
  deepimage::cli::add_pull_command(app, exit_code);
  deepimage::cli::add_convert_command(app, exit_code);
  deepimage::cli::add_stats_command(app, exit_code);
  deepimage::cli::add_pyramid_command(app, exit_code);
  deepimage::cli::add_objects_command(app, exit_code);
  deepimage::cli::add_serve_command(app, exit_code);
  deepimage::cli::add_help_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the usage error
    return code == 0 ? 0 : 2;
  } catch (const deepimage::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.code() == deepimage::ErrorCode::cancelled ? 130 : 1;  // 128 + SIGINT, as shells expect
  } catch (const std::exception& e) {  // filesystem, allocation: still one line, still exit 1
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return exit_code;
}
