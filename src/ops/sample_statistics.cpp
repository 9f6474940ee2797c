#include "ops/sample_statistics.hpp"

#include <algorithm>

#include "deepimage/error.hpp"

namespace deepimage::ops {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

std::vector<GroupStatistics> SampleStatistics::find(const std::string& tensor, std::int64_t sample, std::size_t op,
                                                    const std::string& op_id, const std::string& reduced_axes,
                                                    const std::string& kept_axes, const Shape& kept_shape,
                                                    const WantedStatistics& wanted) const {
  const std::string what = op_id + " (op " + std::to_string(op) + ") of tensor " + quoted(tensor) + ", sample " + std::to_string(sample);
  const auto fail = [&](std::size_t entry, const std::string& field, const std::string& found, const std::string& expected) {
    throw Error(ErrorCode::invalid_argument, quoted(source) + ": sample_statistics[" + std::to_string(entry) + "]." + field + " is " +
                                                 found + " but the run needs " + expected + " for " + what +
                                                 "; measure this image with `deepimage stats` for this model");
  };
  for (std::size_t i = 0; i < measures_.size(); ++i) {
    const SampleMeasure& m = measures_[i];
    if (m.values.tensor != tensor || m.sample != sample || m.op != op) continue;
    if (m.op_id != op_id) fail(i, "op_id", quoted(m.op_id), quoted(op_id));
    if (m.values.reduced_axes != reduced_axes) fail(i, "axes", quoted(m.values.reduced_axes), quoted(reduced_axes));
    if (m.values.kept_axes != kept_axes || m.values.kept_shape != kept_shape)
      fail(i, "kept_shape", quoted(m.values.kept_axes) + " " + shape_to_string(m.values.kept_shape),
           quoted(kept_axes) + " " + shape_to_string(kept_shape));
    if (wanted.mean_std && !m.values.has_mean_std) fail(i, "mean", "missing", "a mean and std");
    std::vector<GroupStatistics> groups;
    for (const GroupStatistics& g : m.values.groups) groups.push_back({.mean = g.mean, .std = g.std, .percentiles = {}});
    for (double q : wanted.percents) {
      const auto at = std::find(m.values.percents.begin(), m.values.percents.end(), q);
      if (at == m.values.percents.end()) fail(i, "percentiles", "without " + std::to_string(q), "that percent");
      for (std::size_t g = 0; g < groups.size(); ++g)
        groups[g].percentiles.push_back(m.values.groups[g].percentiles.at(static_cast<std::size_t>(at - m.values.percents.begin())));
    }
    return groups;
  }
  throw Error(ErrorCode::invalid_argument, quoted(source) + ": sample_statistics has no entry for " + what +
                                               " (the file is for another model, tensor or image); measure this image with "
                                               "`deepimage stats` for this model");
}

void SampleStatistics::check_model(const std::string& name) const {
  if (model != name)
    throw Error(ErrorCode::invalid_argument, quoted(source) + ": model is " + quoted(model) + " but the run's model is " + quoted(name) +
                                                 "; measure the image with `deepimage stats` for this model");
}

void SampleStatistics::add_to_json(nlohmann::json& file) const {
  file["model"] = model;
  file["samples"] = {{"axes", loop_axes}, {"shape", loop_shape}};
  nlohmann::json shapes = nlohmann::json::object();
  for (const auto& [id, shape] : sample_shapes) shapes[id] = shape;
  file["sample_shapes"] = shapes;
  nlohmann::json list = nlohmann::json::array();
  for (const SampleMeasure& m : measures_) {
    nlohmann::json j = {{"tensor_id", m.values.tensor}, {"sample", m.sample}, {"op", m.op}, {"op_id", m.op_id}};
    j.update(measure_to_json(m.values));
    list.push_back(j);
  }
  file["sample_statistics"] = list;
}

SampleStatistics SampleStatistics::from_json(const nlohmann::json& file, const std::string& source) {
  const auto fail = [&](const std::string& field, const std::string& expected) {
    throw Error(ErrorCode::invalid_argument, quoted(source) + ": " + field + ": expected " + expected);
  };
  if (!file.is_object() || file.value("format", "") != kDatasetStatisticsFormat)
    fail("format", quoted(kDatasetStatisticsFormat));
  SampleStatistics out;
  out.source = source;
  if (!file.contains("sample_statistics")) return out;
  if (!file["sample_statistics"].is_array()) fail("sample_statistics", "a list");
  if (!file.contains("model") || !file["model"].is_string()) fail("model", "the model's name");
  out.model = file["model"].get<std::string>();
  const nlohmann::json samples = file.value("samples", nlohmann::json::object());
  if (!samples.is_object() || !samples.value("axes", nlohmann::json()).is_string() || !samples.value("shape", nlohmann::json()).is_array())
    fail("samples", "{\"axes\": letters, \"shape\": [sizes]}");
  out.loop_axes = samples["axes"].get<std::string>();
  for (const auto& n : samples["shape"]) {
    if (!n.is_number_integer() || n.get<std::int64_t>() < 1) fail("samples.shape", "sizes of at least 1");
    out.loop_shape.push_back(n.get<std::int64_t>());
  }
  if (out.loop_shape.size() != out.loop_axes.size()) fail("samples.shape", "one size per axis of samples.axes");
  const nlohmann::json shapes = file.value("sample_shapes", nlohmann::json::object());
  if (!shapes.is_object()) fail("sample_shapes", "an object of tensor id: shape");
  for (const auto& [id, shape] : shapes.items()) {
    if (!shape.is_array()) fail("sample_shapes." + id, "a shape");
    Shape s;
    for (const auto& n : shape) {
      if (!n.is_number_integer() || n.get<std::int64_t>() < 1) fail("sample_shapes." + id, "sizes of at least 1");
      s.push_back(n.get<std::int64_t>());
    }
    out.sample_shapes[id] = s;
  }
  for (std::size_t i = 0; i < file["sample_statistics"].size(); ++i) {
    const nlohmann::json& j = file["sample_statistics"][i];
    const std::string where = "sample_statistics[" + std::to_string(i) + "]";
    SampleMeasure m;
    m.values = measure_from_json(j, source, where);
    if (!j.contains("sample") || !j["sample"].is_number_integer() || j["sample"].get<std::int64_t>() < 0)
      fail(where + ".sample", "a sample index from 0");
    if (!j.contains("op") || !j["op"].is_number_integer() || j["op"].get<std::int64_t>() < 0) fail(where + ".op", "an op index from 0");
    if (!j.contains("op_id") || !j["op_id"].is_string()) fail(where + ".op_id", "an op id");
    m.sample = j["sample"].get<std::int64_t>();
    m.op = j["op"].get<std::size_t>();
    m.op_id = j["op_id"].get<std::string>();
    out.add(std::move(m));
  }
  return out;
}

}  // namespace deepimage::ops
