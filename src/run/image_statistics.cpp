#include "run/image_statistics.hpp"

#include <fstream>
#include <sstream>

#include "deepimage/error.hpp"
#include "io/temp_file.hpp"
#include "ops/prepared_ops.hpp"

namespace deepimage::run {

StatisticsFile measure_image_statistics(const ModelSpec& spec, const StackLoop& loop, const std::vector<Shape>& sample_shapes,
                                        const std::function<std::vector<Tensor>(std::int64_t sample)>& read_sample) {
  StatisticsFile out;
  out.samples.model = spec.name;
  out.samples.loop_axes = loop.axes;
  out.samples.loop_shape = loop.sizes;
  for (std::size_t i = 0; i < spec.inputs.size(); ++i)
    if (i < sample_shapes.size() && !sample_shapes[i].empty()) out.samples.sample_shapes[spec.inputs[i].id] = sample_shapes[i];

  // 0.4 per_dataset ops first: the ops after them see values normalised with them.
  for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
    const TensorSpec& input = spec.inputs[i];
    if (!ops::has_per_dataset(input.preprocessing) || i >= sample_shapes.size() || sample_shapes[i].empty()) continue;
    ops::DatasetMeasurement measurement(input.preprocessing, input.id, input.axes_string(), sample_shapes[i]);
    while (measurement.start_pass())
      for (std::int64_t k = 0; k < loop.count(); ++k) measurement.scan(read_sample(k).at(i));
    measurement.add_to(out.dataset);
  }
  for (std::int64_t k = 0; k < loop.count(); ++k) {
    const std::vector<Tensor> whole = read_sample(k);
    ops::OpContext context;  // reference tensors: the raw inputs, as run_slice gives them
    for (std::size_t i = 0; i < whole.size() && i < spec.inputs.size(); ++i) context.tensors[spec.inputs[i].id] = &whole[i];
    context.dataset = &out.dataset;
    for (std::size_t i = 0; i < whole.size() && i < spec.inputs.size(); ++i) {
      if (whole[i].empty()) continue;
      context.tensor_id = spec.inputs[i].id;
      ops::PreparedOps prep(spec.inputs[i].preprocessing, spec.inputs[i].axes_string(), whole[i].shape(), context);
      while (prep.start_pass()) prep.scan(whole[i]);
      for (ops::SampleMeasure& m : prep.measures(spec.inputs[i].id, k)) out.samples.add(std::move(m));
    }
  }
  return out;
}

std::string statistics_file_text(const StatisticsFile& statistics) {
  nlohmann::json file = statistics.dataset.to_json();
  statistics.samples.add_to_json(file);
  return file.dump(2) + "\n";
}

StatisticsFile parse_statistics_file(const std::string& text, const std::string& source) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) throw Error(ErrorCode::invalid_argument, "\"" + source + "\" is not valid JSON");
  return {.dataset = ops::DatasetStatistics::from_json(json, source), .samples = ops::SampleStatistics::from_json(json, source)};
}

StatisticsFile read_statistics_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\"");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_statistics_file(text.str(), path.string());
}

void write_statistics_file(const StatisticsFile& statistics, const std::filesystem::path& path) {
  io::write_file_via_temp(path, statistics_file_text(statistics));
}

std::optional<ops::SampleStatistics> given_sample_statistics(const RunOptions& options) {
  std::error_code ec;
  if (options.stats.empty() || !std::filesystem::exists(options.stats, ec)) return std::nullopt;
  StatisticsFile file = read_statistics_file(options.stats);
  if (file.samples.model.empty()) return std::nullopt;  // dataset statistics only
  return std::move(file.samples);
}

void check_statistics_fit(const ops::SampleStatistics& given, const ModelSpec& spec, const StackLoop& loop,
                          const std::vector<Shape>& sample_shapes) {
  given.check_model(spec.name);
  const std::string again = "; measure this image with `deepimage stats`";
  if (given.loop_axes != loop.axes || given.loop_shape != loop.sizes)
    throw Error(ErrorCode::invalid_argument, "\"" + given.source + "\": samples is \"" + given.loop_axes + "\" " +
                                                 shape_to_string(given.loop_shape) + " but the image has samples along \"" + loop.axes +
                                                 "\" " + shape_to_string(loop.sizes) + again);
  for (std::size_t i = 0; i < spec.inputs.size() && i < sample_shapes.size(); ++i) {
    if (sample_shapes[i].empty()) continue;
    const auto at = given.sample_shapes.find(spec.inputs[i].id);
    if (at == given.sample_shapes.end() || at->second != sample_shapes[i])
      throw Error(ErrorCode::invalid_argument, "\"" + given.source + "\": sample_shapes." + spec.inputs[i].id + " is " +
                                                   (at == given.sample_shapes.end() ? std::string("missing") : shape_to_string(at->second)) +
                                                   " but the image's samples are " + shape_to_string(sample_shapes[i]) + again);
  }
}

}  // namespace deepimage::run
