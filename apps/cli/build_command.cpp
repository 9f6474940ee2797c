#include <iostream>

#include "axis_values.hpp"
#include "commands.hpp"
#include "deepimage/build.hpp"
#include "deepimage/error.hpp"
#include "tensor_name_options.hpp"

namespace deepimage::cli {
namespace {

// The flags as given; each one given replaces what --from's build.yaml says.
struct BuildFlags {
  std::string from, weights, weights_format, weights_version, example, example_axes, name, description, license,
      documentation, output;
  std::vector<std::string> authors, cite, tags, preprocess, postprocess;
  std::string input_id, input_name, output_name, input_axes, input_size, input_channels, input_type;
  std::string output_id, output_axes, output_size, output_channels, output_type, halo;
  bool overwrite = false, json = false;
  int threads = 0;
};

std::vector<std::string> split(const std::string& text, char by) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  for (std::size_t end; (end = text.find(by, begin)) != std::string::npos; begin = end + 1) parts.push_back(text.substr(begin, end - begin));
  parts.push_back(text.substr(begin));
  return parts;
}

// "y=64/16,x=64/16", or one rule ("64/16") for every axis of `axes` but b and c.
std::map<char, AxisSize> size_rules(const std::string& text, const std::string& axes, const std::string& field) {
  std::map<char, AxisSize> rules;
  if (text.find('=') == std::string::npos) {
    for (char a : axes)
      if (a != 'b' && a != 'c') rules[a] = parse_size_rule(text, field + "." + std::string(1, a));
    if (rules.empty())
      throw Error(ErrorCode::invalid_argument, field + " \"" + text + "\" names no axis and there are no axes to apply it to; "
                                                   "expected AXIS=RULE pairs, e.g. y=64/16,x=64/16");
    return rules;
  }
  for (const std::string& part : split(text, ',')) {
    const auto eq = part.find('=');
    if (eq != 1)
      throw Error(ErrorCode::invalid_argument, field + " \"" + text + "\": \"" + part +
                                                   "\" is not AXIS=RULE; expected e.g. y=64/16,x=64/16");
    rules[part[0]] = parse_size_rule(part.substr(2), field + "." + part.substr(0, 1));
  }
  return rules;
}

// "TEXT; 10.1234/x" or "TEXT; https://..."
Citation citation(const std::string& text) {
  const auto semicolon = text.rfind(';');
  Citation c;
  c.text = text.substr(0, semicolon);
  if (semicolon != std::string::npos) {
    std::string link = text.substr(semicolon + 1);
    link.erase(0, link.find_first_not_of(' '));
    (link.rfind("http", 0) == 0 ? c.url : c.doi) = link;
  }
  return c;
}

BuildRequest request_from(const CLI::App& cmd, const BuildFlags& f) {
  BuildRequest r = f.from.empty() ? BuildRequest() : read_build_file(f.from);
  const auto given = [&](const char* flag) { return cmd.count(flag) > 0; };
  if (given("--weights")) r.weights = f.weights;
  if (given("--weights-format")) r.weights_format = f.weights_format;
  if (given("--weights-version")) r.weights_version = f.weights_version;
  if (given("--example")) r.example = f.example;
  if (given("--example-axes")) r.example_axes = f.example_axes;
  if (given("--name")) r.name = f.name;
  if (given("--description")) r.description = f.description;
  if (given("--license")) r.license = f.license;
  if (given("--documentation")) r.documentation = f.documentation;
  if (given("--output")) r.output_path = f.output;
  if (given("--overwrite")) r.overwrite = true;
  if (given("--threads")) r.threads = f.threads;
  if (given("--author")) {
    r.authors.clear();
    for (const auto& a : f.authors) r.authors.push_back(parse_author(a, "--author"));
  }
  if (given("--cite")) {
    r.cite.clear();
    for (const auto& c : f.cite) r.cite.push_back(citation(c));
  }
  if (given("--tag")) r.tags = f.tags;
  if (given("--input-id")) r.input.id = f.input_id;
  if (given("--input-name")) r.input.name = f.input_name;
  if (given("--output-name")) r.output.name = f.output_name;
  if (given("--input-axes")) r.input.axes = f.input_axes;
  if (given("--input-size")) r.input.size = size_rules(f.input_size, r.input.axes, "input.size");
  if (given("--input-channels")) r.input.channel_names = split(f.input_channels, ',');
  if (given("--input-type")) r.input.data_type = dtype_from_string(f.input_type);
  if (given("--preprocess")) {
    r.input.ops.clear();
    for (const auto& op : f.preprocess) r.input.ops.push_back(parse_op(op, "--preprocess"));
  }
  if (given("--output-id")) r.output.id = f.output_id;
  if (given("--output-axes")) r.output.axes = f.output_axes;
  if (given("--output-size")) r.output.size = size_rules(f.output_size, r.output.axes, "output.size");
  if (given("--output-channels")) r.output.channel_names = split(f.output_channels, ',');
  if (given("--output-type")) r.output.data_type = dtype_from_string(f.output_type);
  if (given("--halo")) r.output.halo = parse_axis_values(f.halo, "--halo", kMaxHalo);
  if (given("--postprocess")) {
    r.output.ops.clear();
    for (const auto& op : f.postprocess) r.output.ops.push_back(parse_op(op, "--postprocess"));
  }
  return r;
}

}  // namespace

