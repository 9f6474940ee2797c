// DatasetStatistics — the statistics of a whole dataset, for rdf 0.4 ops with `mode: per_dataset`
// (zero_mean_unit_variance, scale_range, scale_mean_variance): one mean, standard deviation or
// percentile over every sample of every image, instead of one per sample.
//
//   DatasetMeasurement m(spec.inputs[0].preprocessing, "raw", "bcyx", sample_shape);
//   while (m.start_pass())
//     for (each image, each sample, each band) m.scan(band);   // raw values, model axes
//   DatasetStatistics stats;
//   m.add_to(stats);                                            // then give it to PreparedOps (OpContext)
//   nlohmann::json file = stats.to_json();                      // what --stats FILE holds
//
// Measured as the per-sample statistics are (ops/statistics.hpp: exact percentiles, mean and std in
// two passes, finite values only), with every sample of the dataset as one more region. The ops
// before a per_dataset op must work pixel by pixel; their output is what is measured.
//
// File layout (JSON), after bioimage.io's dataset measures (a tensor id, the axes reduced over, the
// measure), one entry per (tensor, reduced axes), values C-order over the kept axes:
//   {"format": "deepimage dataset statistics 1",
//    "dataset_statistics": [
//      {"tensor_id": "raw", "axes": ["y", "x"], "kept_axes": ["b", "c"], "kept_shape": [1, 2],
//       "mean": [12.5, 40.1], "std": [3.2, 8.0], "percentiles": {"1": [...], "99.8": [...]}}]}
// Axes are deepimage's letters (b, c, z, y, x ...); a per_dataset op reduces over the batch too, so
// "b" is always kept with size 1.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/model_spec.hpp"
#include "ops/statistics.hpp"

namespace deepimage::ops {

struct DatasetMeasure {
  std::string tensor;                  // tensor id
  std::string reduced_axes;            // letters
  std::string kept_axes;
  Shape kept_shape;
  bool has_mean_std = false;
  std::vector<double> percents;        // 0..100, as measured
  std::vector<GroupStatistics> groups; // C-order over kept_axes; percentiles in the order of `percents`
};

class DatasetStatistics {
 public:
  // The statistics `wanted` of `tensor` reduced over `reduced_axes`, one per group, percentiles in
  // the order of wanted.percents; nullopt when not all of them are known.
  std::optional<std::vector<GroupStatistics>> find(const std::string& tensor, const std::string& reduced_axes,
                                                   const WantedStatistics& wanted, std::int64_t group_count) const;
  void add(DatasetMeasure measure);
  bool empty() const { return measures_.empty(); }

  nlohmann::json to_json() const;
  // Throws invalid_argument naming `source` (the file) and the field for JSON of another layout.
  static DatasetStatistics from_json(const nlohmann::json& json, const std::string& source);

 private:
  std::vector<DatasetMeasure> measures_;
};

// The "format" of a statistics file (dataset statistics, and per-sample ones: sample_statistics.hpp).
constexpr const char* kDatasetStatisticsFormat = "deepimage dataset statistics 1";

// One measure as a dataset_statistics entry, and back; `where` names the entry in errors
// ("dataset_statistics[2]"), which name `source` (the file) and the field.
nlohmann::json measure_to_json(const DatasetMeasure& measure);
DatasetMeasure measure_from_json(const nlohmann::json& json, const std::string& source, const std::string& where);

// True when some op of `ops` has `mode: per_dataset`.
bool has_per_dataset(const std::vector<OpSpec>& ops);

// Gathers what the per_dataset ops of one tensor need, over every sample of a dataset, in passes.
class DatasetMeasurement {
 public:
  // `axes` and `sample_shape`: of one sample, as the ops see it. Throws unsupported when an op before a
  // per_dataset op needs statistics of its own.
  DatasetMeasurement(const std::vector<OpSpec>& ops, std::string tensor, std::string axes, Shape sample_shape);
  ~DatasetMeasurement();
  DatasetMeasurement(DatasetMeasurement&&) noexcept;

  // Begins the next pass over the whole dataset; false when everything is measured.
  bool start_pass();
  // Any region of any sample (every kept axis whole), raw values; each pass must see the dataset once.
  void scan(const Tensor& region);
  void add_to(DatasetStatistics& statistics) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace deepimage::ops
