#include <algorithm>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "precision_option.hpp"
#include "tensor_name_options.hpp"
#include "weights_option.hpp"
#include "deepimage/model_test.hpp"
#include "deepimage/pull.hpp"
#include "download_display.hpp"
#include "interrupt.hpp"
#include "test_report_display.hpp"

namespace deepimage::cli {

void add_test_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("test", "Check that a model reproduces its own test outputs (exit 3 if not)");
  auto options = std::make_shared<TestOptions>();
  auto model = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file; or a URL or bioimage.io id, pulled into the models folder first")->required();
  add_weights_option(cmd, options->weights, "Weights format to test");
  add_tensor_name_options(cmd, options->input_name, options->output_name);
  cmd->add_option("--threads", options->threads, "Threads (default: all cores)")->check(CLI::NonNegativeNumber);
  add_precision_option(cmd, options->precision);
  cmd->add_flag("--json", *as_json, "Print the report as JSON");
  cmd->callback([=, &exit_code] {
    options->model = resolve_model(*model, download_display(), interrupt_flag());
    const TestReport r = test_model(*options);
    if (*as_json) {
      std::cout << to_json(r).dump(2) << "\n";
    } else {
      print_test_report(r);
    }
    exit_code = r.passed ? 0 : 3;
  });
}

}  // namespace deepimage::cli
