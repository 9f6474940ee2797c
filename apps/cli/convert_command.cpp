#include <iostream>

#include "commands.hpp"
#include "deepimage/convert.hpp"
#include "deepimage/pull.hpp"
#include "download_display.hpp"
#include "interrupt.hpp"
#include "test_report_display.hpp"

namespace deepimage::cli {

void add_convert_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("convert", "Write a model's weights in another format into a tested copy of the bundle (exit 3 if the copy fails its test)");
  auto options = std::make_shared<ConvertOptions>();
  auto model = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file; or a URL or bioimage.io id, pulled into the models folder first")->required();
  cmd->add_option("--to", options->to, "Format to write: onnx (opset 17) or torchscript (a .pt that LibTorch and torch.jit.load read)")->required()->check(CLI::IsMember(conversion_formats()));
  cmd->add_option("-o,--output", options->output, "New bundle folder (must not exist)")->required();
  cmd->add_option("--weights", options->weights, "Weights format to convert from (default: the first the native engine reads)");
  cmd->add_option("--threads", options->threads, "Threads for the test (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", *as_json, "Print the report as JSON");
  cmd->callback([=, &exit_code] {
    options->model = resolve_model(*model, download_display(), interrupt_flag());
    const ConvertReport r = convert_model(*options);
    if (*as_json) {
      std::cout << nlohmann::json{{"from", r.from_format}, {"to", r.to_format}, {"weights", r.weights_file},
                                  {"output", r.output.string()}, {"test", to_json(r.test)}}.dump(2) << "\n";
    } else {
      std::cout << "converted " << r.from_format << " weights to " << r.to_format << ": " << (r.output / r.weights_file).string() << "\n";
      print_test_report(r.test);
    }
    exit_code = r.test.passed ? 0 : 3;
  });
}

}  // namespace deepimage::cli
