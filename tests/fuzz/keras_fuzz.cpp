// Feeds a Keras HDF5 model file to import_keras: HDF5 opened from memory (hdf5_file.cpp), the
// model_config JSON, each layer's weights, the graph built from the layers.
#include "engine/keras/keras_import.hpp"
#include "fuzz/fuzz_targets.hpp"

namespace deepimage::fuzz {

void fuzz_keras(Bytes bytes) { engine::import_keras(to_bytes(bytes), "fuzz.h5"); }

}  // namespace deepimage::fuzz
