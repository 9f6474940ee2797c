#include "ops/dataset_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "deepimage/error.hpp"
#include "ops/op.hpp"
#include "ops/prepared_ops.hpp"
#include "ops/reduction.hpp"

namespace deepimage::ops {
namespace {

bool is_per_dataset(const OpSpec& op) {
  return op.kwargs.is_object() && op.kwargs.contains("mode") && op.kwargs["mode"] == "per_dataset";
}

// A percent as a JSON key: the shortest text that reads back as the same double.
std::string percent_key(double q) {
  std::ostringstream s;
  s.precision(17);
  s << q;
  return s.str();
}

std::string letters_of(const nlohmann::json& list, const std::string& where) {
  std::string letters;
  if (!list.is_array()) throw Error(ErrorCode::invalid_argument, where + ": expected a list of axis letters");
  for (const auto& a : list) {
    if (!a.is_string() || a.get<std::string>().size() != 1)
      throw Error(ErrorCode::invalid_argument, where + ": expected one-letter axis ids such as \"y\", got " + a.dump());
    letters += a.get<std::string>();
  }
  return letters;
}

nlohmann::json letter_list(const std::string& letters) {
  nlohmann::json list = nlohmann::json::array();
  for (char a : letters) list.push_back(std::string(1, a));
  return list;
}

}  // namespace

bool has_per_dataset(const std::vector<OpSpec>& ops) { return std::any_of(ops.begin(), ops.end(), is_per_dataset); }

std::optional<std::vector<GroupStatistics>> DatasetStatistics::find(const std::string& tensor, const std::string& reduced_axes,
                                                                    const WantedStatistics& wanted, std::int64_t group_count) const {
  for (const DatasetMeasure& m : measures_) {
    if (m.tensor != tensor || m.reduced_axes != reduced_axes || static_cast<std::int64_t>(m.groups.size()) != group_count) continue;
    if (wanted.mean_std && !m.has_mean_std) continue;
    std::vector<std::size_t> at;  // where each wanted percent is among the measured ones
    for (double q : wanted.percents) {
      const auto it = std::find(m.percents.begin(), m.percents.end(), q);
      if (it == m.percents.end()) break;
      at.push_back(static_cast<std::size_t>(it - m.percents.begin()));
    }
    if (at.size() != wanted.percents.size()) continue;
    std::vector<GroupStatistics> groups;
    for (const GroupStatistics& g : m.groups) {
      GroupStatistics picked{.mean = g.mean, .std = g.std, .percentiles = {}};
      for (std::size_t k : at) picked.percentiles.push_back(g.percentiles.at(k));
      groups.push_back(std::move(picked));
    }
    return groups;
  }
  return std::nullopt;
}

void DatasetStatistics::add(DatasetMeasure measure) { measures_.push_back(std::move(measure)); }

nlohmann::json measure_to_json(const DatasetMeasure& m) {
  nlohmann::json j = {{"tensor_id", m.tensor}, {"axes", letter_list(m.reduced_axes)}, {"kept_axes", letter_list(m.kept_axes)},
                      {"kept_shape", m.kept_shape}};
  if (m.has_mean_std) {
    nlohmann::json mean = nlohmann::json::array(), std = nlohmann::json::array();
    for (const GroupStatistics& g : m.groups) mean.push_back(g.mean), std.push_back(g.std);
    j["mean"] = mean;
    j["std"] = std;
  }
  if (!m.percents.empty()) {
    nlohmann::json percentiles = nlohmann::json::object();
    for (std::size_t k = 0; k < m.percents.size(); ++k) {
      nlohmann::json values = nlohmann::json::array();
      for (const GroupStatistics& g : m.groups) values.push_back(g.percentiles.at(k));
      percentiles[percent_key(m.percents[k])] = values;
    }
    j["percentiles"] = percentiles;
  }
  return j;
}

nlohmann::json DatasetStatistics::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const DatasetMeasure& m : measures_) list.push_back(measure_to_json(m));
  return {{"format", kDatasetStatisticsFormat}, {"dataset_statistics", list}};
}

