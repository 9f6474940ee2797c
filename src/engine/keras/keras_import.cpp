#include "engine/keras/keras_import.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "deepimage/error.hpp"
#include "engine/keras/keras_graph_builder.hpp"
#include "engine/keras/keras_model_file.hpp"

namespace deepimage::engine {
namespace {

using keras::KerasGraphBuilder;
using keras::KerasValue;
using nlohmann::json;

// A layer output as Functional configs address it: (layer, call, output index).
std::string tensor_key(const std::string& layer, std::int64_t call, std::int64_t index) {
  return layer + "#" + std::to_string(call) + "#" + std::to_string(index);
}

std::string tensor_key_of(const json& history, const std::string& source) {
  if (!history.is_array() || history.size() < 3 || !history[0].is_string())
    throw Error(ErrorCode::bad_model,
                source + ": a layer reference " + history.dump() + " is not [layer, call, index]");
  return tensor_key(history[0].get<std::string>(), history[1].get<std::int64_t>(), history[2].get<std::int64_t>());
}

// Keras 3 writes call arguments as {"args": [...]} holding {"keras_history": [layer, call, index]}.
void collect_keras_history(const json& j, std::vector<std::string>& keys, const std::string& source) {
  if (j.is_object()) {
    if (j.contains("keras_history")) {
      keys.push_back(tensor_key_of(j.at("keras_history"), source));
      return;
    }
    for (const auto& [k, v] : j.items()) collect_keras_history(v, keys, source);
  } else if (j.is_array()) {
    for (const auto& v : j) collect_keras_history(v, keys, source);
  }
}

// Each call of a Functional layer, as the keys of its inputs.
std::vector<std::vector<std::string>> layer_calls(const json& layer, const std::string& source) {
  std::vector<std::vector<std::string>> calls;
  if (!layer.contains("inbound_nodes")) return calls;
  for (const auto& call : layer.at("inbound_nodes")) {
    std::vector<std::string> keys;
    if (call.is_object())
      collect_keras_history(call.contains("args") ? call.at("args") : call, keys, source);
    else
      for (const auto& input : call)
        keys.push_back(tensor_key_of(input, source));  // Keras 2: [layer, call, index, kwargs]
    calls.push_back(std::move(keys));
  }
  return calls;
}

// input_layers / output_layers: a list of [layer, call, index], or (Keras 3, one tensor) that triple alone.
std::vector<std::string> endpoint_keys(const json& list, const std::string& source) {
  std::vector<std::string> keys;
  if (list.is_array() && !list.empty() && list[0].is_string()) return {tensor_key_of(list, source)};
  for (const auto& e : list) keys.push_back(tensor_key_of(e, source));
  return keys;
}

class Importer {
 public:
  Importer(const keras::KerasModelFile& file, const keras::LambdaReplacements& lambdas)
      : file_(file), lambdas_(lambdas), builder_(graph_) {
    graph_.source = file.source();
  }

  graph::Graph import() {
    const json& model = file_.model_config();
    const std::string class_name = model.at("class_name").get<std::string>();
    const json& config = model.at("config");
    if (class_name == "Sequential") {
      check_lambda_declarations(config.is_array() ? config : config.at("layers"));
      import_sequential(config);
    } else if (class_name == "Model" || class_name == "Functional") {
      check_lambda_declarations(config.at("layers"));
      import_functional(config);
    } else {
      throw Error(ErrorCode::unsupported,
                  where() + " holds a \"" + class_name + "\", expected a Functional or Sequential model");
    }
    return std::move(graph_);
  }

 private:
  std::string where() const { return file_.source(); }
  std::string where(const json& layer) const {
    return file_.source() + ": layer \"" + layer.value("name", layer.at("config").value("name", std::string("?"))) +
           "\" (" + layer.value("class_name", std::string("?")) + ")";
  }
  static std::string name_of(const json& layer) {
    if (layer.contains("name")) return layer.at("name").get<std::string>();
    return layer.at("config").at("name").get<std::string>();
  }

