// `deepimage stats`: an image's whole-image statistics for a model, measured once into a file
// (run/image_statistics.hpp) that `run --stats` and sharded runs read.
#include <algorithm>

#include "deepimage/error.hpp"
#include "deepimage/run.hpp"
#include "engine/bare_model.hpp"
#include "run/image_input.hpp"
#include "run/image_statistics.hpp"
#include "io/temp_file.hpp"

namespace deepimage {

namespace fs = std::filesystem;

StatsReport measure_statistics_file(const RunOptions& o) {
  if (o.stats.empty()) throw Error(ErrorCode::invalid_argument, "stats needs an output file (-o stats.json)");
  if (fs::exists(o.stats) && !o.overwrite)
    throw Error(ErrorCode::invalid_argument, "\"" + o.stats.string() + "\" already exists (use --overwrite to replace it)");
  io::check_output_folder(o.stats);
  const model::Model model = engine::open_model_or_weights(o.model, {o.input_name, o.output_name});
  const ModelSpec& spec = model.spec;
  if (o.inputs.empty() || o.inputs.size() > spec.inputs.size())
    throw Error(ErrorCode::invalid_argument, "model \"" + spec.name + "\" takes " + std::to_string(spec.inputs.size()) +
                                                 " input(s); got " + std::to_string(o.inputs.size()) + " file(s)");
  std::vector<std::unique_ptr<run::ImageInput>> inputs;
  std::vector<const run::SampleSource*> sources;
  for (std::size_t i = 0; i < o.inputs.size(); ++i) {
    inputs.push_back(std::make_unique<run::ImageInput>(o.inputs[i], spec.inputs[i], o.axes, o.channels));
    sources.push_back(inputs.back().get());
  }
  run::check_loops_alike(sources);  // as `run` loops over them
  std::vector<Shape> shapes = run::sample_shapes(sources);
  shapes.resize(spec.inputs.size());
  const run::StackLoop& loop = inputs[0]->loop();
  const run::StatisticsFile statistics = run::measure_image_statistics(spec, loop, shapes, [&](std::int64_t sample) {
    std::vector<Tensor> whole(spec.inputs.size());
    for (std::size_t i = 0; i < inputs.size(); ++i) whole[i] = inputs[i]->read(sample, 0, 0, 0);
    return whole;
  });
  run::write_statistics_file(statistics, o.stats);
  StatsReport report{.model_name = spec.name, .file = o.stats.string(), .sample_count = static_cast<std::size_t>(loop.count()),
                     .measure_count = statistics.samples.measures().size(), .ops = {}};
  for (const ops::SampleMeasure& m : statistics.samples.measures())
    if (std::find(report.ops.begin(), report.ops.end(), m.op_id) == report.ops.end()) report.ops.push_back(m.op_id);
  return report;
}

nlohmann::json to_json(const StatsReport& r) {
  return {{"model", r.model_name}, {"file", r.file}, {"samples", r.sample_count}, {"measures", r.measure_count}, {"ops", r.ops}};
}

}  // namespace deepimage
