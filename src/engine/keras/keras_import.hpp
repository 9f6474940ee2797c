// import_keras — a Keras HDF5 model file (model.save() of Keras 2.0-2.x or tf.keras 2.x) as the
// native engine's graph (graph/graph.hpp), in canonical form.
//
//   graph::Graph g = import_keras(bytes, "model.h5", {{"hist_norm", "min_max_normalization"}});
//
// The file's model_config (keras_model_file.hpp) gives the layers, Functional (inbound_nodes, Keras
// 2's nested lists or Keras 3's keras_history form) or Sequential (the first layer's batch_input_shape
// when there is no InputLayer). Each layer becomes nodes by its class (keras_layers.hpp). The graph's
// inputs and outputs keep Keras' channels-last layout (rdf axes "byxc"); inside, tensors are
// channels-first, with one Transpose after each input and before each output. Inputs are named after
// their InputLayer, outputs after their layer. Refused with one line naming the file and the layer
// (Error(unsupported) or Error(bad_model)): unknown layer classes, nested models, Lambda layers without
// a declared replacement, missing weights, channels_first models.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/graph/graph.hpp"
#include "engine/keras/keras_layers.hpp"

namespace deepimage::engine {

// The rdf's declarations of what Lambda layers compute: config.deepimage.keras_lambda, a map from layer
// name to one of keras::known_lambda_replacements(). Empty when absent; Error(bad_model) when malformed.
keras::LambdaReplacements keras_lambda_declarations(const nlohmann::json& rdf_config);

graph::Graph import_keras(const std::vector<std::byte>& bytes, const std::string& source,
                          const keras::LambdaReplacements& lambdas = {});

}  // namespace deepimage::engine
