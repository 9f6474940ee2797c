#include <glob.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <set>
#include <optional>

#include "core/cpu_features.hpp"
#include "deepimage/error.hpp"
#include "deepimage/memory_size.hpp"
#include "deepimage/run.hpp"
#include "engine/bare_model.hpp"
#include "engine/engine.hpp"
#include "io/image.hpp"
#include "io/image_region.hpp"
#include "run/image_stem.hpp"
#include "run/object_outputs.hpp"
#include "run/axis_mapping.hpp"
#include "run/dataset_pass.hpp"
#include "run/memory.hpp"
#include "run/output_calibration.hpp"
#include "run/run_plan.hpp"
#include "run/run_warnings.hpp"
#include "run/predictor.hpp"
#include "run/shard_run.hpp"
#include "run/slice_run.hpp"
#include "run/stack_loop.hpp"
#include "run/image_input.hpp"
#include "run/image_statistics.hpp"
#include "run/runner.hpp"
#include "run/stopwatch.hpp"

namespace deepimage {
using run::image_stem;
namespace {

namespace fs = std::filesystem;
using run::Clock;
using run::seconds_since;

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

// The model's name as part of a file name: letters, digits, '-' and '_' kept, anything else one '_'.
std::string filename_safe(const std::string& name) {
  std::string safe;
  for (unsigned char c : name) {
    const bool keep = std::isalnum(c) || c == '-' || c == '_';
    if (keep) safe += static_cast<char>(c);
    else if (!safe.empty() && safe.back() != '_') safe += '_';
  }
  while (!safe.empty() && safe.back() == '_') safe.pop_back();
  return safe.empty() ? "result" : safe;
}

// The extension of a result written without a name given: OME-Zarr for an OME-Zarr input (an image
// large enough to be one is streamed into another), TIFF for the rest.
std::string result_extension(const fs::path& input) {
  const io::ImageFormat* format = io::find_format(input);
  return format && format->name == "ome-zarr" ? ".ome.zarr" : ".tif";
}

// Without -o: `<input stem>_<model name>.tif` (`.ome.zarr` for an OME-Zarr input) beside the input,
// or the folder `<input stem>_<model name>/` for a model with several outputs. Never replaced without
// --overwrite, like any output.
fs::path default_output(const fs::path& input, const ModelSpec& spec) {
  const std::string name = image_stem(input) + "_" + filename_safe(spec.name);
  const fs::path folder = (input.has_filename() ? input : input.parent_path()).parent_path();
  return folder / (spec.outputs.size() == 1 ? name + result_extension(input) : name);
}

// Where each output goes: the given file for one output; `<folder>/<input stem>_<output id>.tif`
// (`.ome.zarr` for an OME-Zarr input) for several.
std::vector<fs::path> output_paths(const RunOptions& o, const ModelSpec& spec) {
  if (spec.outputs.size() == 1) {
    io::writable_format_for(o.output);  // fail now, not after the run, on an unknown extension
    return {o.output};
  }
  if (o.output.has_extension() && !fs::is_directory(o.output))
    throw Error(ErrorCode::invalid_argument, "the model has " + std::to_string(spec.outputs.size()) +
                                                 " outputs, so -o must be a folder, not \"" + o.output.string() + "\"");
  std::vector<fs::path> paths;
  for (const auto& out : spec.outputs)
    paths.push_back(o.output / (image_stem(o.inputs.at(0)) + "_" + out.id + result_extension(o.inputs.at(0))));
  return paths;
}

void check_outputs_writable(const std::vector<fs::path>& inputs, const std::vector<fs::path>& outputs, bool overwrite) {
  for (const auto& out : outputs) {
    for (const auto& in : inputs)
      if (same_file(in, out) || fs::weakly_canonical(in) == fs::weakly_canonical(out))
        throw Error(ErrorCode::invalid_argument, "output \"" + out.string() + "\" is the input; choose another output path");
    if (fs::exists(out) && !overwrite)
      throw Error(ErrorCode::invalid_argument, "output \"" + out.string() +
                                                   "\" already exists (use --overwrite to replace it, or -o to name another)");
    const fs::path folder = out.parent_path().empty() ? fs::path(".") : out.parent_path();
    if (!fs::is_directory(folder))
      throw Error(ErrorCode::not_found, "output folder \"" + folder.string() + "\" does not exist");
  }
}

// Removes a folder the run made when nothing was written into it.
struct RemoveIfEmpty {
  std::optional<fs::path>& folder;
  ~RemoveIfEmpty() {
    std::error_code ec;
    if (folder && fs::is_empty(*folder, ec)) fs::remove(*folder, ec);
  }
};

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// Folders become the image files directly inside them (every format the registry reads), wildcards
// the files they match (for patterns the shell did not expand), each sorted by name. Files named on
// their own are always kept: one that cannot be read fails in the batch summary. What a folder holds
// that is not run is listed in `skipped` (hidden files aside), never dropped silently; so are results
// of an earlier run of this model (`<stem>_<model name>.tif`), when outputs go beside the inputs.
std::vector<fs::path> expand_inputs(const std::vector<fs::path>& inputs, const std::string& own_results_suffix,
                                    std::vector<std::string>& skipped) {
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    std::vector<fs::path> found;
    if (fs::is_directory(in) && !io::find_format(in)) {  // an OME-Zarr folder is one image
      std::vector<fs::path> entries;
      for (const auto& e : fs::directory_iterator(in))
        if (e.path().filename().string().front() != '.') entries.push_back(e.path());
      std::sort(entries.begin(), entries.end());
      for (const auto& e : entries) {
        const std::string stem = image_stem(e);
        if (!fs::is_regular_file(e) && !(fs::is_directory(e) && io::find_format(e))) continue;  // sub-folders are not searched, OME-Zarr images are read
        if (!io::find_format(e)) skipped.push_back(e.string() + " (not an image format deepimage reads)");
        else if (!own_results_suffix.empty() && stem.size() > own_results_suffix.size() &&
                 stem.compare(stem.size() - own_results_suffix.size(), std::string::npos, own_results_suffix) == 0)
          skipped.push_back(e.string() + " (a result of this model)");
        else found.push_back(e);
      }
      if (found.empty()) throw Error(ErrorCode::not_found, "folder \"" + in.string() + "\" holds no images deepimage reads");
    } else if (has_wildcard(in.string()) && !fs::exists(in)) {
      glob_t g{};
      if (glob(in.c_str(), 0, nullptr, &g) == 0)
        for (std::size_t i = 0; i < g.gl_pathc; ++i) found.emplace_back(g.gl_pathv[i]);
      globfree(&g);
      if (found.empty()) throw Error(ErrorCode::not_found, "no file matches \"" + in.string() + "\"");
    } else {
      found.push_back(in);  // a missing or bad file is reported when its turn comes
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace

namespace {

// What will run, before it runs: model, weights, engine, threads, the tile plan of one sample and the
// memory predicted for it.
void describe_run(RunReport& report, const RunOptions& o, const WeightsSpec& weights, const run::RunPlan& plan) {
  report.model_path = o.model.string();
  report.weights_format = weights.format;
  report.precision = std::string(to_string(o.precision));
  report.weights_sha256 = weights.sha256;
  report.engine = engine::engine_for_format(weights.format)->library;
  report.threads = resolved_thread_count(o.threads);
  const tiling::TilePlan& tiles = plan.tiles;
  report.tile_axes = tiles.axes;
  report.tile_shape = tiles.tile_shape;
  report.tile_grid = tiles.grid;
  report.tile_count = tiles.tiles.size();
  report.halo.clear();
  if (!tiles.tiles.empty()) {  // the first tile starts at 0, so its read start is minus the halo
    const tiling::Tile& first = tiles.tiles.front();
    for (std::size_t k = 0; k < first.read.rank(); ++k) report.halo.push_back(-first.read.begin[k]);
  }
  report.streamed = report.slice_count > 1 || plan.in_bands;
  report.memory_budget_bytes = plan.budget;
  report.predicted_peak_bytes = plan.estimate.total();
  report.predicted_resident_bytes = plan.estimate.resident;
  report.predicted_buffers_bytes = plan.estimate.buffers;
  report.predicted_tile_bytes = plan.estimate.tile;
}

// One output file, created when the first part of its first sample arrives (then its channels are
// known), written part by part wherever the part lies.
class OutputFile {
 public:
  OutputFile(fs::path path, const run::StackLoop& loop, std::string sample_axes, std::optional<io::Calibration> calibration,
             int pyramid_levels)
      : path_(std::move(path)), loop_(loop), sample_axes_(std::move(sample_axes)), calibration_(std::move(calibration)),
        pyramid_levels_(pyramid_levels) {}

  void write(std::int64_t sample, const run::OutputBand& band) {
    Tensor part = run::to_image_axes(band.values, sample_axes_);
    for (char a : loop_.axes)
      if (part.axis_index(a) >= 0)
        throw Error(ErrorCode::unsupported, std::string("the model's output has axis \"") + a + "\", which the image stack is looped over");
    const int along = band.axis ? part.axis_index(band.axis) : -1;
    if (!sink_) {
      io::ImageInfo info{.shape = loop_.sizes, .axes = loop_.axes + part.axes(), .dtype = part.dtype(), .calibration = calibration_,
                         .pyramid_levels = pyramid_levels_};
      for (std::size_t d = 0; d < part.rank(); ++d)
        info.shape.push_back(static_cast<int>(d) == along ? band.full : part.shape()[d]);
      sink_ = io::create_image(path_, info);
    }
    Box box = loop_.box(sample);  // the loop axes at this sample's index, then the part's own
    for (std::size_t d = 0; d < part.rank(); ++d) {
      const std::int64_t begin = static_cast<int>(d) == along ? band.begin : 0;
      box.begin.push_back(begin);
      box.end.push_back(begin + part.shape()[d]);
    }
    Shape framed(loop_.axes.size(), 1);
    framed.insert(framed.end(), part.shape().begin(), part.shape().end());
    part.reshape(framed, loop_.axes + part.axes());
    sink_->write(box, part);
  }
  void commit() { sink_->commit(); }

 private:
  fs::path path_;
  const run::StackLoop& loop_;
  std::string sample_axes_;
  std::optional<io::Calibration> calibration_;
  int pyramid_levels_;
  std::unique_ptr<io::ImageSink> sink_;
};

// A run's results as output files, one per model output, committed when the run is complete.
class FileResults final : public run::ResultSink {
 public:
  FileResults(const std::vector<fs::path>& outputs, const run::ImageInput& first, const ModelSpec& spec, int pyramid_levels,
              RunReport& report)
      : outputs_(outputs), report_(report) {
    files_.reserve(outputs.size());
    for (std::size_t k = 0; k < outputs.size(); ++k)
      files_.emplace_back(outputs[k], first.loop(), first.sample_axes(), run::output_calibration(first.calibration(), spec.outputs[k]),
                          pyramid_levels);
  }
  void band(std::int64_t sample, const run::OutputBand& band) override {
    const auto t0 = Clock::now();
    files_[band.output].write(sample, band);
    report_.write_s += seconds_since(t0);
  }
  void complete() override {
    const auto t0 = Clock::now();
    for (std::size_t k = 0; k < files_.size(); ++k) {
      files_[k].commit();
      report_.outputs_written.push_back(outputs_[k].string());
    }
    report_.write_s += seconds_since(t0);
  }

 private:
  const std::vector<fs::path>& outputs_;
  RunReport& report_;
  std::vector<OutputFile> files_;
};

// --objects reads the result back once it is written: it must be an image that says its axes, and
// the label image and table beside it, and the rules with the model's, are checked before the run, as
// the output is.
void check_objects_outputs(const fs::path& output, const ObjectRules& rules, const ModelSpec& spec, bool overwrite) {
  resolve_object_rules(rules, spec.star_convex);
  const io::ImageFormat* format = io::find_format(output);
  if (!format || (format->name != "tiff" && format->name != "ome-zarr"))
    throw Error(ErrorCode::invalid_argument, "--objects reads the result back from a TIFF or OME-Zarr output, not \"" +
                                                 output.string() + "\"");
  run::check_object_outputs(default_labels_path(output), default_table_path(output), overwrite);
}

// Runs the loaded model on one set of input files (one per model input) and writes `outputs`: every
// sample (slice of a stack, sample of a batch) through the Runner, read from the files and written to
// the outputs by region, whole or in bands as the plan says.
void run_files(run::Runner& runner, const RunOptions& o, const std::vector<fs::path>& files, const std::vector<fs::path>& outputs,
               const run::RunStatistics& statistics, RunReport& report) {
  const ModelSpec& spec = runner.spec();
  const auto start = Clock::now();
  report.pad = o.pad;
  report.model_name = spec.name;
  auto t0 = Clock::now();
  std::vector<std::unique_ptr<run::ImageInput>> inputs;
  std::vector<const run::SampleSource*> sources;
  for (std::size_t i = 0; i < files.size(); ++i) {
    inputs.push_back(std::make_unique<run::ImageInput>(files[i], spec.inputs[i], o.axes, o.channels));
    sources.push_back(inputs.back().get());
    report.inputs.push_back(inputs[i]->file());
    report.input_axes.push_back(inputs[i]->axes());
    report.input_shapes.push_back(inputs[i]->shape());
  }
  const run::StackLoop& loop = inputs[0]->loop();
  report.slice_axes = loop.axes;
  report.slice_count = static_cast<std::size_t>(loop.count());
  report.read_s = seconds_since(t0);

  const run::RunPlan plan = runner.plan(o, sources, outputs);
  if (statistics.given) run::check_statistics_fit(*statistics.given, spec, loop, run::sample_shapes(sources));
  describe_run(report, o, runner.predictor().weights(), plan);
  // What is known before running (the pixel size) is said by --plan too.
  run::RunWarnings warnings(spec);
  for (std::size_t i = 0; i < inputs.size(); ++i)
    warnings.pixel_size(i, inputs[i]->file(), inputs[i]->axes(), inputs[i]->calibration());
  if (o.plan_only) {
    report.warnings = warnings.lines();
    return;
  }
  if (o.objects) check_objects_outputs(outputs.at(0), *o.objects, spec, o.overwrite);

  FileResults results(outputs, *inputs[0], spec, o.pyramid_levels, report);
  const run::RunTotals totals = runner.run(o, sources, plan, statistics, warnings, start, results);
  report.read_s += totals.read_s;
  report.preprocess_s += totals.stats.preprocess_s;
  report.inference_s += totals.stats.inference_s;
  report.engine_s += totals.stats.engine_s;
  report.postprocess_s += totals.stats.postprocess_s;
  if (totals.first_tile_s >= 0) report.first_tile_s = report.load_s + totals.first_tile_s;
  if (totals.stats.smaller_tile_retries) {  // the report shows the tiles that worked
    report.smaller_tile_retries = totals.stats.smaller_tile_retries;
    describe_run(report, o, runner.predictor().weights(), totals.used);
  }
  report.warnings = warnings.lines();
  if (o.objects)
    report.objects = find_objects({.probability = outputs.at(0), .intensity = files.at(0), .rules = *o.objects, .model = spec.star_convex,
                                   .overwrite = o.overwrite});
  report.peak_rss_bytes = run::peak_rss_bytes();
  report.total_s = report.load_s + seconds_since(start);
}

}  // namespace

RunReport run_model(const RunOptions& o) {
  if (!o.shard.empty()) return run::run_sharded(o);  // its share of an OME-Zarr output's chunks
  const auto start = Clock::now();
  tiling::pad_mode_from_string(o.pad);  // a bad --pad fails before anything is loaded
  const model::Model model = engine::open_model_or_weights(o.model, {o.input_name, o.output_name});
  const ModelSpec& spec = model.spec;
  // Optional inputs (rdf 0.5 `optional`) at the end of the list may be left out.
  std::size_t required = 0;
  for (std::size_t i = 0; i < spec.inputs.size(); ++i)
    if (!spec.inputs[i].optional || i == 0) required = i + 1;
  if (o.inputs.size() < required || o.inputs.size() > spec.inputs.size()) {
    std::string ids;
    for (const auto& in : spec.inputs) ids += (ids.empty() ? "" : ", ") + in.id + (in.optional ? " (optional)" : "");
    throw Error(ErrorCode::invalid_argument, "model \"" + spec.name + "\" takes " +
                                                 (required == spec.inputs.size() ? std::to_string(required)
                                                                                 : std::to_string(required) + " to " + std::to_string(spec.inputs.size())) +
                                                 " input(s) (" + ids + "); got " + std::to_string(o.inputs.size()) + " file(s)");
  }
  RunOptions with_output = o;
  if (with_output.output.empty()) with_output.output = default_output(o.inputs.at(0), spec);
  // Several outputs go into a folder, made here; if the run fails it is removed again, so a failed
  // run leaves nothing behind.
  std::optional<fs::path> made_folder;
  if (!o.plan_only && spec.outputs.size() > 1 && !with_output.output.has_extension() && !fs::exists(with_output.output)) {
    fs::create_directories(with_output.output);
    made_folder = with_output.output;
  }
  RemoveIfEmpty cleanup{made_folder};
  // A plan names the output only to count what its writer holds; it is neither checked nor written.
  const std::vector<fs::path> outputs = !o.plan_only ? output_paths(with_output, spec)
                                        : spec.outputs.size() == 1 ? std::vector<fs::path>{with_output.output} : std::vector<fs::path>{};
  if (!o.plan_only) check_outputs_writable(o.inputs, outputs, o.overwrite);

  run::Runner runner(model, o);
  RunReport report;
  report.load_s = seconds_since(start);
  const ops::DatasetStatistics dataset = run::dataset_statistics(spec, {o.inputs}, o);
  const std::optional<ops::SampleStatistics> given = run::given_sample_statistics(o);
  run_files(runner, with_output, o.inputs, outputs, {.dataset = &dataset, .given = given ? &*given : nullptr}, report);
  return report;
}

RunReport run_example(const RunOptions& o, const fs::path& input_copy) {
  if (!o.inputs.empty()) throw Error(ErrorCode::invalid_argument, "example runs the model on its own example: give no input files");
  const model::Model model = engine::open_model_or_weights(o.model, {o.input_name, o.output_name});
  const ModelSpec& spec = model.spec;
  // The example's files, in a folder of their own (unique: a process may run several examples at
  // once, from threads), removed afterwards.
  std::string pattern = (fs::temp_directory_path() / "deepimage-example-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw Error(ErrorCode::io, "cannot make a folder for the example under \"" +
                                                             fs::temp_directory_path().string() + "\"");
  const fs::path folder = pattern;
  struct RemoveFolder {
    fs::path path;
    ~RemoveFolder() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } cleanup{folder};
  RunOptions with_example = o;
  for (const TensorSpec& in : spec.inputs) {
    const bool sample = !in.sample_tensor.empty();
    const std::string& source = sample ? in.sample_tensor : in.test_tensor;
    if (source.empty())
      throw Error(ErrorCode::not_found, "model \"" + spec.name + "\" has no sample or test tensor for input \"" + in.id + "\"");
    const std::vector<std::byte> bytes = sample ? model.bundle.read(source) : model::read_checked(model, source, in.test_tensor_sha256);
    const fs::path file = folder / (in.id + fs::path(source).extension().string());
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw Error(ErrorCode::io, "cannot write \"" + file.string() + "\"");
    with_example.inputs.push_back(file);
  }
  // Where the example input is copied to (checked before the run, written after it succeeded).
  std::vector<fs::path> copies;
  if (!input_copy.empty()) {
    for (const TensorSpec& in : spec.inputs) {
      copies.push_back(spec.inputs.size() == 1 ? input_copy
          : input_copy.parent_path() / (input_copy.stem().string() + "_" + in.id + input_copy.extension().string()));
      if (fs::exists(copies.back()) && !o.overwrite)
        throw Error(ErrorCode::invalid_argument, "\"" + copies.back().string() + "\" exists (use --overwrite to replace it)");
      io::writable_format_for(copies.back());
    }
  }
  if (with_example.output.empty()) with_example.output = default_output(fs::current_path() / with_example.inputs[0].filename(), spec);
  RunReport report = run_model(with_example);
  for (std::size_t i = 0; i < copies.size(); ++i) {
    io::Image image = io::read_image(with_example.inputs[i]);
    if (image.pixels.axes().empty()) image.pixels.set_axes(run::infer_axes(image.pixels.shape(), spec.inputs[i]));
    std::string without_batch = image.pixels.axes();
    std::erase(without_batch, 'b');
    image.pixels = run::to_image_axes(image.pixels, without_batch);
    io::write_image(image, copies[i]);
  }
  return report;
}

BatchReport run_batch(const RunOptions& o) {
  const auto start = Clock::now();
  tiling::pad_mode_from_string(o.pad);
  if (!o.shard.empty()) throw Error(ErrorCode::invalid_argument, "--shard cuts one image into shares, not a batch of images: give one image");
  const model::Model model = engine::open_model_or_weights(o.model, {o.input_name, o.output_name});
  const ModelSpec& spec = model.spec;
  if (spec.inputs.size() != 1)
    throw Error(ErrorCode::invalid_argument, "model \"" + spec.name + "\" takes " + std::to_string(spec.inputs.size()) +
                                                 " inputs, so it runs on one set of files, not a batch");
  // Without -o each result goes beside its image (default_output).
  const bool beside_inputs = o.output.empty();
  BatchReport batch;
  const std::vector<fs::path> files =
      expand_inputs(o.inputs, beside_inputs ? "_" + filename_safe(spec.name) : std::string(), batch.skipped);
  if (!beside_inputs && o.output.has_extension() && !fs::is_directory(o.output))
    throw Error(ErrorCode::invalid_argument, "several images need a folder for -o, not \"" + o.output.string() + "\"");
  if (!beside_inputs) fs::create_directories(o.output);

  run::Runner runner(model, o);  // the tile memory measured on the first image is reused for the rest
  batch.load_s = seconds_since(start);
  std::set<fs::path> written;
  std::vector<std::vector<fs::path>> file_sets;  // the batch is the dataset of 0.4 per_dataset ops
  for (const fs::path& file : files) file_sets.push_back({file});
  const ops::DatasetStatistics dataset = run::dataset_statistics(spec, file_sets, o);
  const std::optional<ops::SampleStatistics> given = run::given_sample_statistics(o);
  if (given && files.size() > 1)
    throw Error(ErrorCode::invalid_argument, "\"" + o.stats.string() + "\" holds the per-sample statistics of one image (deepimage "
                                             "stats), which would normalise all " + std::to_string(files.size()) +
                                             " images of the batch: run the images one at a time, each with its own statistics");
  for (const fs::path& file : files) {
    BatchItem item;
    item.input = file.string();
    std::optional<fs::path> made_folder;  // several outputs beside the image: their folder
    RemoveIfEmpty cleanup{made_folder};
    try {
      std::vector<fs::path> outputs;
      const fs::path beside = beside_inputs ? default_output(file, spec) : fs::path();
      const std::string stem = image_stem(file), extension = result_extension(file);
      for (const auto& out : spec.outputs)
        if (!beside_inputs) outputs.push_back(o.output / (stem + (spec.outputs.size() > 1 ? "_" + out.id : "") + extension));
        else if (spec.outputs.size() == 1) outputs.push_back(beside);
        else outputs.push_back(beside / (stem + "_" + out.id + extension));
      for (const auto& out : outputs)
        if (written.count(out))
          throw Error(ErrorCode::invalid_argument, "output \"" + out.string() + "\" would replace the result of another "
                                                       "image with the same name");
      if (beside_inputs && spec.outputs.size() > 1 && !fs::exists(beside)) {
        fs::create_directories(beside);
        made_folder = beside;
      }
      check_outputs_writable(files, outputs, o.overwrite);  // never overwrites any image of the batch
      RunOptions for_image = o;  // progress events say which image of the batch they are about
      if (o.progress)
        for_image.progress = [&o, index = batch.items.size(), count = files.size()](const ProgressEvent& e) {
          ProgressEvent with_image = e;
          with_image.image = index;
          with_image.image_count = count;
          o.progress(with_image);
        };
      RunReport report;
      run_files(runner, for_image, {file}, outputs, {.dataset = &dataset, .given = given ? &*given : nullptr}, report);
      written.insert(outputs.begin(), outputs.end());
      item.report = std::move(report);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::cancelled) throw;
      item.error = e.what();
      ++batch.failed;
    }
    batch.items.push_back(std::move(item));
  }
  batch.total_s = seconds_since(start);
  return batch;
}

nlohmann::json to_json(const RunReport& r) {
  return {
      {"model", {{"name", r.model_name}, {"path", r.model_path}}},
      {"weights", {{"format", r.weights_format}, {"sha256", r.weights_sha256}}},
      {"engine", r.engine},
      {"precision", r.precision},
      {"threads", r.threads},
      {"inputs", r.inputs},
      {"input_axes", r.input_axes},
      {"input_shapes", r.input_shapes},
      {"slices", {{"axes", r.slice_axes}, {"count", r.slice_count}, {"streamed", r.streamed}}},
      {"tiling", {{"axes", r.tile_axes}, {"tile_shape", r.tile_shape}, {"grid", r.tile_grid},
                  {"tile_count", r.tile_count}, {"halo", r.halo}, {"pad", r.pad}}},
      {"outputs", r.outputs_written},
      {"seconds", {{"load", r.load_s}, {"read", r.read_s}, {"preprocess", r.preprocess_s},
                   {"inference", r.inference_s}, {"engine", r.engine_s}, {"first_tile", r.first_tile_s},
                   {"postprocess", r.postprocess_s}, {"write", r.write_s}, {"total", r.total_s}}},
      {"peak_rss_bytes", r.peak_rss_bytes},
      {"memory", {{"budget_bytes", r.memory_budget_bytes},
                  {"predicted_peak_bytes", r.predicted_peak_bytes},
                  {"predicted", {{"resident_bytes", r.predicted_resident_bytes},
                                 {"buffers_bytes", r.predicted_buffers_bytes},
                                 {"tile_bytes", r.predicted_tile_bytes}}},
                  {"smaller_tile_retries", r.smaller_tile_retries}}},
      {"planned_only", r.outputs_written.empty()},
      {"warnings", r.warnings},
      {"objects", r.objects ? to_json(*r.objects) : nlohmann::json(nullptr)},
  };
}

nlohmann::json to_json(const BatchReport& b) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : b.items) {
    nlohmann::json j = {{"input", item.input}, {"ok", item.error.empty()}};
    if (item.error.empty()) j["report"] = to_json(item.report);
    else j["error"] = item.error;
    items.push_back(j);
  }
  return {{"images", items}, {"failed", b.failed}, {"skipped", b.skipped},
          {"seconds", {{"load", b.load_s}, {"total", b.total_s}}}};
}

}  // namespace deepimage
