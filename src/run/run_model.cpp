#include <glob.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <optional>
#include <thread>

#include "deepimage/error.hpp"
#include "deepimage/run.hpp"
#include "engine/engine.hpp"
#include "io/image.hpp"
#include "run/axis_mapping.hpp"
#include "run/memory.hpp"
#include "run/predictor.hpp"
#include "run/stack_loop.hpp"

namespace deepimage {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

// Where each output goes: the given file for one output; `<folder>/<input stem>_<output id>.tif`
// for several.
std::vector<fs::path> output_paths(const RunOptions& o, const ModelSpec& spec) {
  if (spec.outputs.size() == 1) {
    io::format_for(o.output);  // fail now, not after the run, on an unknown extension
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
      throw Error(ErrorCode::invalid_argument, "output \"" + out.string() + "\" already exists (use --overwrite to replace it)");
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

// Folders become the image files directly inside them, wildcards the files they match (for patterns
// the shell did not expand), each sorted by name.
std::vector<fs::path> expand_inputs(const std::vector<fs::path>& inputs) {
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    std::vector<fs::path> found;
    if (fs::is_directory(in)) {
      for (const auto& e : fs::directory_iterator(in)) {
        std::string ext = e.path().extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
        if (e.is_regular_file() && (ext == ".tif" || ext == ".tiff" || ext == ".npy")) found.push_back(e.path());
      }
      if (found.empty()) throw Error(ErrorCode::not_found, "folder \"" + in.string() + "\" holds no .tif, .tiff or .npy images");
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

// Runs the loaded model on one set of input files (one per model input) and writes `outputs`.
void run_files(run::Predictor& predictor, const ModelSpec& spec, const RunOptions& o, const std::vector<fs::path>& inputs,
               const std::vector<fs::path>& outputs, RunReport& report) {
  const auto start = Clock::now();
  report.pad = o.pad;
  const tiling::PadMode pad = tiling::pad_mode_from_string(o.pad);
  const WeightsSpec& weights = predictor.weights();
  report.model_name = spec.name;
  auto t0 = Clock::now();
  std::vector<io::Image> images;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    io::Image image = io::read_image(inputs[i]);
    const std::string file = inputs[i].string();
    if (!o.axes.empty()) run::override_axes(image.pixels, o.axes, file);
    else if (image.pixels.axes().empty()) image.pixels.set_axes(run::infer_axes(image.pixels.shape(), spec.inputs[i]));
    report.inputs.push_back(file);
    report.input_axes.push_back(image.pixels.axes());
    report.input_shapes.push_back(image.pixels.shape());
    if (!o.channels.empty()) image.pixels = run::select_channels(image.pixels, o.channels, file);
    images.push_back(std::move(image));
  }
  report.read_s = seconds_since(t0);

  // Image axes the model lacks (z or t for a 2D model) are an outer loop over slices; a model with
  // several inputs gets its images whole.
  const run::StackLoop loop = spec.inputs.size() == 1 ? run::stack_loop_for(images[0].pixels, spec.inputs[0]) : run::StackLoop{};
  report.slice_axes = loop.axes;
  report.slice_count = static_cast<std::size_t>(loop.count());
  run::TilingOptions tiling_options{.tile = o.tile, .halo = o.halo, .pad = pad, .whole = false, .after_tile = {}};

  // Every slice has the same shape, hence the same plan.
  std::vector<Shape> slice_shapes;
  for (std::size_t i = 0; i < images.size(); ++i)
    slice_shapes.push_back(run::to_model_axes(loop.slice(images[i].pixels, 0), spec.inputs[i], report.inputs[i]).shape());
  const tiling::TilePlan plan = predictor.plan(slice_shapes, tiling_options);
  describe_run(report, o, weights, plan);
  if (o.plan_only) return;

  ProgressEvent event;
  event.slice_count = report.slice_count;
  event.tiles_total = plan.tiles.size() * report.slice_count;
  const auto inference_start = Clock::now();
  const auto emit = [&] {
    event.elapsed_s = seconds_since(start);
    const double per_tile = event.tiles_done ? seconds_since(inference_start) / static_cast<double>(event.tiles_done) : -1;
    event.eta_s = per_tile < 0 ? -1 : per_tile * static_cast<double>(event.tiles_total - event.tiles_done);
    event.rss_bytes = run::current_rss_bytes();
    event.peak_rss_bytes = run::peak_rss_bytes();
    if (o.progress) o.progress(event);
  };
  const auto stop_if_cancelled = [&] {
    if (o.cancel && o.cancel->load())
      throw Error(ErrorCode::cancelled, "interrupted after " + std::to_string(event.tiles_done) + " of " +
                                            std::to_string(event.tiles_total) + " tiles; nothing was written");
  };
  tiling_options.after_tile = [&] {
    if (++event.tiles_done == 1) report.first_tile_s = report.load_s + seconds_since(start);
    emit();
    stop_if_cancelled();
  };
  emit();

  std::vector<Tensor> results(spec.outputs.size());
  for (std::int64_t k = 0; k < loop.count(); ++k) {
    stop_if_cancelled();
    event.slice = static_cast<std::size_t>(k);
    std::vector<Tensor> slice_inputs;
    std::string slice_axes;
    for (std::size_t i = 0; i < images.size(); ++i) {
      const Tensor slice = loop.slice(images[i].pixels, k);
      slice_axes = slice.axes();
      slice_inputs.push_back(run::to_model_axes(slice, spec.inputs[i], report.inputs[i]));
    }
    run::PredictionTimes times;
    const std::vector<Tensor> slice_results = predictor.predict(std::move(slice_inputs), tiling_options, nullptr, &times);
    report.preprocess_s += times.preprocess_s;
    report.inference_s += times.inference_s;
    report.engine_s += times.engine_s;
    report.postprocess_s += times.postprocess_s;
    for (std::size_t i = 0; i < slice_results.size(); ++i)
      loop.place(results[i], k, run::to_image_axes(slice_results[i], slice_axes));
  }

  t0 = Clock::now();
  for (std::size_t i = 0; i < results.size(); ++i) {
    io::write_image({results[i], images[0].calibration}, outputs[i]);
    report.outputs_written.push_back(outputs[i].string());
  }
  report.write_s = seconds_since(t0);
  event.finished = true;
  emit();

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
  // Several outputs go into a folder, made here; if the run fails it is removed again, so a failed
  // run leaves nothing behind.
  std::optional<fs::path> made_folder;
  if (!o.plan_only && spec.outputs.size() > 1 && !o.output.has_extension() && !fs::exists(o.output)) {
    fs::create_directories(o.output);
    made_folder = o.output;
  }
  RemoveIfEmpty cleanup{made_folder};
  const std::vector<fs::path> outputs = o.plan_only ? std::vector<fs::path>{} : output_paths(o, spec);
  check_outputs_writable(o.inputs, outputs, o.overwrite);

  run::Predictor predictor(model, engine::choose_weights(spec, o.weights), {.threads = o.threads});
  RunReport report;
  report.load_s = seconds_since(start);
  run_files(predictor, spec, o, o.inputs, outputs, report);
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
  const std::vector<fs::path> files = expand_inputs(o.inputs);
  if (o.output.has_extension() && !fs::is_directory(o.output))
    throw Error(ErrorCode::invalid_argument, "several images need a folder for -o, not \"" + o.output.string() + "\"");
  fs::create_directories(o.output);

  run::Predictor predictor(model, engine::choose_weights(spec, o.weights), {.threads = o.threads});
  BatchReport batch;
  batch.load_s = seconds_since(start);
  std::set<fs::path> written;
  for (const fs::path& file : files) {
    BatchItem item;
    item.input = file.string();
    try {
      std::vector<fs::path> outputs;
      for (const auto& out : spec.outputs)
        outputs.push_back(o.output / (file.stem().string() + (spec.outputs.size() > 1 ? "_" + out.id : "") + ".tif"));
      for (const auto& out : outputs)
        if (written.count(out))
          throw Error(ErrorCode::invalid_argument, "output \"" + out.string() + "\" would replace the result of another "
                                                       "image with the same name");
      check_outputs_writable(files, outputs, o.overwrite);  // never overwrites any image of the batch
      RunReport report;
      run_files(predictor, spec, o, {file}, outputs, report);
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
      {"slices", {{"axes", r.slice_axes}, {"count", r.slice_count}}},
      {"tiling", {{"axes", r.tile_axes}, {"tile_shape", r.tile_shape}, {"grid", r.tile_grid},
                  {"tile_count", r.tile_count}, {"halo", r.halo}, {"pad", r.pad}}},
      {"outputs", r.outputs_written},
      {"seconds", {{"load", r.load_s}, {"read", r.read_s}, {"preprocess", r.preprocess_s},
                   {"inference", r.inference_s}, {"engine", r.engine_s}, {"first_tile", r.first_tile_s},
                   {"postprocess", r.postprocess_s}, {"write", r.write_s}, {"total", r.total_s}}},
      {"peak_rss_bytes", r.peak_rss_bytes},
      {"planned_only", r.outputs_written.empty()},
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
  return {{"images", items}, {"failed", b.failed}, {"seconds", {{"load", b.load_s}, {"total", b.total_s}}}};
}

}  // namespace deepimage
