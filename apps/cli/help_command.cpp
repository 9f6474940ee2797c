#include <iostream>

#include "commands.hpp"

namespace deepimage::cli {

// `deepimage help run` prints what `deepimage run --help` prints; `deepimage help` the overview.
void add_help_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("help", "Show the help of deepimage or of one command (deepimage help run)");
  auto name = std::make_shared<std::string>();
  cmd->add_option("command", *name, "The command to describe");
  cmd->callback([&app, name, &exit_code] {
    exit_code = 0;
    // What CLI11 prints for --help: the main help names the program as it was called (argv[0]).
    if (name->empty()) {
      std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
      return;
    }
    std::string names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return s->get_name() != "help"; })) {
      if (sub->get_name() == *name) {
        std::cout << sub->help(app.get_name());
        return;
      }
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    throw CLI::ValidationError("help", "unknown command \"" + *name + "\" (commands: " + names + ")");
  });
}

}  // namespace deepimage::cli
