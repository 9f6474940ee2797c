#include <iostream>

#include "commands.hpp"
#include "object_rule_options.hpp"
#include "deepimage/objects.hpp"

namespace deepimage::cli {

void add_objects_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("objects", "Find objects in a probability image: label image and measurements per object");
  auto options = std::make_shared<FindObjectsOptions>();
  auto json = std::make_shared<bool>(false), quiet = std::make_shared<bool>(false);
  cmd->add_option("probability", options->probability, "Image to threshold: a model's output (TIFF, OME-Zarr, .npy)")->required();
  cmd->add_option("--intensity", options->intensity, "Image to measure under each object (mean, min, max of every channel)");
  cmd->add_option("-o,--labels", options->labels, "Label image (.tif; default: <probability stem>_labels.tif beside it)");
  cmd->add_option("--table", options->table, "Measurements (.csv; default: <probability stem>_objects.csv beside it)");
  cmd->add_option("--axes", options->axes, "Axes of the probability image when its file does not say, e.g. cyx");
  auto rules = std::make_shared<ObjectRuleOptions>(cmd, "Objects");
  cmd->add_flag("--overwrite", options->overwrite, "Replace an existing label image and table");
  cmd->add_flag("--json", *json, "Print the report, every object's measurements included, as JSON");
  cmd->add_flag("--quiet", *quiet, "Print nothing on success");
  cmd->callback([=, &exit_code] {
    options->rules = rules->rules();
    const ObjectsReport r = find_objects(*options);
    if (*json) std::cout << to_json(r).dump(2) << "\n";
    else if (!*quiet)
      std::cout << "wrote " << r.labels_file << " and " << r.table_file << ": " << r.object_count
                << (r.object_count == 1 ? " object" : " objects") << " in " << r.image_count << " "
                << (r.object_axes == "zyx" ? "volume" : "plane") << (r.image_count == 1 ? "" : "s") << " ("
                << rules_used(r) << ")\n";
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
