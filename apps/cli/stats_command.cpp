#include <iostream>
#include <memory>

#include "commands.hpp"
#include "deepimage/catalog.hpp"
#include "deepimage/pull.hpp"
#include "deepimage/run.hpp"
#include "interrupt.hpp"
#include "tensor_name_options.hpp"

namespace deepimage::cli {

void add_stats_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("stats", "Measure an image's whole-image normalisation statistics for a model, once, "
                                          "for sharded runs and `run --stats`");
  auto options = std::make_shared<RunOptions>();
  auto model = std::make_shared<std::string>(), output = std::make_shared<std::string>();
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file; or a URL or bioimage.io id")->required();
  cmd->add_option("input", *inputs, "Image, one per model input (the whole image the shards will cut)")->required();
  cmd->add_option("-o,--output", *output, "Statistics file to write (JSON), e.g. stats.json")->required();
  add_tensor_name_options(cmd, options->input_name, options->output_name);
  cmd->add_option("--axes", options->axes, "Axes of the input image, e.g. yx, cyx, zyx (default: from the file)");
  cmd->add_option("--channels", options->channels, "Image channels to give the model, in order, e.g. 0,2")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--overwrite", options->overwrite, "Replace an existing statistics file");
  cmd->add_flag("--json", *json, "Print what was measured as JSON");
  cmd->callback([=, &exit_code] {
    options->model = resolve_model(*model, DownloadCallback{}, interrupt_flag());
    options->inputs.assign(inputs->begin(), inputs->end());
    options->stats = *output;
    const StatsReport report = measure_statistics_file(*options);
    if (*json) std::cout << to_json(report).dump(2) << "\n";
    else {
      std::cout << "wrote " << report.file << ": " << report.measure_count << " measure(s) of " << report.model_name << "'s preprocessing";
      for (std::size_t i = 0; i < report.ops.size(); ++i) std::cout << (i ? ", " : " (") << report.ops[i] << (i + 1 == report.ops.size() ? ")" : "");
      std::cout << " over " << report.sample_count << (report.sample_count == 1 ? " sample" : " samples") << "\n";
    }
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
