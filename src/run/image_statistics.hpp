// Whole-image statistics measured once and given to runs that see only part of the image (a shard of
// `deepimage run --shard`, a Dask block through Session): the statistics file of `deepimage stats`,
// `run --stats FILE` and SessionOptions::statistics. Layout: ops/dataset_statistics.hpp (per_dataset
// ops) and ops/sample_statistics.hpp (per-sample ops).
//
//   StatisticsFile s = measure_image_statistics(spec, loop, shapes, [&](std::int64_t k) { return samples(k); });
//   write_statistics_file(s, "stats.json");
//   StatisticsFile back = read_statistics_file("stats.json");   // back.samples feeds SliceRunOptions::given
//
// Measured as run_slice measures a sample it reads whole: each sample of each input is one region of
// PreparedOps' passes (exact percentiles; mean and std summed in double in element order), so a run
// given the file normalises exactly as a run that measures itself. A run that reads its samples in
// bands (images larger than the memory budget) sums in another order and may differ in the last bit
// of a mean or std.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "deepimage/run.hpp"
#include "ops/dataset_statistics.hpp"
#include "ops/sample_statistics.hpp"
#include "run/stack_loop.hpp"

namespace deepimage::run {

struct StatisticsFile {
  ops::DatasetStatistics dataset;
  ops::SampleStatistics samples;
};

// `read_sample(k)`: sample k (row-major over loop.axes) of every input, whole, model axes, raw type
// (an empty tensor for an optional input left out); `sample_shapes`: their shapes. The per_dataset
// ops are measured over the image's samples (the image is the dataset, as for `run` on one file).
StatisticsFile measure_image_statistics(const ModelSpec& spec, const StackLoop& loop, const std::vector<Shape>& sample_shapes,
                                        const std::function<std::vector<Tensor>(std::int64_t sample)>& read_sample);

std::string statistics_file_text(const StatisticsFile& statistics);
// `text`: a statistics file's JSON; `source` names it in errors.
StatisticsFile parse_statistics_file(const std::string& text, const std::string& source);
StatisticsFile read_statistics_file(const std::filesystem::path& path);
void write_statistics_file(const StatisticsFile& statistics, const std::filesystem::path& path);

// The per-sample statistics of `options.stats` when that file exists and holds them; else nullopt.
std::optional<ops::SampleStatistics> given_sample_statistics(const RunOptions& options);

// Throws invalid_argument naming the file and the field unless `given` was measured for this model on
// an image with these samples (loop) and sample shapes (model axes, per input).
void check_statistics_fit(const ops::SampleStatistics& given, const ModelSpec& spec, const StackLoop& loop,
                          const std::vector<Shape>& sample_shapes);

}  // namespace deepimage::run
