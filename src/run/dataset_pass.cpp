#include "run/dataset_pass.hpp"

#include <algorithm>
#include <fstream>

#include "deepimage/error.hpp"
#include "io/temp_file.hpp"
#include "run/image_input.hpp"
#include "run/slice_run.hpp"

namespace deepimage::run {
namespace {

namespace fs = std::filesystem;

ops::DatasetStatistics read_statistics(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\"");
  const nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded()) throw Error(ErrorCode::invalid_argument, "\"" + path.string() + "\" is not valid JSON");
  return ops::DatasetStatistics::from_json(json, path.string());
}

void write_statistics(const ops::DatasetStatistics& statistics, const fs::path& path) {
  io::write_file_via_temp(path, statistics.to_json().dump(2) + "\n");
}

// Every sample of the image, in bands along y (the whole sample when the model has no y).
template <class F>
void for_each_band(const ImageInput& in, const TensorSpec& input, F&& f) {
  const std::string axes = input.axes_string();
  const Shape& shape = in.sample_shape();
  const auto y = axes.find('y');
  const std::int64_t height = y == std::string::npos ? 1 : shape[y];
  const std::int64_t step = statistics_band_length(shape, height);
  for (std::int64_t k = 0; k < in.loop().count(); ++k) {
    if (y == std::string::npos) {
      f(in.read(k, 0, 0, 0));
      continue;
    }
    for (std::int64_t b = 0; b < height; b += step) f(in.read(k, 'y', b, std::min(height, b + step)));
  }
}

}  // namespace

ops::DatasetStatistics dataset_statistics(const ModelSpec& spec, const std::vector<std::vector<fs::path>>& file_sets,
                                          const RunOptions& o) {
  const bool needed = std::any_of(spec.inputs.begin(), spec.inputs.end(),
                                  [](const TensorSpec& in) { return ops::has_per_dataset(in.preprocessing); });
  if (!needed) return {};
  std::error_code ec;
  if (!o.stats.empty() && fs::exists(o.stats, ec)) return read_statistics(o.stats);

  ops::DatasetStatistics statistics;
  for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
    const TensorSpec& input = spec.inputs[i];
    if (!ops::has_per_dataset(input.preprocessing) || file_sets.empty()) continue;
    const ImageInput first(file_sets[0].at(i), input, o.axes, o.channels);
    ops::DatasetMeasurement measurement(input.preprocessing, input.id, input.axes_string(), first.sample_shape());
    while (measurement.start_pass())
      for (const auto& files : file_sets) {
        const ImageInput in(files.at(i), input, o.axes, o.channels);
        for_each_band(in, input, [&](const Tensor& band) { measurement.scan(band); });
      }
    measurement.add_to(statistics);
  }
  if (!o.stats.empty() && !o.plan_only) write_statistics(statistics, o.stats);
  return statistics;
}

}  // namespace deepimage::run
