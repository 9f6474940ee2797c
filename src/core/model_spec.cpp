#include <algorithm>

#include "deepimage/model_spec.hpp"

namespace deepimage {

std::string TensorSpec::axes_string() const {
  std::string s;
  for (const auto& a : axes) s += a.id;
  return s;
}

const AxisSpec* TensorSpec::axis(char axis_id) const {
  for (const auto& a : axes)
    if (a.id == axis_id) return &a;
  return nullptr;
}

const TensorSpec* ModelSpec::input(const std::string& tensor_id) const {
  for (const auto& t : inputs)
    if (t.id == tensor_id) return &t;
  return nullptr;
}

const TensorSpec* ModelSpec::output(const std::string& tensor_id) const {
  for (const auto& t : outputs)
    if (t.id == tensor_id) return &t;
  return nullptr;
}

const WeightsSpec* ModelSpec::weights_for(const std::string& format) const {
  for (const auto& w : weights)
    if (w.format == format) return &w;
  return nullptr;
}

ReproducibilityTolerance ModelSpec::tolerance_for(const std::string& output_id, const std::string& weights_format) const {
  const auto listed = [](const std::vector<std::string>& list, const std::string& item) {
    return list.empty() || std::find(list.begin(), list.end(), item) != list.end();
  };
  for (const auto& t : tolerances)
    if (listed(t.output_ids, output_id) && listed(t.weights_formats, weights_format)) return t;
  return {};
}

}  // namespace deepimage
