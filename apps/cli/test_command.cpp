#include <algorithm>
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "precision_option.hpp"
#include "deepimage/model_test.hpp"
#include "deepimage/pull.hpp"
#include "download_display.hpp"
#include "interrupt.hpp"

namespace deepimage::cli {

void add_test_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("test", "Check that a model reproduces its own test outputs (exit 3 if not)");
  auto options = std::make_shared<TestOptions>();
  auto model = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file; or a URL or bioimage.io id, pulled into the models folder first")->required();
  cmd->add_option("--weights", options->weights, "Weights format to test")->check(CLI::IsMember({"torchscript", "onnx", "keras_hdf5"}));
  cmd->add_option("--threads", options->threads, "Threads (default: all cores)")->check(CLI::NonNegativeNumber);
  add_precision_option(cmd, options->precision);
  cmd->add_flag("--json", *as_json, "Print the report as JSON");
  cmd->callback([=, &exit_code] {
    options->model = resolve_model(*model, download_display(), interrupt_flag());
    const TestReport r = test_model(*options);
    if (*as_json) {
      std::cout << to_json(r).dump(2) << "\n";
    } else {
      std::cout << r.model_name << " (" << r.weights_format << ", " << r.engine
                << (r.precision == "fp32" ? "" : ", " + r.precision + ": compared with the tolerance of fp32 outputs") << ")\n";
      const auto print = [](const std::vector<OutputComparison>& list) {
        for (const auto& o : list)
          std::printf("    %-14s %s  max |diff| %.3g  mean |diff| %.3g  mismatched %lld of %lld (allowed %lld; rtol %g, atol %g)%s%s\n",
                      o.id.c_str(), o.passed ? "PASS" : "FAIL", o.max_abs_diff, o.mean_abs_diff,
                      static_cast<long long>(o.mismatched), static_cast<long long>(o.element_count),
                      static_cast<long long>(o.allowed_mismatched), o.relative_tolerance, o.absolute_tolerance,
                      o.problem.empty() ? "" : "; ", o.problem.c_str());
      };
      std::cout << "  the engine on the test inputs as given:\n";
      print(r.outputs);
      std::string tile;
      for (std::size_t k = 0; k < r.tile_shape.size(); ++k)
        tile += (k ? "," : "") + std::string(1, r.tiled_axes[k]) + "=" + std::to_string(r.tile_shape[k]);
      std::cout << "  the run pipeline in " << r.tile_count << " tiles of " << (tile.empty() ? "the whole input" : tile)
                << " (away from the border halo):\n";
      print(r.tiled_outputs);
      const auto all_passed = [](const std::vector<OutputComparison>& list) {
        return std::all_of(list.begin(), list.end(), [](const OutputComparison& o) { return o.passed; });
      };
      if (r.passed)
        std::cout << "passed\n";
      else if (all_passed(r.outputs))
        std::cout << "FAILED: the engine reproduces the test outputs, but not when the input is tiled: the model's declared "
                     "halo does not cover what its network sees, so tiled runs show seams (run whole images, or give a "
                     "larger --halo)\n";
      else
        std::cout << "FAILED: outputs differ from the bundle's test outputs\n";
    }
    exit_code = r.passed ? 0 : 3;
  });
}

}  // namespace deepimage::cli
