// Keras layers as graph IR nodes: ONE list (keras_layers.cpp, keras_layer_converters()) from a Keras
// class name to its converter. A converter reads the layer's config and weights and appends nodes to
// the graph through KerasGraphBuilder, on channels-first values (keras_graph_builder.hpp).
//
// Weight layouts as Keras writes them (TensorFlow backend): Conv kernels (k..., in, out), transposed
// conv kernels (k..., out, in), depthwise kernels (kh, kw, in, multiplier); BatchNormalization
// [gamma] [beta] moving_mean moving_variance by its scale/center flags.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/keras/keras_graph_builder.hpp"
#include "engine/keras/keras_model_file.hpp"

namespace deepimage::engine::keras {

// Lambda layers replaced by a known operation, by layer name (the rdf's config.deepimage.keras_lambda).
using LambdaReplacements = std::map<std::string, std::string>;

struct LayerCall {
  std::string class_name;
  std::string name;  // the value name of the result (the layer name, or name_k for its k-th call)
  std::string layer_name;
  const nlohmann::json& config;  // the layer's "config"
  std::vector<LayerWeight> weights;
  std::string where;          // "model.h5: layer \"conv2d_1\" (Conv2D)", the prefix of every message
  std::string keras_version;  // the file's ("2.3.1", "2.4.0-tf"): TF1- or TF2-era resize rules

  // The weight called `short_name` ("kernel"), else the one at `position`; refuses naming the layer.
  const Tensor& weight(const std::string& short_name, std::size_t position) const;
};

using LayerConverter = KerasValue (*)(const LayerCall& call, const std::vector<KerasValue>& inputs,
                                      KerasGraphBuilder& builder, const LambdaReplacements& lambdas);

// The converter for a Keras class name, or nullptr.
LayerConverter find_layer_converter(const std::string& class_name);
// The class names with a converter, for messages and docs.
std::vector<std::string> known_layer_classes();

// The operations a Lambda layer can be declared to be.
std::vector<std::string> known_lambda_replacements();

}  // namespace deepimage::engine::keras
