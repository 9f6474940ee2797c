#include "engine/bare_model.hpp"

#include <algorithm>

#include "deepimage/error.hpp"
#include "engine/engine.hpp"
#include "model/rdf.hpp"

namespace deepimage::engine {
namespace {

namespace fs = std::filesystem;

std::string lower_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// A folder or .zip that is a SavedModel and nothing more: with an rdf or a config.xml it is a bundle.
// A zip holding the SavedModel's folder counts too (Bundle reads a lone top folder as the root).
bool is_bare_saved_model(const fs::path& folder_or_zip) {
  std::error_code ec;
  const bool folder = fs::is_directory(folder_or_zip, ec);
  if (folder ? !fs::is_regular_file(folder_or_zip / "saved_model.pb", ec) : lower_extension(folder_or_zip) != ".zip") return false;
  try {
    if (!folder && !model::Bundle::open_files(folder_or_zip).contains("saved_model.pb")) return false;
  } catch (const Error&) {
    return false;  // not a zip: `run` says so when it opens it as a bundle
  }
  try {
    model::Bundle::open(folder_or_zip);
    return false;
  } catch (const Error&) {
    return true;
  }
}

TensorSpec tensor_of(const GraphTensor& g, const std::string& format, const std::string& shown, const TensorSpec* input) {
  if (g.shape.empty())
    throw Error(ErrorCode::unsupported, shown + ": the graph does not declare the rank of tensor \"" + g.name +
                                            "\"; describe the model in an rdf (deepimage build)");
  TensorSpec t;
  t.id = g.name;
  t.data_type = DType::f32;
  const std::string axes = bare_axes(format, g.shape.size());
  if (axes.empty()) {
    const bool tf = format != "onnx";
    throw Error(ErrorCode::unsupported, shown + ": tensor \"" + g.name + "\" has " + std::to_string(g.shape.size()) +
                                            " dimensions; without an rdf deepimage runs 4-d (" + (tf ? "NHWC" : "NCHW") +
                                            ") and 5-d (" + (tf ? "NDHWC" : "NCDHW") +
                                            ") tensors only (describe the model in an rdf: deepimage build)");
  }
  for (std::size_t i = 0; i < axes.size(); ++i) {
    AxisSpec a;
    a.id = axes[i];
    a.type = model::axis_type_of(a.id);
    if (a.id == 'b') {
      a.size = AxisSize::fixed_size(1);
    } else if (a.id == 'c') {
      if (g.shape[i] <= 0)
        throw Error(ErrorCode::unsupported, shown + ": tensor \"" + g.name + "\" does not declare its channel count; "
                                                "describe the model in an rdf (deepimage build)");
      a.size = AxisSize::fixed_size(g.shape[i]);
    } else if (input && input->axis(a.id)) {
      a.size = AxisSize::same_as(input->id, a.id);
    } else {
      a.size = AxisSize::parameterized_size(kBareStep, kBareStep);
    }
    t.axes.push_back(a);
  }
  return t;
}

// The bare file as a model without tensors: its folder's (or zip's) files and the one weights entry.
model::Model bare_files(const fs::path& path, const std::string& format) {
  const bool saved_model = format == "tensorflow_saved_model_bundle";
  const fs::path folder = saved_model ? (fs::is_directory(path) || path.filename() != "saved_model.pb" ? path : path.parent_path())
                                      : (path.has_parent_path() ? path.parent_path() : fs::path("."));
  const fs::path folder_or_here = folder.empty() ? fs::path(".") : folder;
  model::Model m{model::Bundle::open_files(folder_or_here), {}};
  ModelSpec& spec = m.spec;
  spec.format_version = kBareWeightsFormat;
  const fs::path named = fs::absolute(folder_or_here).lexically_normal();
  spec.name = !saved_model ? path.stem().string() : fs::is_directory(folder_or_here) ? named.filename().string() : named.stem().string();
  if (spec.name.empty()) spec.name = "model";
  spec.description = "Bare " + format + " weights without an rdf";
  spec.weights.push_back(WeightsSpec{.format = format, .source = saved_model ? "." : path.filename().string()});
  return m;
}

GraphIo describe(const model::Model& bare, const fs::path& path, const BareTensorNames& names) {
  const std::string& format = bare.spec.weights.front().format;
  const std::string shown = path.string();
  const EngineInfo* engine = engine_for_format(format);
  if (!engine || !engine->describe_io)
    throw Error(ErrorCode::unsupported, "\"" + shown + "\" is " + format + " weights, which this build cannot run without an rdf");
  // Names the user gave become the tensor ids the importer reads as feed/fetch hints.
  model::Model hinted = bare;
  if (!names.input.empty()) hinted.spec.inputs.emplace_back().id = names.input;
  if (!names.output.empty()) hinted.spec.outputs.emplace_back().id = names.output;
  GraphIo io = engine->describe_io(hinted, hinted.spec.weights.front());
  const auto listed = [](const std::vector<GraphTensor>& list) {
    std::string s;
    for (const auto& t : list) s += (s.empty() ? "\"" : ", \"") + t.name + "\"";
    return s.empty() ? std::string("none") : s;
  };
  if (io.inputs.size() != 1 || io.outputs.size() != 1)
    throw Error(ErrorCode::unsupported, shown + ": the graph has inputs " + listed(io.inputs) + " and outputs " + listed(io.outputs) +
                                            "; without an rdf deepimage runs a network with exactly one of each "
                                            "(name them with --input-name/--output-name, or describe the model in "
                                            "an rdf: deepimage build)");
  return io;
}

}  // namespace

std::string bare_weights_format(const fs::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    const std::string ext = lower_extension(path);
    if (ext == ".onnx") return "onnx";
    if (ext == ".h5" || ext == ".hdf5") return "keras_hdf5";
    if (path.filename() == "saved_model.pb")
      return is_bare_saved_model(path.has_parent_path() ? path.parent_path() : fs::path(".")) ? "tensorflow_saved_model_bundle" : "";
  }
  return is_bare_saved_model(path) ? "tensorflow_saved_model_bundle" : "";
}

std::string bare_axes(const std::string& format, std::size_t rank) {
  const bool tf = format != "onnx";
  if (rank == 4) return tf ? "byxc" : "bcyx";
  if (rank == 5) return tf ? "bzyxc" : "bczyx";
  return "";
}

GraphIo describe_bare_io(const fs::path& path, const std::string& format, const BareTensorNames& names) {
  return describe(bare_files(path, format), path, names);
}

model::Model open_model_or_weights(const fs::path& path, const BareTensorNames& names) {
  const std::string format = bare_weights_format(path);
  if (format.empty()) {
    if (!names.input.empty() || !names.output.empty())
      throw Error(ErrorCode::invalid_argument, "--input-name and --output-name name the tensors of a bare network file; \"" +
                                                   path.string() + "\" is a bundle, whose description names them");
    return model::open_model(path);
  }
  model::Model m = bare_files(path, format);
  const GraphIo io = describe(m, path, names);
  m.spec.inputs.push_back(tensor_of(io.inputs.front(), format, path.string(), nullptr));
  m.spec.outputs.push_back(tensor_of(io.outputs.front(), format, path.string(), &m.spec.inputs.front()));
  return m;
}

}  // namespace deepimage::engine
