#include <iostream>

#include "commands.hpp"
#include "deepimage/catalog.hpp"
#include "deepimage/pull.hpp"
#include "download_display.hpp"
#include "interrupt.hpp"

namespace deepimage::cli {
namespace {

using json = nlohmann::json;

std::string ops_line(const json& ops) {
  std::string s;
  for (const auto& op : ops) {
    s += (s.empty() ? "" : " -> ") + op["id"].get<std::string>();
    if (!op["kwargs"].empty()) {
      std::string args;
      for (const auto& [k, v] : op["kwargs"].items()) args += (args.empty() ? "" : ", ") + k + "=" + v.dump();
      s += "(" + args + ")";
    }
  }
  return s;
}

void print_tensor(const json& t) {
  std::cout << "  " << t["id"].get<std::string>() << "  " << t["axes"].get<std::string>() << "  "
            << t["data_type"].get<std::string>() << "\n    sizes:";
  std::string halo;
  for (const auto& a : t["axis_details"]) {
    std::cout << "  " << a["id"].get<std::string>() << "=" << a["size"].get<std::string>();
    if (a.contains("halo")) halo += "  " + a["id"].get<std::string>() + "=" + std::to_string(a["halo"].get<int>());
  }
  std::cout << "\n";
  if (!halo.empty()) std::cout << "    halo:" << halo << "\n";
  if (t.contains("preprocessing")) std::cout << "    preprocessing: " << ops_line(t["preprocessing"]) << "\n";
  if (t.contains("postprocessing")) std::cout << "    postprocessing: " << ops_line(t["postprocessing"]) << "\n";
}

void print_card(const json& m) {
  std::cout << m["name"].get<std::string>() << "\n  " << m["description"].get<std::string>() << "\n";
  std::cout << "  bioimage.io format " << m["format_version"].get<std::string>() << ", " << m["rdf"].get<std::string>()
            << "; license " << m["license"].get<std::string>() << "\n";
  if (!m["authors"].empty()) {
    std::cout << "authors:\n";
    for (const auto& a : m["authors"])
      std::cout << "  " << a["name"].get<std::string>()
                << (a.contains("affiliation") ? " (" + a["affiliation"].get<std::string>() + ")" : "") << "\n";
  }
  if (!m["cite"].empty()) {
    std::cout << "cite:\n";
    for (const auto& c : m["cite"])
      std::cout << "  " << c["text"].get<std::string>()
                << (c.contains("doi") ? " doi:" + c["doi"].get<std::string>() : c.contains("url") ? " " + c["url"].get<std::string>() : "")
                << "\n";
  }
  std::cout << "inputs:\n";
  for (const auto& t : m["inputs"]) print_tensor(t);
  std::cout << "outputs:\n";
  for (const auto& t : m["outputs"]) print_tensor(t);
  std::cout << "weights:\n";
  for (const auto& w : m["weights"])
    std::cout << "  " << w["format"].get<std::string>() << "  " << w["source"].get<std::string>() << "  "
              << (w["runs_here"].get<bool>() ? "runs here: yes (" + w["engine"].get<std::string>() + ")"
                                             : "runs here: no (" + w["why_not"].get<std::string>() + ")")
              << "\n";
}

}  // namespace

void add_info_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("info", "Show a model's card: what it does, its tensors and weights");
  auto model = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file; or a URL or bioimage.io id, pulled into the models folder first")->required();
  cmd->add_flag("--json", *as_json, "Print as JSON");
  cmd->callback([=, &exit_code] {
    const json card = describe_model(resolve_model(*model, download_display(), interrupt_flag()), /*load_weights=*/true);
    if (*as_json) std::cout << card.dump(2) << "\n";
    else print_card(card);
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
