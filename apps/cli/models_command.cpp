#include <iostream>

#include "commands.hpp"
#include "deepimage/catalog.hpp"

namespace deepimage::cli {
namespace {

using json = nlohmann::json;

// "12.3 MB": sizes as a file browser shows them.
std::string human_size(std::uint64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) v /= 1000, ++u;
  char text[32];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return text;
}

void print_listing(const json& listing) {
  const json& models = listing["models"];
  std::cout << models.size() << (models.size() == 1 ? " model in " : " models in ") << listing["folder"].get<std::string>() << "\n";
  for (const auto& m : models) {
    std::cout << "\n" << m["name"].get<std::string>();
    if (!m.value("id", "").empty()) std::cout << "  (" << m["id"].get<std::string>() << ")";
    std::cout << "\n  " << m["path"].get<std::string>() << ", " << human_size(m["size_bytes"].get<std::uint64_t>()) << "\n";
    if (m.contains("error")) {
      std::cout << "  cannot be read: " << m["error"].get<std::string>() << "\n";
      continue;
    }
    if (!m["description"].get<std::string>().empty()) std::cout << "  " << m["description"].get<std::string>() << "\n";
    std::string facts = m["kind"] == "deepimagej" ? "legacy DeepImageJ bundle" : "bioimage.io";
    if (!m["task"].get<std::string>().empty()) facts += ", " + m["task"].get<std::string>();
    for (const auto& in : m["inputs"]) facts += ", " + in["id"].get<std::string>() + " " + in["axes"].get<std::string>();
    std::cout << "  " << facts << "\n  weights:";
    for (const auto& w : m["weights"])
      std::cout << " " << w["format"].get<std::string>() << (w["runs_here"].get<bool>() ? "" : " (does not run here)");
    std::cout << "\n";
  }
}

}  // namespace

void add_models_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("models", "List the models in a models folder");
  auto dir = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("--dir", *dir, "Models folder (default: $DEEPIMAGE_MODELS, else ~/.local/share/deepimage/models)");
  cmd->add_flag("--json", *as_json, "Print as JSON");
  cmd->callback([=, &exit_code] {
    const json listing = list_models(dir->empty() ? default_models_folder() : std::filesystem::path(*dir));
    if (*as_json) std::cout << listing.dump(2) << "\n";
    else print_listing(listing);
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
