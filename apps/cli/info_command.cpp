#include <iostream>

#include "commands.hpp"
#include "deepimage/architecture.hpp"
#include "deepimage/catalog.hpp"
#include "deepimage/pull.hpp"
#include "download_display.hpp"
#include "interrupt.hpp"
#include "tensor_name_options.hpp"

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
  const std::string format = m["format_version"].get<std::string>();
  if (format == "deepimagej-config")
    std::cout << "  legacy DeepImageJ bundle, " << m["rdf"].get<std::string>() << "\n";
  else if (format == "bare-weights")
    std::cout << "  bare weights without an rdf: axes from the graph's tensor ranks, no pre- or postprocessing\n";
  else
    std::cout << "  bioimage.io format " << format << ", " << m["rdf"].get<std::string>() << "; license "
              << m["license"].get<std::string>() << "\n";
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
  if (m.contains("macros") && !m["macros"].empty()) {
    std::cout << "ImageJ macros (never executed):\n";
    for (const auto& macro : m["macros"])
      std::cout << "  " << macro["stage"].get<std::string>() << "  " << macro["file"].get<std::string>() << ": "
                << macro["note"].get<std::string>() << "\n";
  }
  if (m.contains("objects"))
    std::cout << "objects (run --objects): star-convex polygons (StarDist" << (m["objects"]["stardist_version"].get<std::string>().empty() ? "" : " " + m["objects"]["stardist_version"].get<std::string>())
              << "), probability threshold " << m["objects"]["probability_threshold"].get<double>() << ", nms "
              << m["objects"]["nms_threshold"].get<double>() << "\n";
  std::cout << "weights:\n";
  for (const auto& w : m["weights"])
    std::cout << "  " << w["format"].get<std::string>() << "  " << w["source"].get<std::string>() << "  "
              << (w["runs_here"].get<bool>() ? "runs here: yes (" + w["engine"].get<std::string>() + ")"
                                             : "runs here: no (" + w["why_not"].get<std::string>() + ")")
              << "\n";
}

}  // namespace

void add_info_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("info", "Show a model's card: what it does, its tensors and weights (or its layers, with --architecture)");
  auto model = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  auto architecture = std::make_shared<bool>(false);
  auto weights = std::make_shared<std::string>();
  auto input_name = std::make_shared<std::string>(), output_name = std::make_shared<std::string>();
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file; or a URL or bioimage.io id, pulled into the models folder first")->required();
  cmd->add_flag("--json", *as_json, "Print as JSON");
  auto* arch_flag = cmd->add_flag("--architecture", *architecture,
                                  "Show the network's layers with output shapes for the example input, parameters and FLOPs");
  cmd->add_option("--weights", *weights, "With --architecture: weights format, torchscript, onnx, tensorflow_saved_model_bundle or keras_hdf5 (default: the best that runs here)")
      ->needs(arch_flag);
  add_tensor_name_options(cmd, *input_name, *output_name);
  cmd->callback([=, &exit_code] {
    exit_code = 0;
    if (*architecture) {
      const Architecture a = describe_architecture(resolve_model(*model, download_display(), interrupt_flag()), *weights, *input_name, *output_name);
      if (*as_json) std::cout << to_json(a).dump(2) << "\n";
      else std::cout << to_text(a);
      return;
    }
    const json card = describe_model(resolve_model(*model, download_display(), interrupt_flag()), /*load_weights=*/true, *input_name, *output_name);
    if (*as_json) std::cout << card.dump(2) << "\n";
    else print_card(card);
  });
}

}  // namespace deepimage::cli
