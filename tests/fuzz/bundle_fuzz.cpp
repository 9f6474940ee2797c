// Feeds a zipped model bundle: Bundle::open_files lists and reads every entry (sizes, ratios, names
// with ".." or absolute paths), then open_model finds and parses its rdf.yaml or config.xml.
#include "deepimage/error.hpp"
#include "fuzz/fuzz_targets.hpp"
#include "model/bundle.hpp"
#include "model/model.hpp"

namespace deepimage::fuzz {

void fuzz_bundle(Bytes bytes) {
  const auto path = fresh_scratch_folder() / "fuzz.zip";
  write_file(path, bytes);
  const model::Bundle files = model::Bundle::open_files(path);
  for (const std::string& name : files.entry_names()) {
    // At most 1 MiB each: a larger entry is refused (bad_model) before anything is inflated. A
    // refused entry does not stop the others from being read.
    try {
      files.read(name, std::uint64_t{1} << 20);
    } catch (const Error&) {
    }
  }
  model::open_model(path);
}

}  // namespace deepimage::fuzz
