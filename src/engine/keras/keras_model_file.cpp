#include "engine/keras/keras_model_file.hpp"

#include "deepimage/error.hpp"
#include "engine/keras/hdf5_file.hpp"

namespace deepimage::engine::keras {
namespace {

// "conv2d_1_4/kernel:0" -> "kernel"
std::string short_weight_name(const std::string& full) {
  std::string name = full.substr(full.rfind('/') == std::string::npos ? 0 : full.rfind('/') + 1);
  if (const auto colon = name.rfind(':'); colon != std::string::npos) name.resize(colon);
  return name;
}

}  // namespace

KerasModelFile::KerasModelFile(const std::vector<std::byte>& bytes, const std::string& source)
    : source_(source), file_(std::make_unique<Hdf5File>(bytes, source)) {
  const std::optional<std::string> config = file_->string_attribute("/", "model_config");
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
  keras_version_ = file_->string_attribute("/", "keras_version").value_or("");
  const std::string backend = file_->string_attribute("/", "backend").value_or("tensorflow");
  if (backend != "tensorflow")
    throw Error(ErrorCode::unsupported,
                source_ + " was saved by Keras' \"" + backend +
                    "\" backend; the native engine reads TensorFlow-backend files (their kernel layout)");
}

KerasModelFile::~KerasModelFile() = default;

std::vector<LayerWeight> KerasModelFile::layer_weights(const std::string& layer) const {
  const std::string group = file_->has_object("/model_weights") ? "/model_weights/" + layer : "/" + layer;
  const auto names = file_->string_list_attribute(group, "weight_names");
  if (!names) return {};
  std::vector<LayerWeight> weights;
  for (const auto& name : *names)
    weights.push_back({short_weight_name(name), file_->float_dataset(group + "/" + name)});
  return weights;
}

}  // namespace deepimage::engine::keras
