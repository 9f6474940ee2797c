#include <iostream>
#include <memory>

#include "commands.hpp"
#include "deepimage/run.hpp"

namespace deepimage::cli {

void add_pyramid_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("pyramid", "Add the lower resolution levels to an OME-Zarr image written with level 0 "
                                            "only, e.g. by the shards of `run --shard` once all are done");
  auto path = std::make_shared<std::string>();
  auto levels = std::make_shared<int>(0);
  cmd->add_option("image", *path, "OME-Zarr image (a .ome.zarr folder), changed in place")->required();
  cmd->add_option("--levels", *levels, "Resolution levels in all, level 0 included (default 0: halve y and x down to "
                                       "a level that fits one chunk, as `run` does)");
  cmd->callback([=, &exit_code] {
    add_pyramid_levels(*path, *levels);
    std::cout << "added the resolution levels of " << *path << "\n";
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
