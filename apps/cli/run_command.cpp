#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "axis_values.hpp"
#include "object_rule_options.hpp"
#include "commands.hpp"
#include "precision_option.hpp"
#include "tensor_name_options.hpp"
#include "weights_option.hpp"
#include "deepimage/catalog.hpp"
#include "deepimage/memory_size.hpp"
#include "deepimage/pull.hpp"
#include "deepimage/run.hpp"
#include "download_display.hpp"
#include "interrupt.hpp"
#include "progress_display.hpp"

namespace deepimage::cli {
namespace {

std::string join_shape(const std::vector<std::int64_t>& s, const char* sep) {
  std::string r;
  for (auto v : s) r += (r.empty() ? "" : sep) + std::to_string(v);
  return r;
}

// One line: where the result is and what was done.
std::string summary(const RunReport& r) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << "wrote";
  for (const auto& o : r.outputs_written) s << " " << o;
  s << ": " << r.model_name << " on " << r.inputs.at(0) << " (" << r.input_axes.at(0) << " "
    << join_shape(r.input_shapes.at(0), "x") << "), ";
  if (r.slice_count > 1) s << r.slice_count << " slices along " << r.slice_axes << " x ";
  if (r.streamed) s << "read in parts, ";
  s << r.tile_count << (r.tile_count == 1 ? " tile" : " tiles")
    << " of " << join_shape(r.tile_shape, "x") << " (halo " << join_shape(r.halo, ",") << "), " << r.weights_format
    << (r.precision == "fp32" ? "" : " in " + r.precision) << " on " << r.engine << " with " << r.threads << " threads, " << r.total_s << " s, peak memory "
    << format_bytes(r.peak_rss_bytes) << " (predicted " << format_bytes(r.predicted_peak_bytes) << ")";
  if (r.smaller_tile_retries)
    s << "; ran out of memory " << r.smaller_tile_retries << (r.smaller_tile_retries == 1 ? " time" : " times")
      << " and continued with smaller tiles";
  if (r.objects)
    s << "\nwrote " << r.objects->labels_file << " and " << r.objects->table_file << ": " << r.objects->object_count
      << (r.objects->object_count == 1 ? " object" : " objects") << " (" << rules_used(*r.objects) << ")";
  return s.str();
}

std::string plan_summary(const RunReport& r) {
  std::ostringstream s;
  s << "plan: " << r.model_name << " on " << r.inputs.at(0) << " (" << r.input_axes.at(0) << " "
    << join_shape(r.input_shapes.at(0), "x") << "): ";
  if (r.slice_count > 1) s << r.slice_count << " slices along " << r.slice_axes << " x ";
  if (r.streamed) s << "read in parts, ";
  s << r.tile_count << (r.tile_count == 1 ? " tile" : " tiles") << " of " << join_shape(r.tile_shape, "x") << " ("
    << r.tile_axes << ", grid " << join_shape(r.tile_grid, "x") << ", halo " << join_shape(r.halo, ",") << ", "
    << r.pad << " padding), " << r.weights_format << (r.precision == "fp32" ? "" : " in " + r.precision) << " on " << r.engine << " with " << r.threads
    << " threads; predicted peak memory " << format_bytes(r.predicted_peak_bytes) << " of a "
    << format_bytes(r.memory_budget_bytes) << " budget; nothing was run";
  return s.str();
}

// Several files, a folder or an unexpanded wildcard: a batch (for a model with one input). A folder
// named *.zarr is one image (OME-Zarr), not a batch.
bool is_batch(const std::vector<std::string>& inputs) {
  if (inputs.size() > 1) return true;
  const std::string& in = inputs.at(0);
  std::filesystem::path folder(in);
  if (!folder.has_filename()) folder = folder.parent_path();  // "cells.ome.zarr/"
  std::string ext = folder.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return (std::filesystem::is_directory(in) && ext != ".zarr") ||
         (in.find_first_of("*?[") != std::string::npos && !std::filesystem::exists(in));
}

// Warnings go to stderr, one line each; a batch says each distinct line once.
void print_warnings(const std::vector<std::string>& warnings) {
  std::vector<std::string> said;
  for (const auto& w : warnings) {
    if (std::find(said.begin(), said.end(), w) != said.end()) continue;
    std::cerr << "warning: " << w << "\n";
    said.push_back(w);
  }
}

void print_batch(const BatchReport& b) {
  for (const auto& item : b.items)
    if (item.error.empty()) std::cout << summary(item.report) << "\n";
  std::cout << (b.items.size() - b.failed) << " of " << b.items.size() << " images done\n";
}

// On stderr whatever else is printed (--quiet, --json): a failure is never silent.
void print_batch_problems(const BatchReport& b) {
  if (!b.skipped.empty()) {
    std::cerr << "note: " << b.skipped.size() << (b.skipped.size() == 1 ? " file" : " files") << " not run:\n";
    for (const auto& s : b.skipped) std::cerr << "  " << s << "\n";
  }
  if (b.failed) {
    std::cerr << "error: " << b.failed << " of " << b.items.size() << " images failed:\n";
    for (const auto& item : b.items)
      if (!item.error.empty()) std::cerr << "  " << item.input << ": " << item.error << "\n";
  }
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("run", "Run a model on an image and write the result");
  auto options = std::make_shared<RunOptions>();
  auto tile = std::make_shared<std::string>(), halo = std::make_shared<std::string>();
  auto memory = std::make_shared<std::string>();
  auto pyramid_levels = std::make_shared<int>(-1);
  auto progress_every = std::make_shared<double>(5.0);
  auto progress_mode = std::make_shared<std::string>("auto");
  auto quiet = std::make_shared<bool>(false), json = std::make_shared<bool>(false);
  auto model = std::make_shared<std::string>(), output = std::make_shared<std::string>();
  auto inputs = std::make_shared<std::vector<std::string>>();
  cmd->add_option("model", *model, "Model bundle: folder, .zip or rdf file; or a URL or bioimage.io id, pulled into the models folder first")->required();
  cmd->add_option("input", *inputs,
                  "Image (TIFF, .npy, PNG or JPEG), one per model input; for a one-input model also several images, "
                  "folders or wildcards (a batch: -o is then a folder)")
      ->required();
  cmd->add_option("-o,--output", *output,
                  ".tif/.tiff/.npy file, .ome.zarr folder, or a folder for models with several outputs or a batch (default: "
                  "<input stem>_<model name>.tif beside each input, .ome.zarr for an OME-Zarr input, a folder of that "
                  "name for several outputs)");
  cmd->add_flag("--plan", options->plan_only, "Print the tile plan for the image and stop: nothing is run or written");
  add_weights_option(cmd, options->weights, "Weights format to run");
  add_tensor_name_options(cmd, options->input_name, options->output_name);
  cmd->add_option("--tile", *tile, "Model input size per axis, e.g. y=256,x=256 (default: whole image if allowed)");
  cmd->add_option("--halo", *halo, "Overlap per side in pixels, e.g. y=32,x=32 (default: the model's)");
  cmd->add_option("--axes", options->axes, "Axes of the input image, e.g. yx, cyx, zyx (default: from the file)");
  cmd->add_option("--channels", options->channels, "Image channels to give the model, in order, e.g. 0,2")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--pad", options->pad, "Padding at the image border")
      ->check(CLI::IsMember({"reflect", "symmetric", "edge", "zeros"}));
  cmd->add_option("--threads", options->threads, "Threads (default: all cores)")->check(CLI::NonNegativeNumber);
  add_precision_option(cmd, options->precision);
  cmd->add_option("--memory", *memory,
                  "Memory the run may use at its peak, e.g. 4G or 512M; tiles are chosen to fit (default: 60 % of "
                  "the available memory)");
  cmd->add_option("--stats", options->stats,
                  "Statistics file: per-sample statistics `deepimage stats` measured (used instead of measuring; "
                  "sharded runs need them), and dataset statistics for rdf 0.4 per_dataset normalisation: read from "
                  "this JSON file when it exists, else measured over the images of this run and written there");
  cmd->add_option("--shard", options->shard,
                  "I/N: compute only shard I (0-based) of N of an OME-Zarr output's chunks, writing them into the "
                  "output every shard shares; auto: I and N from a Slurm job array (docs/scaling.md)");
  cmd->add_flag("--read-in-parts", options->read_in_parts,
                "Read each image a row of tiles at a time even when it fits in memory (done on its own when it does not)");
  cmd->add_option("--progress-every", *progress_every,
                  "Seconds between progress lines when stderr is not a terminal (default 5)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--progress", *progress_mode,
                  "auto: a live bar on a terminal, plain lines otherwise; json: one JSON object per tile on stderr "
                  "(for programs such as the ImageJ plugin); none")
      ->check(CLI::IsMember({"auto", "json", "none"}));
  cmd->add_option("--pyramid-levels", *pyramid_levels,
                  "Resolution levels of an OME-Zarr output, each half the size of the one above along y and x; "
                  "0 or 1: full resolution only (default: down to a level that fits one 256 x 256 chunk)")
      ->check(CLI::NonNegativeNumber);
  auto objects = std::make_shared<bool>(false);
  cmd->add_flag("--objects", *objects,
                "Also find objects in the (first) output: <output stem>_labels.tif and a table of measurements on the input, "
                "<output stem>_objects.csv (deepimage help objects)")
      ->group("Objects");
  auto object_rules = std::make_shared<ObjectRuleOptions>(cmd, "Objects");
  cmd->add_flag("--overwrite", options->overwrite, "Replace an existing output");
  cmd->add_flag("--quiet", *quiet, "Print nothing on success, warnings included (--json still lists them; errors are always printed on stderr)");
  cmd->add_flag("--json", *json, "Print the run report as JSON");
  cmd->callback([=, &exit_code] {
    options->model = resolve_model(*model, *quiet ? DownloadCallback{} : download_display(), interrupt_flag());
    const bool batch = is_batch(*inputs) && describe_model(options->model, false, options->input_name, options->output_name)["inputs"].size() == 1;
    if (options->plan_only && batch)
      throw CLI::ValidationError("--plan", "plans one image (or one set of files for a multi-input model), not a batch");
    options->output = *output;
    options->inputs.assign(inputs->begin(), inputs->end());
    if (!tile->empty()) options->tile = parse_axis_values(*tile, "--tile", kMaxTileValue);
    if (!halo->empty()) options->halo = parse_axis_values(*halo, "--halo", kMaxHalo);
    if (!memory->empty()) options->memory = parse_memory_size(*memory, "--memory");
    if (*pyramid_levels >= 0) options->pyramid_levels = std::max(1, *pyramid_levels);  // RunOptions' 0 is the default
    if (*objects) options->objects = object_rules->rules();
    else if (!object_rules->given().empty())
      throw CLI::ValidationError(object_rules->given(), "applies to the objects found with --objects; add --objects");
    options->cancel = interrupt_flag();
    // --json and --quiet keep stderr for errors, unless JSON progress is asked for by name.
    if (*progress_mode == "json" || (!*quiet && !*json)) options->progress = progress_for(*progress_mode, *progress_every);
    if (batch) {
      const BatchReport report = run_batch(*options);
      if (*json) std::cout << to_json(report).dump(2) << "\n";
      else if (!*quiet) print_batch(report);
      print_batch_problems(report);
      std::vector<std::string> warnings;
      for (const auto& item : report.items) warnings.insert(warnings.end(), item.report.warnings.begin(), item.report.warnings.end());
      if (!*quiet) print_warnings(warnings);
      exit_code = report.failed ? 1 : 0;
      return;
    }
    const RunReport report = run_model(*options);
    if (*json) std::cout << to_json(report).dump(2) << "\n";
    else if (options->plan_only) std::cout << plan_summary(report) << "\n";
    else if (!*quiet) std::cout << summary(report) << "\n";
    if (!*quiet) print_warnings(report.warnings);  // --quiet: no warnings on stderr; --json has them too
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