DatasetMeasure measure_from_json(const nlohmann::json& j, const std::string& source, const std::string& where) {
  const auto fail = [&](const std::string& field, const std::string& expected) {
    throw Error(ErrorCode::invalid_argument, "\"" + source + "\": " + field + ": expected " + expected);
  };
  if (!j.is_object() || !j.contains("tensor_id") || !j["tensor_id"].is_string()) fail(where + ".tensor_id", "a tensor id");
  DatasetMeasure m;
  m.tensor = j["tensor_id"].get<std::string>();
  m.reduced_axes = letters_of(j.value("axes", nlohmann::json()), "\"" + source + "\": " + where + ".axes");
  m.kept_axes = letters_of(j.value("kept_axes", nlohmann::json()), "\"" + source + "\": " + where + ".kept_axes");
  const nlohmann::json shape = j.value("kept_shape", nlohmann::json());
  if (!shape.is_array() || shape.size() != m.kept_axes.size()) fail(where + ".kept_shape", "one size per kept axis");
  std::int64_t count = 1;
  for (const auto& n : shape) {
    if (!n.is_number_integer() || n.get<std::int64_t>() < 1 || n.get<std::int64_t>() > (std::int64_t{1} << 20))
      fail(where + ".kept_shape", "sizes from 1 to 1048576");
    m.kept_shape.push_back(n.get<std::int64_t>());
    count *= n.get<std::int64_t>();
    if (count > (std::int64_t{1} << 24)) fail(where + ".kept_shape", "at most 16777216 groups");
  }
  m.groups.resize(static_cast<std::size_t>(count));
  const auto numbers = [&](const nlohmann::json& list, const std::string& field) {
    if (!list.is_array() || static_cast<std::int64_t>(list.size()) != count)
      fail(where + "." + field, std::to_string(count) + " numbers (one per group)");
    std::vector<double> v;
    for (const auto& x : list) {
      if (!x.is_number()) fail(where + "." + field, "numbers");
      v.push_back(x.get<double>());
    }
    return v;
  };
  if (j.contains("mean") || j.contains("std")) {
    const std::vector<double> mean = numbers(j.value("mean", nlohmann::json()), "mean");
    const std::vector<double> std = numbers(j.value("std", nlohmann::json()), "std");
    for (std::size_t g = 0; g < m.groups.size(); ++g) m.groups[g].mean = mean[g], m.groups[g].std = std[g];
    m.has_mean_std = true;
  }
  if (j.contains("percentiles")) {
    if (!j["percentiles"].is_object()) fail(where + ".percentiles", "an object of percent: values");
    for (const auto& [key, values] : j["percentiles"].items()) {
      double q = 0;
      try {
        std::size_t used = 0;
        q = std::stod(key, &used);
        if (used != key.size() || !(q >= 0 && q <= 100)) throw std::invalid_argument(key);
      } catch (const std::exception&) {
        fail(where + ".percentiles", "percents from 0 to 100 as keys, got \"" + key + "\"");
      }
      const std::vector<double> v = numbers(values, "percentiles." + key);
      m.percents.push_back(q);
      for (std::size_t g = 0; g < m.groups.size(); ++g) m.groups[g].percentiles.push_back(v[g]);
    }
  }
  return m;
}

DatasetStatistics DatasetStatistics::from_json(const nlohmann::json& json, const std::string& source) {
  const auto fail = [&](const std::string& where, const std::string& expected) {
    throw Error(ErrorCode::invalid_argument, "\"" + source + "\": " + where + ": expected " + expected);
  };
  if (!json.is_object() || json.value("format", "") != kDatasetStatisticsFormat)
    fail("format", std::string("\"") + kDatasetStatisticsFormat + "\"");
  if (!json.contains("dataset_statistics") || !json["dataset_statistics"].is_array()) fail("dataset_statistics", "a list");
  DatasetStatistics out;
  for (std::size_t i = 0; i < json["dataset_statistics"].size(); ++i)
    out.add(measure_from_json(json["dataset_statistics"][i], source, "dataset_statistics[" + std::to_string(i) + "]"));
  return out;
}

