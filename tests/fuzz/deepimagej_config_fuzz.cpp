// Feeds a legacy DeepImageJ config.xml, alone in its bundle folder, to parse_deepimagej_config.
#include <string>

#include "fuzz/fuzz_targets.hpp"
#include "model/bundle.hpp"
#include "model/deepimagej_config.hpp"

namespace deepimage::fuzz {

void fuzz_deepimagej_config(Bytes bytes) {
  const auto folder = fresh_scratch_folder() / "legacy";
  write_file(folder / "config.xml", bytes);
  const model::Bundle bundle = model::Bundle::open_files(folder);
  model::parse_deepimagej_config(std::string(bytes.begin(), bytes.end()), "legacy/config.xml", bundle);
}

}  // namespace deepimage::fuzz
