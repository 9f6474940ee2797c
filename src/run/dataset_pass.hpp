// The dataset statistics of a run, for rdf 0.4 ops with `mode: per_dataset` (ops/dataset_statistics.hpp):
// read from --stats FILE when it exists; otherwise measured over every sample of every image of the
// run, before it starts (a batch is the dataset), and written to FILE when one is given.
//
//   ops::DatasetStatistics stats = dataset_statistics(spec, {{"a.tif"}, {"b.tif"}}, options);
//   SliceRunOptions run{..., .dataset = &stats};
#pragma once

#include <filesystem>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "deepimage/run.hpp"
#include "ops/dataset_statistics.hpp"

namespace deepimage::run {

// `file_sets`: the images of the run, one file per model input each. Empty when no input's
// preprocessing has a per_dataset op.
ops::DatasetStatistics dataset_statistics(const ModelSpec& spec, const std::vector<std::vector<std::filesystem::path>>& file_sets,
                                          const RunOptions& options);

}  // namespace deepimage::run
