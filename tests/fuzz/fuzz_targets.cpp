// The list of fuzz targets (fuzz_targets.hpp): scripts/fuzz.sh runs each fuzz_<name> executable, the
// regression test replays tests/data/fuzz/<name>/ through the same entry.
#include "fuzz/fuzz_targets.hpp"

namespace deepimage::fuzz {

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> targets{
      {"tiff", "a TIFF file: header, pages, one box through the region API, the whole image", fuzz_tiff},
      {"npy", "a .npy file: read from memory, and memory-mapped (one box, the whole array)", fuzz_npy},
      {"ome_zarr", ".zattrs, level 0's .zarray and its first chunk: metadata and one box", fuzz_ome_zarr},
      {"rdf", "an rdf.yaml of format 0.3, 0.4 or 0.5: parse_rdf", fuzz_rdf},
      {"bundle", "a zipped bundle: every entry read, then open_model", fuzz_bundle},
      {"deepimagej_config", "a legacy config.xml: parse_deepimagej_config", fuzz_deepimagej_config},
#if DEEPIMAGE_WITH_NATIVE
      {"onnx", "an ONNX model file: import_onnx", fuzz_onnx},
      {"tf_saved_model", "saved_model.pb and its variables: load_saved_model, import_tf_graph", fuzz_tf_saved_model},
      {"tf_tensor_bundle", "variables.index and its data shard: TensorBundle::open, every tensor read", fuzz_tf_tensor_bundle},
      {"keras", "a Keras HDF5 model file: import_keras", fuzz_keras},
#endif
  };
  return targets;
}

const FuzzTarget* find_fuzz_target(const std::string& name) {
  for (const FuzzTarget& t : fuzz_targets())
    if (name == t.name) return &t;
  return nullptr;
}

}  // namespace deepimage::fuzz
