#include <iostream>

#include "commands.hpp"
#include "precision_option.hpp"
#include "tensor_name_options.hpp"
#include "deepimage/pull.hpp"
#include "deepimage/run.hpp"
#include "download_display.hpp"
#include "interrupt.hpp"
#include "progress_display.hpp"

namespace deepimage::cli {

void add_example_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("example", "Run a model on its own example (its sample or test input)");
  auto options = std::make_shared<RunOptions>();
  auto as_json = std::make_shared<bool>(false);
  auto input_copy = std::make_shared<std::string>();
  auto progress_mode = std::make_shared<std::string>("none");
  auto model = std::make_shared<std::string>();
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file; or a URL or bioimage.io id, pulled into the models folder first")->required();
  cmd->add_option("-o,--output", options->output,
                  "Result file (.tif, .npy), or a folder for several outputs (default: <input id>_<model name>.tif here)");
  cmd->add_option("--weights", options->weights, "Weights format: torchscript, onnx, tensorflow_saved_model_bundle or keras_hdf5 (default: the best that runs here)");
  add_tensor_name_options(cmd, options->input_name, options->output_name);
  cmd->add_flag("--overwrite", options->overwrite, "Replace the result if it exists");
  add_precision_option(cmd, options->precision);
  cmd->add_option("--save-input", *input_copy,
                  "Also write the example input as an image (.tif), for viewers that cannot read .npy");
  cmd->add_option("--progress", *progress_mode, "auto, json (one JSON object per tile on stderr) or none (default)")
      ->check(CLI::IsMember({"auto", "json", "none"}));
  cmd->add_flag("--json", *as_json, "Print the run report as JSON");
  cmd->callback([=, &exit_code] {
    options->model = resolve_model(*model, download_display(), interrupt_flag());
    options->progress = progress_for(*progress_mode, 5.0);
    options->cancel = interrupt_flag();
    const RunReport report = run_example(*options, *input_copy);
    if (*as_json) {
      std::cout << to_json(report).dump(2) << "\n";
    } else {
      for (const auto& out : report.outputs_written) std::cout << "wrote " << out << "\n";
      for (const auto& w : report.warnings) std::cerr << "warning: " << w << "\n";
    }
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
