// KerasFileContents — all the importer takes from a Keras HDF5 file, read by libhdf5 in a child process.
//
//   KerasFileContents c = read_keras_file(bytes, "model.h5");   // throws Error(bad_model) naming the file
//
// Why a child process: Debian's libhdf5 (1.10) overflows heap buffers on some corrupt object headers
// (fuzzing found one in H5O's message decoding, docs/reliability.md), a bug inside the library that no
// check of ours can rule out. The child reads everything (attributes, every layer's weights) and sends
// it back through a pipe; if libhdf5 crashes, only the child dies and the user gets an error naming the
// file. libhdf5 also loops forever on some corrupt files: the child has a processor-time limit
// (child_process.hpp). The cost is one fork and one copy of the weights (milliseconds for the models we know).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::engine::keras {

struct LayerWeight {
  std::string name;  // the last component without ":0": "kernel", "bias", "gamma", "moving_mean", ...
  Tensor value;
};

struct KerasFileContents {
  std::optional<std::string> model_config;   // the root's "model_config" attribute (JSON text)
  std::string keras_version, backend;        // empty when absent
  // Each layer's weights in its weight_names order, for the layers the file lists (the weights group's
  // layer_names) and the layers model_config names; layers without weights are absent.
  std::map<std::string, std::vector<LayerWeight>> weights;
};

KerasFileContents read_keras_file(const std::vector<std::byte>& bytes, const std::string& source);

}  // namespace deepimage::engine::keras
