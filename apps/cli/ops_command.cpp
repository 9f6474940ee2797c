#include <iostream>

#include "commands.hpp"
#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"

namespace deepimage::cli {

void add_ops_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("ops", "List the pre/post-processing ops, or show one");
  auto name = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("name", *name, "Op id (e.g. scale_range)");
  cmd->add_flag("--json", *as_json, "Print as JSON");
  cmd->callback([=, &exit_code] {
    nlohmann::json ops = describe_ops();
    if (!name->empty()) {
      nlohmann::json found;
      for (const auto& op : ops)
        if (op["id"] == *name || std::find(op["aliases"].begin(), op["aliases"].end(), *name) != op["aliases"].end()) found = op;
      if (found.is_null()) {
        std::string known;
        for (const auto& op : ops) known += (known.empty() ? "" : ", ") + op["id"].get<std::string>();
        throw Error(ErrorCode::not_found, "unknown op \"" + *name + "\" (known: " + known + ")");
      }
      ops = nlohmann::json::array({found});
    }
    if (*as_json) {
      std::cout << (name->empty() ? ops : ops[0]).dump(2) << "\n";
    } else if (name->empty()) {
      for (const auto& op : ops)
        std::printf("  %-32s %s%s\n", op["id"].get<std::string>().c_str(), op["summary"].get<std::string>().c_str(),
                    op["needs_statistics"].get<bool>() ? " [whole-image statistics]" : "");
    } else {
      const auto& op = ops[0];
      std::cout << op["id"].get<std::string>() << ": " << op["summary"].get<std::string>() << "\n";
      if (!op["aliases"].empty()) std::cout << "  also known as: " << op["aliases"].dump() << "\n";
      if (op["needs_statistics"].get<bool>()) std::cout << "  computes statistics over the whole image before tiling\n";
      for (const auto& p : op["params"])
        std::printf("  %-18s %-18s %s%s\n", p["name"].get<std::string>().c_str(), p["type"].get<std::string>().c_str(),
                    p["summary"].get<std::string>().c_str(),
                    p["required"].get<bool>()              ? " (required)"
                    : p["default"].get<std::string>().empty() ? " (optional)"
                                                              : (" (default " + p["default"].get<std::string>() + ")").c_str());
    }
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
