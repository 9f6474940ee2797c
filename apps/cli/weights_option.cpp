#include "weights_option.hpp"

#include <vector>

#include "deepimage/catalog.hpp"

namespace deepimage::cli {

void add_weights_option(CLI::App* cmd, std::string& weights, const std::string& help) {
  std::vector<std::string> formats;
  for (const auto& engine : describe_engines())
    for (const auto& format : engine["weight_formats"]) formats.push_back(format.get<std::string>());
  cmd->add_option("--weights", weights, help)->check(CLI::IsMember(formats));
}

}  // namespace deepimage::cli
