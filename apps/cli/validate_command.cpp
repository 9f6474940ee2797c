#include <iostream>

#include "commands.hpp"
#include "deepimage/validate.hpp"

namespace deepimage::cli {
namespace {

void print_report(const ValidationReport& r) {
  const auto count = [](std::size_t n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
  };
  std::cout << r.model << " (" << r.rdf << (r.format_version.empty() ? "" : ", format " + r.format_version) << "): "
            << (r.valid() ? "valid" : "INVALID") << ", " << count(r.errors.size(), "error") << ", "
            << count(r.warnings.size(), "warning") << "\n";
  const auto print = [](const std::vector<ValidationProblem>& list, const char* kind) {
    for (const auto& p : list)
      std::cout << "  " << kind << " " << (p.path.empty() ? "" : p.path + ": ") << p.message
                << (p.hint.empty() ? "" : " (expected: " + p.hint + ")") << "\n";
  };
  print(r.errors, "error  ");
  print(r.warnings, "warning");
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("validate", "Check a model description: every problem with its field path (exit 3 if invalid); "
                                             "--upgrade rewrites rdf 0.4 as 0.5, --update-hashes refreshes sha256 values");
  auto model = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto upgrade = std::make_shared<bool>(false);
  auto hashes = std::make_shared<bool>(false);
  auto overwrite = std::make_shared<bool>(false);
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file")->required();
  auto* upgrade_flag = cmd->add_flag("--upgrade", *upgrade, "Write the rdf (format 0.4 or 0.3) as format 0.5 to -o");
  auto* hashes_flag = cmd->add_flag("--update-hashes", *hashes,
                                    "Write the sha256 of every file into the rdf (in place; a .zip is copied to -o), then validate");
  upgrade_flag->excludes(hashes_flag);
  cmd->add_option("-o,--output", *output, "Where --upgrade writes the 0.5 rdf; the new .zip of --update-hashes");
  cmd->add_flag("--overwrite", *overwrite, "Replace an existing -o");
  cmd->add_flag("--json", *as_json, "Print the report as JSON");
  cmd->callback([=, &exit_code] {
    if (*upgrade) {
      if (output->empty()) throw CLI::ValidationError("--upgrade", "needs -o NEW.yaml: the input is never changed");
      const UpgradeReport r = upgrade_model({.model = *model, .output = *output, .overwrite = *overwrite});
      if (*as_json) {
        std::cout << nlohmann::json{{"written", *output}, {"from", r.from_version}, {"to", r.to_version}, {"notes", r.notes}}.dump(2) << "\n";
      } else {
        std::cout << "wrote " << *output << ": format " << r.from_version << " -> " << r.to_version << "\n";
        for (const auto& n : r.notes) std::cout << "  note: " << n << "\n";
      }
      exit_code = 0;
      return;
    }
    std::string checked = *model;
    nlohmann::json updates = nlohmann::json::array();
    if (*hashes) {
      const HashUpdateReport r = update_hashes({.model = *model, .output = *output, .overwrite = *overwrite});
      for (const auto& u : r.updates) updates.push_back({{"path", u.path}, {"file", u.file}, {"old", u.old_sha256}, {"new", u.new_sha256}});
      if (!output->empty()) checked = *output;
      if (!*as_json) {
        std::cout << "wrote " << r.written.string() << ": " << r.updates.size() << (r.updates.size() == 1 ? " hash" : " hashes")
                  << " changed or added\n";
        for (const auto& u : r.updates)
          std::cout << "  " << u.path << ": " << (u.old_sha256.empty() ? "(none)" : u.old_sha256) << " -> " << u.new_sha256 << "\n";
      }
    } else if (!output->empty()) {
      throw CLI::ValidationError("-o", "is for --upgrade or --update-hashes");
    }
    const ValidationReport r = validate_model(checked);
    if (*as_json) {
      nlohmann::json j = to_json(r);
      if (*hashes) j["updated_hashes"] = updates;
      std::cout << j.dump(2) << "\n";
    } else {
      print_report(r);
    }
    exit_code = r.valid() ? 0 : 3;
  });
}

}  // namespace deepimage::cli