void add_build_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("build", "Package TorchScript/ONNX/Keras weights or a TF1 SavedModel as a tested bioimage.io 0.5 bundle (docs/build.md)");
  auto f = std::make_shared<BuildFlags>();
  cmd->add_option("--from", f->from, "build.yaml with any of the fields below (flags given override it)");
  cmd->add_option("--weights", f->weights, "TorchScript (.pt), ONNX (.onnx) or Keras HDF5 (.h5) weights, or a TF1 SavedModel folder or .zip");
  cmd->add_option("--weights-format", f->weights_format, "torchscript, onnx, keras_hdf5 or tensorflow_saved_model_bundle (default: detected from the file)");
  cmd->add_option("--weights-version", f->weights_version, "pytorch_version / opset_version / tensorflow_version (default: LibTorch's here / the file's opset / the SavedModel's; required for Keras)");
  cmd->add_option("--example", f->example, "Image the model is run on for the test tensors and cover (TIFF, .npy, PNG, JPEG)");
  cmd->add_option("--example-axes", f->example_axes, "The example's axes when its file does not say (e.g. yx, cyx)");
  cmd->add_option("--name", f->name, "Model name");
  cmd->add_option("--description", f->description, "What the model does");
  cmd->add_option("--author", f->authors, "\"NAME[; AFFILIATION[; GITHUB USER]]\" (repeat for several)");
  cmd->add_option("--license", f->license, "SPDX license id, e.g. MIT, BSD-3-Clause, CC-BY-4.0");
  cmd->add_option("--cite", f->cite, "\"TEXT; DOI or URL\" (repeat for several)");
  cmd->add_option("--tag", f->tags, "Tag (repeat for several)");
  cmd->add_option("--documentation", f->documentation, "Markdown documentation (default: a README.md is generated)");
  cmd->add_option("--input-id", f->input_id, "Input tensor id (default: the graph's name when it is an id, else input)");
  add_tensor_name_options(cmd, f->input_name, f->output_name);
  cmd->add_option("--input-axes", f->input_axes, "Input tensor axes, e.g. bcyx (default for ONNX, Keras, SavedModel: from the graph's rank)");
  cmd->add_option("--input-size", f->input_size, "Size rule per input axis: y=256 (fixed) or y=64/16 (min/step), e.g. y=64/16,x=64/16; one rule alone applies to every axis but b and c");
  cmd->add_option("--input-channels", f->input_channels, "Input channel names, comma-separated (default: the id)");
  cmd->add_option("--input-type", f->input_type, "Input data type (default: the example's)");
  cmd->add_option("--preprocess", f->preprocess, "Preprocessing op: ID or ID:{kwargs as JSON} (repeat, in order)");
  cmd->add_option("--output-id", f->output_id, "Output tensor id (default: the graph's name when it is an id, else output)");
  cmd->add_option("--output-axes", f->output_axes, "Output tensor axes, e.g. bcyx (default: as --input-axes)");
  cmd->add_option("--output-size", f->output_size, "Output size per axis: y=ref (the input's, default), y=ref*2, y=ref-16, or fixed y=64; one rule alone applies to every axis but b and c");
  cmd->add_option("--output-channels", f->output_channels, "Output channel names, comma-separated (default: the id, numbered)");
  cmd->add_option("--output-type", f->output_type, "Output data type (default: float32, or the last ensure_dtype's)");
  cmd->add_option("--halo", f->halo, "Halo per output axis, pixels per side, e.g. y=32,x=32");
  cmd->add_option("--postprocess", f->postprocess, "Postprocessing op: ID or ID:{kwargs as JSON} (repeat, in order)");
  cmd->add_option("-o,--output", f->output, "Bundle to write: NAME.zip, or a folder");
  cmd->add_flag("--overwrite", f->overwrite, "Replace the bundle if it exists");
  cmd->add_option("--threads", f->threads, "Threads for the test runs (default: all cores)");
  cmd->add_flag("--json", f->json, "Print the build report (files, sha256, test) as JSON");
  cmd->callback([=, &exit_code] {
    const BuildReport report = build_model(request_from(*cmd, *f));
    if (f->json) {
      std::cout << to_json(report).dump(2) << "\n";
    } else {
      std::cout << "wrote " << report.output << ": " << report.files.size() + 1 << " files, test passed ("
                << report.test.weights_format << ", max |difference| " << report.test.outputs.at(0).max_abs_diff << ")\n";
    }
    exit_code = 0;
  });
}

}  // namespace deepimage::cli
