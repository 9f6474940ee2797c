// Feeds a TensorFlow tensor bundle: the input is variables.index (a leveldb table of
// BundleEntryProtos), "\n----\n", variables.data-00000-of-00001. TensorBundle::open reads and checks
// the index; every tensor it lists is then read (shard, offset, size, crc32c).
#include "deepimage/error.hpp"
#include "engine/tf/tensor_bundle.hpp"
#include "fuzz/fuzz_targets.hpp"

namespace deepimage::fuzz {

void fuzz_tf_tensor_bundle(Bytes bytes) {
  const std::vector<Bytes> parts = split(bytes, 2);
  const auto folder = fresh_scratch_folder() / "saved_model";
  // The bundle's folder is a SavedModel's: saved_model.pb is only looked for, never parsed here.
  write_file(folder / "saved_model.pb", {});
  write_file(folder / "variables" / "variables.index", parts[0]);
  write_file(folder / "variables" / "variables.data-00000-of-00001", parts[1]);
  const auto files = engine::tf::SavedModelFiles::at_path(folder);
  const auto bundle = engine::tf::TensorBundle::open(files);
  for (const std::string& name : bundle.names()) {
    // One tensor refused (a string tensor, a bad crc) does not stop the others from being read.
    try {
      bundle.read(name);
    } catch (const Error&) {
    }
  }
}

}  // namespace deepimage::fuzz
