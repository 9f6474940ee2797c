// Pre/post-processing ops (bioimage.io ids), each declared once.
//
//   const OpDeclaration& op = find_op("scale_range");
//   Tensor y = apply_ops(x, spec.inputs[0].preprocessing, context);
//
// One declaration per op (in its own file, listed in register_builtin_ops() in ops.cpp) drives the
// implementation, `deepimage ops`, and the docs. An op is split in two: `statistics` says what it
// needs of the whole tensor (mean, std, percentiles along the axes the rdf names, or of a reference
// tensor), and `apply` works on any region of the tensor given those statistics, pointwise. So
// statistics are those of the whole image (per sample), never of one tile, and an image can be
// normalised in parts (ops/prepared_ops.hpp gathers the statistics; apply_ops is its one-region case).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "deepimage/model_spec.hpp"
#include "deepimage/tensor.hpp"
#include "ops/statistics.hpp"

namespace deepimage::ops {

struct OpParam {
  std::string name;
  std::string type;           // "float", "float or list", "axes", "string", "dtype", ...
  std::string default_value;  // as text; empty when required
  std::string summary;
  bool required = false;
};

class DatasetStatistics;  // ops/dataset_statistics.hpp
class SampleStatistics;   // ops/sample_statistics.hpp

// What ops may refer to beyond the tensor they work on: tensors by id (0.4 `reference_tensor` of
// scale_mean_variance / scale_range), and for 0.4 `mode: per_dataset` the dataset's statistics of
// the tensor (its id `tensor_id`).
struct OpContext {
  std::map<std::string, const Tensor*> tensors;
  std::string tensor_id{};
  const DatasetStatistics* dataset = nullptr;
  // Per-sample statistics measured beforehand over the whole image (a shard or a block sees part of
  // it): used instead of gathering them, for sample `sample` of the image.
  const SampleStatistics* given = nullptr;
  std::int64_t sample = 0;
  // For a referenced tensor that is not in `tensors` (an input read from a file in bands): its
  // statistics `wanted`, one per index of `kept_axes` (group_count of them), gathered by the caller.
  std::function<std::vector<GroupStatistics>(const std::string& id, const std::string& kept_axes, std::int64_t group_count,
                                             const WantedStatistics& wanted)>
      reference_statistics{};
};

// The statistics an op needs, grouped: one group per index of the axes not in `reduced_axes`.
struct StatisticsNeed {
  std::string reduced_axes{};
  WantedStatistics own{};          // of the values the op sees (after the ops before it)
  std::string reference_tensor{};  // 0.4 `reference_tensor`: id of a whole tensor; empty when none
  WantedStatistics reference{};    // of that tensor, grouped along the same kept axes
};
// What an op is given: one entry per group, C-order over the kept axes (as Groups counts them).
struct OpStatistics {
  std::vector<GroupStatistics> own{};
  std::vector<GroupStatistics> reference{};
};

// What an op needs, from its kwargs and the axes of the tensor; nullopt when it works without
// statistics (as zero_mean_unit_variance with 0.4 `mode: fixed`). Validates the kwargs it reads.
using StatisticsFunction = std::function<std::optional<StatisticsNeed>(const nlohmann::json& kwargs, const std::string& axes)>;
// An op on one region (named axes, any dtype; every kept axis whole), given its statistics (empty
// when it needs none); all but ensure_dtype and binarize return float32.
using ApplyFunction = std::function<Tensor(const Tensor& region, const nlohmann::json& kwargs, const OpStatistics& statistics)>;

struct OpDeclaration {
  std::string id;                    // bioimage.io 0.5 id
  std::vector<std::string> aliases;  // 0.4 names that differ
  std::string summary;
  std::vector<OpParam> params;
  StatisticsFunction statistics;     // empty for ops that never need statistics
  ApplyFunction apply;
  // Needs whole-tensor statistics (mean, std, percentiles) in some form of its kwargs.
  bool needs_statistics() const { return static_cast<bool>(statistics); }
};

const std::vector<OpDeclaration>& builtin_ops();
// By id or alias; throws unsupported listing the known ops.
const OpDeclaration& find_op(std::string_view id);

// Applies `ops` in order. Throws bad_model naming the op and the kwarg when kwargs are invalid.
Tensor apply_ops(Tensor tensor, const std::vector<OpSpec>& ops, const OpContext& context);

// An output's postprocessing, then its declared data type (rdf 0.5 `data.type`, 0.4 `data_type`) as an
// implicit final ensure_dtype: a model declaring uint8 output is written as uint8.
Tensor apply_postprocessing(Tensor tensor, const TensorSpec& output, const OpContext& context);

}  // namespace deepimage::ops