  // A graph input from an InputLayer's (or a Sequential first layer's) batch_input_shape.
  KerasValue add_input(const std::string& name, const json& config, const std::string& where) {
    const json* shape = nullptr;
    for (const char* key : {"batch_input_shape", "batch_shape"})
      if (config.contains(key) && config.at(key).is_array()) shape = &config.at(key);
    if (!shape) throw Error(ErrorCode::bad_model, where + " declares no batch_input_shape");
    const std::string dtype =
        config.contains("dtype") && config.at("dtype").is_string() ? config.at("dtype").get<std::string>() : "float32";
    if (dtype != "float32")
      throw Error(ErrorCode::unsupported, where + " takes " + dtype + "; the native engine runs float32 inputs");
    Shape dims;
    for (const auto& d : *shape) dims.push_back(d.is_null() ? -1 : d.get<std::int64_t>());
    graph::Value input;
    input.name = name;
    input.shape = dims;
    input.shape_known = true;
    const graph::ValueId id = graph_.add_value(std::move(input));
    graph_.inputs.push_back(id);
    return builder_.to_channels_first({id, static_cast<int>(dims.size())}, name + "/channels_first");
  }

  KerasValue convert(const json& layer, const std::string& value_name, const std::vector<KerasValue>& inputs) {
    const std::string class_name = layer.at("class_name").get<std::string>();
    const std::string layer_name = name_of(layer);
    if (class_name == "Model" || class_name == "Functional" || class_name == "Sequential")
      throw Error(ErrorCode::unsupported, where(layer) +
                                              " is a nested model; the native engine reads flat models (save the inner "
                                              "model's layers in the outer one)");
    const keras::LayerConverter converter = keras::find_layer_converter(class_name);
    if (!converter)
      throw Error(
          ErrorCode::unsupported,
          where(layer) +
              " is a layer class the native engine does not know (docs/engines.md lists the Keras layers it reads)");
    const keras::LayerCall call{.class_name = class_name,
                                .name = value_name,
                                .layer_name = layer_name,
                                .config = layer.at("config"),
                                .weights = file_.layer_weights(layer_name),
                                .where = where(layer),
                                .keras_version = file_.keras_version()};
    return converter(call, inputs, builder_, lambdas_);
  }

  void add_output(KerasValue v, const std::string& name) {
    if (v.rank >= 3) {
      graph_.value(v.id).name = name + "/channels_first";
      v = builder_.to_channels_last(v, name);
    }
    graph_.outputs.push_back(v.id);
  }

  void import_functional(const json& config) {
    const json& layers = config.at("layers");
    std::map<std::string, const json*> by_name;
    for (const auto& layer : layers) by_name[name_of(layer)] = &layer;
    std::map<std::string, KerasValue> available;
    for (const auto& key : endpoint_keys(config.at("input_layers"), where())) {
      const std::string name = key.substr(0, key.find('#'));
      const auto it = by_name.find(name);
      if (it == by_name.end())
        throw Error(ErrorCode::bad_model, where() + ": input layer \"" + name + "\" is not among the layers");
      available[key] = add_input(name, it->second->at("config"), where(*it->second));
    }
    // Calls in an order where every input exists: Keras writes layers topologically, but a shared
    // layer's later calls may depend on layers listed after it.
    struct Pending {
      const json* layer;
      std::size_t call;
      std::vector<std::string> inputs;
    };
    std::vector<Pending> pending;
    for (const auto& layer : layers) {
      if (layer.at("class_name") == "InputLayer") continue;
      const auto calls = layer_calls(layer, where());
      for (std::size_t k = 0; k < calls.size(); ++k) pending.push_back({&layer, k, calls[k]});
    }
    while (!pending.empty()) {
      const auto ready = std::find_if(pending.begin(), pending.end(), [&](const Pending& p) {
        return std::all_of(p.inputs.begin(), p.inputs.end(),
                           [&](const std::string& k) { return available.count(k) != 0; });
      });
      if (ready == pending.end()) {
        for (const auto& k : pending.front().inputs)
          if (!available.count(k))
            throw Error(ErrorCode::bad_model, where(*pending.front().layer) + " reads \"" + k.substr(0, k.find('#')) +
                                                  "\", which no layer produces (or a cycle)");
        throw Error(ErrorCode::internal, where(*pending.front().layer) + " is never ready");
      }
      std::vector<KerasValue> inputs;
      for (const auto& k : ready->inputs) inputs.push_back(available.at(k));
      const std::string name = name_of(*ready->layer);
      const std::string value_name = ready->call == 0 ? name : name + "_" + std::to_string(ready->call);
      available[tensor_key(name, static_cast<std::int64_t>(ready->call), 0)] =
          convert(*ready->layer, value_name, inputs);
      pending.erase(ready);
    }
    for (const auto& key : endpoint_keys(config.at("output_layers"), where())) {
      const auto it = available.find(key);
      if (it == available.end())
        throw Error(ErrorCode::bad_model,
                    where() + ": output \"" + key.substr(0, key.find('#')) + "\" is never computed");
      add_output(it->second, key.substr(0, key.find('#')));
    }
  }

