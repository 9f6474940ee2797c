#include <iostream>

#include "commands.hpp"
#include "deepimage/pull.hpp"
#include "download_display.hpp"
#include "interrupt.hpp"

namespace deepimage::cli {

void add_pull_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("pull", "Download a model (URL, .zip or bioimage.io id) into the models folder");
  auto options = std::make_shared<PullOptions>();
  auto as_json = std::make_shared<bool>(false);
  cmd->add_option("source", options->source,
                  "URL of a bundle .zip or rdf.yaml, a local .zip, or a model id, nickname or DOI (e.g. affable-shark)")
      ->required();
  cmd->add_option("--dir", options->dir, "Models folder (default: $DEEPIMAGE_MODELS, else ~/.local/share/deepimage/models)");
  cmd->add_option("--sha256", options->sha256, "Expected sha256 of the zip or rdf downloaded")
      ->check(CLI::Validator(
          [](std::string& v) {
            const bool hex = v.size() == 64 && v.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
            return hex ? std::string() : "\"" + v + "\" is not a sha256 (expected 64 hexadecimal digits)";
          },
          "HEX"));
  cmd->add_option("--collection", options->collection,
                  "Collection index (file or URL, bioimage.io collection.json layout) to look ids up in (default: "
                  "$DEEPIMAGE_COLLECTION, else bioimage.io's)");
  cmd->add_flag("--force", options->force, "Replace the model if it is already in the folder");
  cmd->add_flag("--json", *as_json, "Print the report as JSON");
  cmd->callback([=, &exit_code] {
    options->progress = download_display();
    options->cancel = interrupt_flag();
    const PullReport r = pull_model(*options);
    if (*as_json) std::cout << to_json(r).dump(2) << "\n";
    else if (r.already_present)
      std::cout << "already present: " << r.model_path << " (--force replaces it)\n";
    else
      std::cout << "pulled " << (r.model_name.empty() ? r.source : r.model_name) << " into " << r.model_path << " ("
                << r.files << " files)\n";
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
