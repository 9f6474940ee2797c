// KerasModelFile — what a Keras HDF5 model file holds, as Keras 2.0-2.x (and tf.keras 2.x) save it:
//
//   /                 attributes model_config (JSON: class_name + config with the layers),
//                     keras_version ("2.3.1", "2.4.0-tf"), backend ("tensorflow")
//   /model_weights/<layer>/           attribute weight_names: the layer's weights in Keras order
//   /model_weights/<layer>/<weight name>   one dataset each ("conv2d_1/kernel:0" is a group path)
//
// A file saved by save_weights() alone (no model_config) has no architecture and is refused.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"
#include "engine/keras/keras_file_contents.hpp"

namespace deepimage::engine::keras {

class KerasModelFile {
 public:
  KerasModelFile(const std::vector<std::byte>& bytes, const std::string& source);
  ~KerasModelFile();

  const nlohmann::json& model_config() const { return model_config_; }
  const std::string& keras_version() const { return keras_version_; }
  const std::string& source() const { return source_; }
  // The layer's weights in the order of its weight_names; empty when the file stores none for it.
  std::vector<LayerWeight> layer_weights(const std::string& layer) const;

 private:
  std::string source_;
  KerasFileContents contents_;  // read by libhdf5 in a child process (keras_file_contents.hpp)
  nlohmann::json model_config_;
  std::string keras_version_;
};

}  // namespace deepimage::engine::keras