  // Keras 2.0-2.1 write a Sequential config as the list of layers, later versions as {"layers": [...]}.
  void import_sequential(const json& config) {
    const json& layers = config.is_array() ? config : config.at("layers");
    if (layers.empty()) throw Error(ErrorCode::bad_model, where() + ": the Sequential model has no layers");
    std::size_t first = 0;
    KerasValue x;
    if (layers[0].at("class_name") == "InputLayer") {
      x = add_input(name_of(layers[0]), layers[0].at("config"), where(layers[0]));
      first = 1;
    } else {
      x = add_input(name_of(layers[0]) + "_input", layers[0].at("config"), where(layers[0]));  // Keras' own name for it
    }
    std::string last = name_of(layers[0]);
    for (std::size_t k = first; k < layers.size(); ++k) {
      last = name_of(layers[k]);
      x = convert(layers[k], last, {x});
    }
    add_output(x, last);
  }

  // A declaration for a layer that is not a Lambda is a mistake in the rdf (a renamed layer, a typo).
  void check_lambda_declarations(const json& layers) const {
    std::set<std::string> lambda_layers;
    for (const auto& layer : layers)
      if (layer.at("class_name") == "Lambda") lambda_layers.insert(name_of(layer));
    for (const auto& [name, op] : lambdas_)
      if (!lambda_layers.count(name))
        throw Error(ErrorCode::bad_model, where() + ": the rdf declares keras_lambda \"" + name +
                                              "\" but the model has no Lambda layer of that name");
  }

  const keras::KerasModelFile& file_;
  const keras::LambdaReplacements& lambdas_;
  graph::Graph graph_;
  KerasGraphBuilder builder_;
};

}  // namespace

keras::LambdaReplacements keras_lambda_declarations(const json& rdf_config) {
  keras::LambdaReplacements declared;
  if (!rdf_config.is_object() || !rdf_config.contains("deepimage") || !rdf_config.at("deepimage").is_object() ||
      !rdf_config.at("deepimage").contains("keras_lambda"))
    return declared;
  const json& list = rdf_config.at("deepimage").at("keras_lambda");
  if (!list.is_object())
    throw Error(ErrorCode::bad_model,
                "rdf config.deepimage.keras_lambda is " + list.dump() + ", expected {layer name: operation}");
  const auto known = keras::known_lambda_replacements();
  for (const auto& [layer, op] : list.items()) {
    if (!op.is_string() || std::find(known.begin(), known.end(), op.get<std::string>()) == known.end())
      throw Error(ErrorCode::bad_model, "rdf config.deepimage.keras_lambda declares " + op.dump() + " for layer \"" +
                                            layer + "\", expected one of: identity, min_max_normalization");
    declared[layer] = op.get<std::string>();
  }
  return declared;
}

graph::Graph import_keras(const std::vector<std::byte>& bytes, const std::string& source,
                          const keras::LambdaReplacements& lambdas) {
  // Debian's serial HDF5 is not thread-safe, and a server may load two models at once.
  static std::mutex hdf5_calls;
  const std::lock_guard lock(hdf5_calls);
  const keras::KerasModelFile file(bytes, source);
  try {
    return Importer(file, lambdas).import();
  } catch (const json::exception& e) {
    throw Error(ErrorCode::bad_model, source + ": model_config is not a Keras model config (" + e.what() + ")");
  }
}

}  // namespace deepimage::engine