struct DatasetMeasurement::State {
  struct Need {
    PreparedOps before;          // the ops before the per_dataset op (pixel by pixel)
    StatisticsNeed need;
    Groups groups;               // of one sample
    std::optional<StatisticsAccumulator> accumulator;
    int passes_done = 0;
    bool started = false;
  };
  std::string tensor, axes;
  Shape shape;
  std::vector<Need> needs;
  std::size_t current = 0;
};

DatasetMeasurement::DatasetMeasurement(const std::vector<OpSpec>& ops, std::string tensor, std::string axes, Shape sample_shape)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.tensor = std::move(tensor);
  s.axes = std::move(axes);
  s.shape = std::move(sample_shape);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (!is_per_dataset(ops[i])) continue;
    const OpDeclaration& op = find_op(ops[i].id);
    const std::optional<StatisticsNeed> need = op.statistics ? op.statistics(ops[i].kwargs, s.axes) : std::nullopt;
    if (!need || !need->own.any()) continue;
    const std::vector<OpSpec> before(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(i));
    if (!is_pointwise(before, s.axes))
      throw Error(ErrorCode::unsupported, op.id + " of tensor \"" + s.tensor + "\": mode \"per_dataset\" after an op that needs "
                                                  "statistics of each sample is not supported");
    if (!need->reference_tensor.empty())
      throw Error(ErrorCode::unsupported, op.id + " of tensor \"" + s.tensor + "\": mode \"per_dataset\" with a reference "
                                                  "tensor is not supported");
    State::Need n{.before = PreparedOps(before, s.axes, s.shape), .need = *need,
                  .groups = groups_reducing(s.axes, s.shape, need->reduced_axes), .accumulator = std::nullopt};
    n.accumulator.emplace(n.groups.count, need->own);
    s.needs.push_back(std::move(n));
  }
}

DatasetMeasurement::~DatasetMeasurement() = default;
DatasetMeasurement::DatasetMeasurement(DatasetMeasurement&&) noexcept = default;

bool DatasetMeasurement::start_pass() {
  State& s = *state_;
  while (s.current < s.needs.size()) {
    State::Need& n = s.needs[s.current];
    if (n.started) {
      n.accumulator->stop_pass();
      ++n.passes_done;
    }
    if (n.passes_done < n.accumulator->pass_count()) {
      n.accumulator->start_pass();
      n.started = true;
      return true;
    }
    ++s.current;
  }
  return false;
}

void DatasetMeasurement::scan(const Tensor& region) {
  State& s = *state_;
  if (s.current >= s.needs.size() || !s.needs[s.current].started)
    throw Error(ErrorCode::internal, "DatasetMeasurement::scan() outside a pass");
  State::Need& n = s.needs[s.current];
  Tensor values = n.before.apply(region);
  if (values.dtype() != DType::f32) values = values.converted(DType::f32);
  const Groups groups = groups_reducing(values, n.need.reduced_axes);
  if (groups.kept_shape != n.groups.kept_shape)
    throw Error(ErrorCode::invalid_argument, "tensor \"" + s.tensor + "\": a sample of the dataset has " + shape_to_string(groups.kept_shape) +
                                                 " along \"" + groups.kept_axes + "\" but the first has " +
                                                 shape_to_string(n.groups.kept_shape) + "; per_dataset statistics need them equal");
  n.accumulator->scan(values, groups);
}

void DatasetMeasurement::add_to(DatasetStatistics& statistics) const {
  for (const State::Need& n : state_->needs)
    statistics.add({.tensor = state_->tensor, .reduced_axes = n.need.reduced_axes, .kept_axes = n.groups.kept_axes,
                    .kept_shape = n.groups.kept_shape, .has_mean_std = n.need.own.mean_std, .percents = n.need.own.percents,
                    .groups = n.accumulator->result()});
}

}  // namespace deepimage::ops
