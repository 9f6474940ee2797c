// Feeds a TensorFlow 1 SavedModel folder: the input is saved_model.pb, "\n----\n", variables.index,
// "\n----\n", variables.data-00000-of-00001 (parts may be missing). load_saved_model parses the meta
// graph and its signature, freezes the variables from the tensor bundle and prunes the graph; then
// import_tf_graph maps the frozen graph's operations, as the native engine does.
#include "engine/tf/saved_model.hpp"
#include "engine/tf/tf_import.hpp"
#include "fuzz/fuzz_targets.hpp"

namespace deepimage::fuzz {

void fuzz_tf_saved_model(Bytes bytes) {
  const std::vector<Bytes> parts = split(bytes, 3);
  const auto folder = fresh_scratch_folder() / "saved_model";
  write_file(folder / "saved_model.pb", parts[0]);
  if (!parts[1].empty()) write_file(folder / "variables" / "variables.index", parts[1]);
  if (!parts[2].empty()) write_file(folder / "variables" / "variables.data-00000-of-00001", parts[2]);
  const engine::tf::SavedModelFiles files = engine::tf::SavedModelFiles::at_path(folder);
  const engine::tf::FrozenGraph frozen = engine::tf::load_saved_model(files, {}, {});
  std::vector<std::string> feeds, fetches;
  for (const auto& t : frozen.feeds) feeds.push_back(t.name);
  for (const auto& t : frozen.fetches) fetches.push_back(t.name);
  engine::import_tf_graph(frozen.graph, feeds, fetches, frozen.where);
}

}  // namespace deepimage::fuzz
