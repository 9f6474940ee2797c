// SampleStatistics — the per-sample statistics of one image (zero_mean_unit_variance, percentile
// scale_range, ... with `mode: per_sample` or no mode), measured once over the whole image and
// given to runs that see only part of it: a shard of `deepimage run --shard`, a Dask block. With
// them, every part is normalised as the whole image is, so the parts join without seams and equal
// the run on the whole image bit for bit.
//
//   SampleStatistics s = SampleStatistics::from_json(json, "stats.json");   // `deepimage stats` wrote it
//   OpContext context{.tensor_id = "raw", .given = &s, .sample = 0};
//   PreparedOps prep(spec.inputs[0].preprocessing, "bcyx", tile_shape, context);   // no passes needed
//
// They sit in the statistics file beside dataset_statistics (dataset_statistics.hpp), one entry per
// (tensor, sample, op), each a dataset_statistics entry plus where it belongs:
//   {"format": "deepimage dataset statistics 1",
//    "model": "NucleiSegmentationBoundaryModel",
//    "samples": {"axes": "z", "shape": [40]},             // the image axes looped over (may be empty)
//    "sample_shapes": {"raw": [1, 1, 512, 512]},         // one sample of each input, model axes
//    "dataset_statistics": [],
//    "sample_statistics": [
//      {"tensor_id": "raw", "sample": 0, "op": 1, "op_id": "zero_mean_unit_variance",
//       "axes": ["x", "y"], "kept_axes": ["b", "c"], "kept_shape": [1, 1], "mean": [0.12], "std": [0.07]}]}
// `sample` counts the samples row-major over samples.axes; `op` is the op's index in the tensor's
// preprocessing, `op_id` its id; the values are of what that op sees (after the ops before it).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ops/dataset_statistics.hpp"

namespace deepimage::ops {

struct SampleMeasure {
  std::int64_t sample = 0;
  std::size_t op = 0;     // index in the tensor's preprocessing
  std::string op_id;
  DatasetMeasure values;  // tensor id, axes reduced and kept, the statistics per group
};

class SampleStatistics {
 public:
  std::string model;                        // the model's name
  std::string loop_axes;                    // image axes looped over ("" for one sample)
  Shape loop_shape;
  std::map<std::string, Shape> sample_shapes;  // per input tensor id, model axes
  std::string source = "statistics";        // the file (or "statistics" given as text), for errors

  void add(SampleMeasure measure) { measures_.push_back(std::move(measure)); }
  const std::vector<SampleMeasure>& measures() const { return measures_; }

  // The statistics `wanted` of op `op` (id `op_id`) of `tensor` in `sample`, reduced over
  // `reduced_axes`, one per group of `kept_shape` along `kept_axes`, percentiles in the order of
  // wanted.percents. Throws invalid_argument naming the file and the field when the entry is missing
  // or was measured for something else (another op, axes, shape of the kept axes, percents).
  std::vector<GroupStatistics> find(const std::string& tensor, std::int64_t sample, std::size_t op, const std::string& op_id,
                                    const std::string& reduced_axes, const std::string& kept_axes, const Shape& kept_shape,
                                    const WantedStatistics& wanted) const;

  // Throws invalid_argument naming the file and the field unless the file is for model `name`.
  void check_model(const std::string& name) const;

  // Adds "model", "samples", "sample_shapes" and "sample_statistics" to a statistics file's JSON.
  void add_to_json(nlohmann::json& file) const;
  // From a statistics file's JSON (format checked); empty measures when it has no sample_statistics.
  static SampleStatistics from_json(const nlohmann::json& file, const std::string& source);

 private:
  std::vector<SampleMeasure> measures_;
};

}  // namespace deepimage::ops
