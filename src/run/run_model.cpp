#include <glob.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>
#include <optional>
#include <thread>

#include "deepimage/error.hpp"
#include "deepimage/memory_size.hpp"
#include "deepimage/run.hpp"
#include "engine/engine.hpp"
#include "io/image.hpp"
#include "io/slice_io.hpp"
#include "run/axis_mapping.hpp"
#include "run/memory.hpp"
#include "run/memory_plan.hpp"
#include "run/output_calibration.hpp"
#include "run/run_plan.hpp"
#include "run/run_progress.hpp"
#include "run/run_warnings.hpp"
#include "run/plane_stream.hpp"
#include "run/predictor.hpp"
#include "run/stack_loop.hpp"
#include "run/stopwatch.hpp"

namespace deepimage {
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

// Without -o: `<input stem>_<model name>.tif` beside the input, or the folder `<input stem>_<model
// name>/` for a model with several outputs. Never replaced without --overwrite, like any output.
fs::path default_output(const fs::path& input, const ModelSpec& spec) {
  const fs::path name = input.stem().string() + "_" + filename_safe(spec.name);
  return input.parent_path() / (spec.outputs.size() == 1 ? fs::path(name.string() + ".tif") : name);
}

// Where each output goes: the given file for one output; `<folder>/<input stem>_<output id>.tif`
// for several.
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
    paths.push_back(o.output / (o.inputs.at(0).stem().string() + "_" + out.id + ".tif"));
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
    if (fs::is_directory(in)) {
      std::vector<fs::path> entries;
      for (const auto& e : fs::directory_iterator(in))
        if (e.path().filename().string().front() != '.') entries.push_back(e.path());
      std::sort(entries.begin(), entries.end());
      for (const auto& e : entries) {
        const std::string stem = e.stem().string();
        if (!fs::is_regular_file(e)) continue;  // sub-folders are not searched
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

// What will run, before it runs: model, weights, engine, threads and the tile plan of one slice.
void describe_run(RunReport& report, const RunOptions& o, const WeightsSpec& weights, const tiling::TilePlan& plan) {
  report.model_path = o.model.string();
  report.weights_format = weights.format;
  report.weights_sha256 = weights.sha256;
  report.engine = engine::engine_for_format(weights.format)->library;
  report.threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  report.tile_axes = plan.axes;
  report.tile_shape = plan.tile_shape;
  report.tile_grid = plan.grid;
  report.tile_count = plan.tiles.size();
  if (!plan.tiles.empty()) {  // the first tile starts at 0, so its read start is minus the halo
    const tiling::Tile& first = plan.tiles.front();
    for (std::size_t k = 0; k < first.read.rank(); ++k) report.halo.push_back(-first.read.begin[k]);
  }
}

// A single TIFF plane too large to read whole within the budget: read in rows, one row of tiles at a
// time, results written as they come (run/plane_stream.hpp). Returns false, having done nothing the
// caller needs to undo, when the whole image fits or this run cannot stream; the caller then reads
// the image whole.
bool run_streamed_plane(run::Predictor& predictor, const ModelSpec& spec, const RunOptions& o, const io::SliceReader& reader,
                        const fs::path& input, const std::vector<fs::path>& outputs, std::optional<run::TileMemory>& tile_memory,
                        RunReport& report, Clock::time_point start) {
  if (spec.inputs.size() != 1 || (!outputs.empty() && !io::SliceWriter::can_write(outputs[0]))) return false;
  const run::PlaneSource source{reader, input.string(), o.channels};
  const tiling::PadMode pad = tiling::pad_mode_from_string(o.pad);
  Tensor first_row = reader.read_rows(0, 1);
  if (!o.channels.empty()) first_row = run::select_channels(first_row, o.channels, source.file);
  Shape model_shape = run::to_model_axes(first_row, spec.inputs[0], source.file).shape();
  const std::string model_axes = spec.inputs[0].axes_string();
  if (model_axes.find('y') == std::string::npos) return false;
  model_shape[model_axes.find('y')] = reader.shape()[reader.axes().find('y')];

  // Would the whole image fit? Then it is read whole, as usual.
  run::TilingOptions whole_options{.tile = o.tile, .halo = o.halo, .pad = pad, .whole = false, .after_tile = {}};
  RunReport whole_report = report;
  bool fits = true;
  const auto image_bytes = static_cast<std::uint64_t>(element_count(reader.shape())) * dtype_size(reader.dtype());
  run::plan_within_memory(predictor, spec, o, {model_shape}, false, whole_options, tile_memory, whole_report, image_bytes, &fits);
  const bool possible = run::plane_stream_preprocessing(spec, source, model_shape, tile_memory->output_values_per_pixel, false).has_value();
  if (o.read_in_parts && !possible)
    throw Error(ErrorCode::unsupported, "\"" + source.file + "\" cannot be read in parts for this model: that needs one plane, "
                                            "a 2D model with one single-channel output of the input's size, "
                                            "preprocessing whose statistics cover the whole plane, and pixel-wise postprocessing");
  if ((fits && !o.read_in_parts) || !possible) return false;

  run::TilingOptions tiling_options{.tile = o.tile, .halo = o.halo, .pad = pad, .whole = false, .after_tile = {}};
  const tiling::TilePlan plan = run::plan_streamed_plane(predictor, o, model_shape, reader.dtype(), tiling_options, *tile_memory, report);
  report.inputs = {source.file};
  report.input_axes = {reader.axes()};
  report.input_shapes = {reader.shape()};
  report.slice_count = 1;
  report.streamed = true;
  describe_run(report, o, predictor.weights(), plan);
  if (o.plan_only) return true;

  auto t0 = Clock::now();
  const auto per_tile = run::plane_stream_preprocessing(spec, source, model_shape, tile_memory->output_values_per_pixel, true);
  report.preprocess_s = seconds_since(t0);  // the statistics pass over the file
  run::RunProgress progress(o, start, 1, plan.tiles.size());
  progress.emit();
  run::RunWarnings warnings(spec);
  warnings.pixel_size(0, source.file, reader.axes(), reader.calibration());
  std::unique_ptr<io::SliceWriter> writer;
  t0 = Clock::now();
  run::stream_plane(
      predictor, spec, source, plan, pad, *per_tile,
      [&](const Tensor& rows) {
        if (!writer) {
          Shape whole = rows.shape();
          whole[static_cast<std::size_t>(rows.axis_index('y'))] = model_shape[model_axes.find('y')];
          writer = std::make_unique<io::SliceWriter>(outputs[0], rows.dtype(), whole, rows.axes(),
                                                     run::output_calibration(reader.calibration(), spec.outputs[0]));
        }
        writer->append_rows(rows);
        warnings.output(0, rows);
      },
      [&] {
        if (progress.event.tiles_done == 0) report.first_tile_s = report.load_s + seconds_since(start);
        progress.tile_done();
      },
      report.engine_s);
  report.inference_s = seconds_since(t0);
  t0 = Clock::now();
  writer->commit();
  report.outputs_written.push_back(outputs[0].string());
  report.write_s = seconds_since(t0);
  report.warnings = warnings.lines();
  progress.finish();
  report.peak_rss_bytes = run::peak_rss_bytes();
  report.total_s = report.load_s + seconds_since(start);
  return true;
}

// Runs the loaded model on one set of input files (one per model input) and writes `outputs`.
void run_files(run::Predictor& predictor, const ModelSpec& spec, const RunOptions& o, const std::vector<fs::path>& inputs,
               const std::vector<fs::path>& outputs, std::optional<run::TileMemory>& tile_memory, RunReport& report) {
  const auto start = Clock::now();
  report.pad = o.pad;
  const tiling::PadMode pad = tiling::pad_mode_from_string(o.pad);
  const WeightsSpec& weights = predictor.weights();
  report.model_name = spec.name;
  auto t0 = Clock::now();
  // A TIFF stack whose slices are runs of pages is read a slice at a time (and its results are
  // written the same way), so a stack larger than memory runs; other images are read whole. The
  // header of a TIFF is read once, for both.
  std::unique_ptr<io::SliceReader> header;
  if (inputs.size() == 1 && o.axes.empty()) header = io::SliceReader::header(inputs[0]);
  bool streamed = false;
  if (header) {
    const run::StackLoop l = run::stack_loop_for(header->shape(), header->axes(), spec.inputs[0]);
    streamed = l.count() > 1 && header->can_slice(l.axes);
    if (!streamed && l.count() == 1 && header->axes().find_first_of("tz") == std::string::npos &&
        run_streamed_plane(predictor, spec, o, *header, inputs[0], outputs, tile_memory, report, start))
      return;
  }
  if (o.read_in_parts && !header)
    throw Error(ErrorCode::unsupported, "--read-in-parts reads a single TIFF image in rows; \"" + inputs[0].string() + "\"" +
                                            (inputs.size() > 1 ? " is one of several inputs"
                                             : !o.axes.empty() ? " is given --axes"
                                                               : " is not a TIFF") +
                                            ", so it would be read whole: leave out --read-in-parts");
  std::vector<io::Image> images;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string file = inputs[i].string();
    report.inputs.push_back(file);
    if (streamed) {
      report.input_axes.push_back(header->axes());
      report.input_shapes.push_back(header->shape());
      images.push_back({Tensor(), header->calibration()});
      continue;
    }
    io::Image image = header ? header->read_image() : io::read_image(inputs[i]);
    if (!o.axes.empty()) run::override_axes(image.pixels, o.axes, file);
    else if (image.pixels.axes().empty()) image.pixels.set_axes(run::infer_axes(image.pixels.shape(), spec.inputs[i]));
    report.input_axes.push_back(image.pixels.axes());
    report.input_shapes.push_back(image.pixels.shape());
    if (!o.channels.empty()) image.pixels = run::select_channels(image.pixels, o.channels, file);
    images.push_back(std::move(image));
  }
  report.read_s = seconds_since(t0);

  // Image axes the model lacks (z or t for a 2D model) are an outer loop over slices; a model with
  // several inputs gets its images whole.
  const run::StackLoop loop = streamed ? run::stack_loop_for(header->shape(), header->axes(), spec.inputs[0])
                              : spec.inputs.size() == 1 ? run::stack_loop_for(images[0].pixels, spec.inputs[0])
                                                        : run::StackLoop{};
  report.slice_axes = loop.axes;
  report.slice_count = static_cast<std::size_t>(loop.count());
  report.streamed = streamed;
  const auto slice_of = [&](std::size_t i, std::int64_t k) {
    if (!streamed) return loop.slice(images[i].pixels, k);
    const Tensor slice = header->read(loop.axes, k);
    return o.channels.empty() ? slice : run::select_channels(slice, o.channels, report.inputs[i]);
  };
  const bool write_slices =
      streamed && std::all_of(outputs.begin(), outputs.end(), [](const fs::path& p) { return io::SliceWriter::can_write(p); });
  run::TilingOptions tiling_options{.tile = o.tile, .halo = o.halo, .pad = pad, .whole = false, .after_tile = {}};

  // Every slice has the same shape, hence the same plan.
  std::vector<Shape> slice_shapes;
  for (std::size_t i = 0; i < images.size(); ++i)
    slice_shapes.push_back(run::to_model_axes(slice_of(i, 0), spec.inputs[i], report.inputs[i]).shape());
  tiling::TilePlan plan =
      run::plan_within_memory(predictor, spec, o, slice_shapes, write_slices, tiling_options, tile_memory, report);
  describe_run(report, o, weights, plan);
  if (o.plan_only) return;

  run::RunProgress progress(o, start, report.slice_count, plan.tiles.size() * report.slice_count);
  ProgressEvent& event = progress.event;
  const auto stop_if_cancelled = [&] { progress.stop_if_cancelled(); };
  tiling_options.after_tile = [&] {
    if (event.tiles_done == 0) report.first_tile_s = report.load_s + seconds_since(start);
    progress.tile_done();
  };
  progress.emit();
  run::RunWarnings warnings(spec);
  for (std::size_t i = 0; i < images.size(); ++i) warnings.pixel_size(i, report.inputs[i], report.input_axes[i], images[i].calibration);

  std::vector<Tensor> results(spec.outputs.size());
  std::vector<std::unique_ptr<io::SliceWriter>> writers(spec.outputs.size());
  for (std::int64_t k = 0; k < loop.count(); ++k) {
    stop_if_cancelled();
    event.slice = static_cast<std::size_t>(k);
    std::vector<Tensor> slice_inputs;
    std::string slice_axes;
    for (std::size_t i = 0; i < images.size(); ++i) {
      const Tensor slice = slice_of(i, k);
      warnings.input(i, report.inputs[i], slice);
      slice_axes = slice.axes();
      slice_inputs.push_back(run::to_model_axes(slice, spec.inputs[i], report.inputs[i]));
    }
    run::PredictionStats stats;
    const std::size_t tiles_before = event.tiles_done;
    const std::vector<Tensor> slice_results = predictor.predict(std::move(slice_inputs), tiling_options, &plan, &stats);
    report.preprocess_s += stats.preprocess_s;
    report.inference_s += stats.inference_s;
    report.engine_s += stats.engine_s;
    report.postprocess_s += stats.postprocess_s;
    if (stats.smaller_tile_retries) {  // later slices start with the tiles that worked
      report.smaller_tile_retries += stats.smaller_tile_retries;
      for (std::size_t a = 0; a < plan.axes.size(); ++a) tiling_options.tile[plan.axes[a]] = plan.tile_shape[a];
      describe_run(report, o, weights, plan);
      event.tiles_done = tiles_before + plan.tiles.size();
      event.tiles_total = event.tiles_done + plan.tiles.size() * static_cast<std::size_t>(loop.count() - k - 1);
    }
    for (std::size_t i = 0; i < slice_results.size(); ++i) {
      warnings.output(i, slice_results[i]);
      const Tensor part = run::to_image_axes(slice_results[i], slice_axes);
      if (!write_slices) {
        loop.place(results[i], k, part);
        continue;
      }
      if (!writers[i]) {
        Shape whole = loop.sizes;
        whole.insert(whole.end(), part.shape().begin(), part.shape().end());
        writers[i] = std::make_unique<io::SliceWriter>(outputs[i], part.dtype(), whole, loop.axes + part.axes(),
                                                       run::output_calibration(images[0].calibration, spec.outputs[i]));
      }
      writers[i]->append(part);
    }
  }

  t0 = Clock::now();
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (write_slices) writers[i]->commit();
    else io::write_image({results[i], run::output_calibration(images[0].calibration, spec.outputs[i])}, outputs[i]);
    report.outputs_written.push_back(outputs[i].string());
  }
  report.write_s = seconds_since(t0);
  report.warnings = warnings.lines();
  progress.finish();

  report.peak_rss_bytes = run::peak_rss_bytes();
  report.total_s = report.load_s + seconds_since(start);
}

}  // namespace

