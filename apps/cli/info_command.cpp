#include <algorithm>
#include <cstdio>
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
  std::cout << "weights:\n";
  for (const auto& w : m["weights"])
    std::cout << "  " << w["format"].get<std::string>() << "  " << w["source"].get<std::string>() << "  "
              << (w["runs_here"].get<bool>() ? "runs here: yes (" + w["engine"].get<std::string>() + ")"
                                             : "runs here: no (" + w["why_not"].get<std::string>() + ")")
              << "\n";
}

// 12345678 -> "12,345,678"
std::string grouped(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), s;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return (n < 0 ? "-" : "") + s;
}

// 12345678901 -> "12.35 G"
std::string scaled(std::int64_t n) {
  const char* units[] = {"", " k", " M", " G", " T", " P"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000.0 && u < 5) v /= 1000.0, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f%s" : "%.2f%s", v, units[u]);
  return buf;
}

std::string shape_text(const Shape& s) {
  std::string t = "(";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + (s[i] < 0 ? std::string("?") : std::to_string(s[i]));
  return t + ")";
}

// A table like torchinfo's summary: one row per layer, then the totals.
void print_architecture(const Architecture& a) {
  std::string inputs;
  for (std::size_t i = 0; i < a.input_shapes.size(); ++i)
    inputs += (i ? ", " : "") + a.input_ids[i] + " " + shape_text(a.input_shapes[i]);
  std::cout << a.weights_format << " weights, one row per " << (a.view == "modules" ? "leaf module call or operator"
                                                                : a.view == "nodes"  ? "graph node"
                                                                                     : "operator")
            << ", shapes for input " << inputs << "\n";
  struct Row {
    std::string layer, shape, params, flops;
  };
  std::vector<Row> rows = {{"Layer (kind)", "Output shape", "Params", "FLOPs"}};
  for (const LayerInfo& l : a.layers) {
    std::string shapes;
    for (const Shape& s : l.output_shapes) shapes += (shapes.empty() ? "" : " ") + shape_text(s);
    rows.push_back({(l.name.empty() ? "-" : l.name) + " (" + l.kind + ")", shapes, grouped(l.params),
                    l.flops ? scaled(l.flops) : "-"});
  }
  std::size_t w0 = 0, w1 = 0, w2 = 0;
  for (const Row& r : rows) w0 = std::max(w0, r.layer.size()), w1 = std::max(w1, r.shape.size()), w2 = std::max(w2, r.params.size());
  const std::string rule(w0 + w1 + w2 + 18, '=');
  std::cout << rule << "\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::cout << r.layer << std::string(w0 - r.layer.size() + 2, ' ') << r.shape << std::string(w1 - r.shape.size() + 2, ' ')
              << std::string(w2 - r.params.size(), ' ') << r.params << "  " << r.flops << "\n";
    if (i == 0) std::cout << rule << "\n";
  }
  std::cout << rule << "\n"
            << "Total params: " << grouped(a.total_params) << "\n"
            << "Total FLOPs: " << grouped(a.total_flops) << " (" << scaled(a.total_flops)
            << "; a multiply-add is 2 FLOPs; convolutions and matrix products only)\n";
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
      else print_architecture(a);
      return;
    }
    const json card = describe_model(resolve_model(*model, download_display(), interrupt_flag()), /*load_weights=*/true, *input_name, *output_name);
    if (*as_json) std::cout << card.dump(2) << "\n";
    else print_card(card);
  });
}

}  // namespace deepimage::cli
