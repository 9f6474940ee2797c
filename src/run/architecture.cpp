#include "deepimage/architecture.hpp"

#include <cmath>

#include "deepimage/error.hpp"
#include "engine/bare_model.hpp"
#include "engine/engine.hpp"
#include "io/npy.hpp"
#include "model/model.hpp"

namespace deepimage {
namespace {

// The smallest size the rdf accepts along each axis of input `index` (batch 1); a size that refers
// to another input follows that input's smallest size.
Shape smallest_shape(const ModelSpec& spec, std::size_t index, int depth = 0) {
  const TensorSpec& t = spec.inputs.at(index);
  if (depth > static_cast<int>(spec.inputs.size()))
    throw Error(ErrorCode::bad_model, "the sizes of input \"" + t.id + "\" refer to each other in a cycle");
  Shape shape;
  for (const AxisSpec& axis : t.axes) {
    const AxisSize& s = axis.size;
    std::int64_t size = 1;
    if (axis.type == AxisType::batch) size = 1;
    else if (s.kind == AxisSize::Kind::fixed) size = s.value;
    else if (s.kind == AxisSize::Kind::parameterized) size = s.min;
    else {
      std::size_t ref = spec.inputs.size();
      for (std::size_t i = 0; i < spec.inputs.size(); ++i)
        if (spec.inputs[i].id == s.ref_tensor) ref = i;
      if (ref == spec.inputs.size())
        throw Error(ErrorCode::bad_model, "input \"" + t.id + "\" takes its size from \"" + s.ref_tensor + "\", which is not an input");
      const Shape ref_shape = smallest_shape(spec, ref, depth + 1);
      const std::string ref_axes = spec.inputs[ref].axes_string();
      const auto at = ref_axes.find(s.ref_axis);
      if (at == std::string::npos)
        throw Error(ErrorCode::bad_model, "input \"" + t.id + "\" takes its size from axis \"" + std::string(1, s.ref_axis) +
                                              "\" of \"" + s.ref_tensor + "\", which it does not have");
      size = static_cast<std::int64_t>(std::llround(static_cast<double>(ref_shape[at]) * s.factor + s.offset));
    }
    shape.push_back(size);
  }
  return shape;
}

// The example the shapes are for: the input's test tensor (its .npy header only), else its smallest size.
Shape example_shape(const model::Model& model, std::size_t index) {
  const TensorSpec& t = model.spec.inputs.at(index);
  if (t.test_tensor.empty() || !t.test_tensor.ends_with(".npy")) return smallest_shape(model.spec, index);
  const std::vector<std::byte> bytes = model::read_checked(model, t.test_tensor, t.test_tensor_sha256);
  const Shape shape = io::read_npy_header(bytes, t.test_tensor).shape;
  if (shape.size() != t.axes.size())
    throw Error(ErrorCode::bad_model, t.test_tensor + ": test tensor has shape " + shape_to_string(shape) + " but input \"" +
                                          t.id + "\" has axes \"" + t.axes_string() + "\"");
  return shape;
}

nlohmann::json shape_json(const Shape& s) {
  nlohmann::json j = nlohmann::json::array();
  for (const std::int64_t d : s) j.push_back(d < 0 ? nlohmann::json() : nlohmann::json(d));  // null: unknown
  return j;
}

}  // namespace

Architecture describe_architecture(const std::filesystem::path& path, const std::string& weights_format,
                                   const std::string& input_name, const std::string& output_name) {
  const model::Model model = engine::open_model_or_weights(path, {input_name, output_name});
  const WeightsSpec& weights = engine::choose_weights(model, weights_format);
  const engine::EngineInfo* engine = engine::engine_for_format(weights.format);
  if (!engine || !engine->describe_layers)
    throw Error(ErrorCode::unsupported, "the " + weights.format + " engine cannot list a network's layers");
  std::vector<Shape> shapes;
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < model.spec.inputs.size(); ++i) {
    shapes.push_back(example_shape(model, i));
    ids.push_back(model.spec.inputs[i].id);
  }
  Architecture a = engine->describe_layers(model, weights, shapes);
  a.weights_format = weights.format;
  a.input_ids = ids;
  a.input_shapes = shapes;
  return a;
}

nlohmann::json to_json(const Architecture& a) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerInfo& l : a.layers) {
    nlohmann::json shapes = nlohmann::json::array();
    for (const Shape& s : l.output_shapes) shapes.push_back(shape_json(s));
    layers.push_back({{"name", l.name}, {"kind", l.kind}, {"output_shapes", shapes}, {"params", l.params}, {"flops", l.flops}});
  }
  nlohmann::json inputs = nlohmann::json::array();
  for (std::size_t i = 0; i < a.input_shapes.size(); ++i)
    inputs.push_back({{"id", a.input_ids.at(i)}, {"shape", shape_json(a.input_shapes[i])}});
  return {{"weights_format", a.weights_format},
          {"view", a.view},
          {"input_shape", a.input_shapes.size() == 1 ? shape_json(a.input_shapes[0]) : nlohmann::json()},
          {"inputs", inputs},
          {"layers", layers},
          {"total_params", a.total_params},
          {"total_flops", a.total_flops}};
}

}  // namespace deepimage