RunReport run_model(const RunOptions& o) {
  const auto start = Clock::now();
  tiling::pad_mode_from_string(o.pad);  // a bad --pad fails before anything is loaded
  const model::Model model = model::open_model(o.model);
  const ModelSpec& spec = model.spec;
  if (o.inputs.size() != spec.inputs.size()) {
    std::string ids;
    for (const auto& in : spec.inputs) ids += (ids.empty() ? "" : ", ") + in.id;
    throw Error(ErrorCode::invalid_argument, "model \"" + spec.name + "\" takes " + std::to_string(spec.inputs.size()) +
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
  const std::vector<fs::path> outputs = o.plan_only ? std::vector<fs::path>{} : output_paths(with_output, spec);
  check_outputs_writable(o.inputs, outputs, o.overwrite);

  run::Predictor predictor(model, engine::choose_weights(spec, o.weights), {.threads = o.threads});
  RunReport report;
  report.load_s = seconds_since(start);
  std::optional<run::TileMemory> tile_memory;
  run_files(predictor, spec, with_output, o.inputs, outputs, tile_memory, report);
  return report;
}

BatchReport run_batch(const RunOptions& o) {
  const auto start = Clock::now();
  tiling::pad_mode_from_string(o.pad);
  const model::Model model = model::open_model(o.model);
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

  run::Predictor predictor(model, engine::choose_weights(spec, o.weights), {.threads = o.threads});
  batch.load_s = seconds_since(start);
  std::set<fs::path> written;
  std::optional<run::TileMemory> tile_memory;  // measured on the first image, reused for the rest
  for (const fs::path& file : files) {
    BatchItem item;
    item.input = file.string();
    std::optional<fs::path> made_folder;  // several outputs beside the image: their folder
    RemoveIfEmpty cleanup{made_folder};
    try {
      std::vector<fs::path> outputs;
      const fs::path beside = beside_inputs ? default_output(file, spec) : fs::path();
      for (const auto& out : spec.outputs)
        if (!beside_inputs) outputs.push_back(o.output / (file.stem().string() + (spec.outputs.size() > 1 ? "_" + out.id : "") + ".tif"));
        else if (spec.outputs.size() == 1) outputs.push_back(beside);
        else outputs.push_back(beside / (file.stem().string() + "_" + out.id + ".tif"));
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
      run_files(predictor, spec, for_image, {file}, outputs, tile_memory, report);
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
