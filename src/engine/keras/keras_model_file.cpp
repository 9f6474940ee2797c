#include "engine/keras/keras_model_file.hpp"

#include "deepimage/error.hpp"

namespace deepimage::engine::keras {

KerasModelFile::KerasModelFile(const std::vector<std::byte>& bytes, const std::string& source)
    : source_(source), contents_(read_keras_file(bytes, source)) {
  const std::optional<std::string>& config = contents_.model_config;
  if (!config)
    throw Error(ErrorCode::bad_model, source_ +
                                          " has no \"model_config\" attribute: it holds weights without the "
                                          "architecture (saved by save_weights?); save it with model.save()");
  try {
    model_config_ = nlohmann::json::parse(*config);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::bad_model, source_ + ": \"model_config\" is not JSON (" + e.what() + ")");
  }
  if (!model_config_.is_object() || !model_config_.contains("class_name") || !model_config_.contains("config"))
    throw Error(ErrorCode::bad_model, source_ + ": \"model_config\" has no class_name and config");
  keras_version_ = contents_.keras_version;
  const std::string backend = contents_.backend.empty() ? "tensorflow" : contents_.backend;
  if (backend != "tensorflow")
    throw Error(ErrorCode::unsupported,
                source_ + " was saved by Keras' \"" + backend +
                    "\" backend; the native engine reads TensorFlow-backend files (their kernel layout)");
}

KerasModelFile::~KerasModelFile() = default;

std::vector<LayerWeight> KerasModelFile::layer_weights(const std::string& layer) const {
  const auto found = contents_.weights.find(layer);
  return found == contents_.weights.end() ? std::vector<LayerWeight>{} : found->second;
}

}  // namespace deepimage::engine::keras
