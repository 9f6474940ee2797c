#include <iostream>

#include "commands.hpp"
#include "deepimage/catalog.hpp"

namespace deepimage::cli {

void add_engines_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("engines", "List the inference engines of this build and the weight formats they run");
  auto as_json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *as_json, "Print as JSON");
  cmd->callback([=, &exit_code] {
    const nlohmann::json engines = describe_engines();
    if (*as_json) std::cout << engines.dump(2) << "\n";
    else
      for (const auto& e : engines)
        std::cout << "  " << e["name"].get<std::string>() << "  " << e["library"].get<std::string>() << "  runs: "
                  << e["weight_formats"].dump() << "\n";
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
