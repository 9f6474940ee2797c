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

// A folder that is a SavedModel and nothing more: with an rdf or a config.xml it is a bundle.
bool is_bare_saved_model(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec) || !fs::is_regular_file(folder / "saved_model.pb", ec)) return false;
  try {
    model::Bundle::open(folder);
    return false;
  } catch (const Error&) {
    return true;
  }
}

std::string axes_for(const std::string& format, std::size_t rank, const std::string& shown, const std::string& name) {
  const bool tf = format != "onnx";
  if (rank == 4) return tf ? "byxc" : "bcyx";
  if (rank == 5) return tf ? "bzyxc" : "bczyx";
  throw Error(ErrorCode::unsupported, shown + ": tensor \"" + name + "\" has " + std::to_string(rank) +
                                          " dimensions; without an rdf deepimage runs 4-d (" + (tf ? "NHWC" : "NCHW") +
                                          ") and 5-d (" + (tf ? "NDHWC" : "NCDHW") +
                                          ") tensors only (describe the model in an rdf: deepimage build)");
}

TensorSpec tensor_of(const GraphTensor& g, const std::string& format, const std::string& shown, const TensorSpec* input) {
  if (g.shape.empty())
    throw Error(ErrorCode::unsupported, shown + ": the graph does not declare the rank of tensor \"" + g.name +
                                            "\"; describe the model in an rdf (deepimage build)");
  TensorSpec t;
  t.id = g.name;
  t.data_type = DType::f32;
  const std::string axes = axes_for(format, g.shape.size(), shown, g.name);
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

}  // namespace

std::string bare_weights_format(const fs::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    const std::string ext = lower_extension(path);
    if (ext == ".onnx") return "onnx";
    if (ext == ".h5" || ext == ".hdf5") return "keras_hdf5";
    if (path.filename() == "saved_model.pb")
      return is_bare_saved_model(path.has_parent_path() ? path.parent_path() : fs::path(".")) ? "tensorflow_saved_model_bundle" : "";
    return "";
  }
  return is_bare_saved_model(path) ? "tensorflow_saved_model_bundle" : "";
}

model::Model open_model_or_weights(const fs::path& path, const BareTensorNames& names) {
  const std::string format = bare_weights_format(path);
  if (format.empty()) {
    if (!names.input.empty() || !names.output.empty())
      throw Error(ErrorCode::invalid_argument, "--input-name and --output-name name the tensors of a bare network file; \"" +
                                                   path.string() + "\" is a bundle, whose description names them");
    return model::open_model(path);
  }

  const bool saved_model = format == "tensorflow_saved_model_bundle";
  const fs::path folder = saved_model ? (fs::is_directory(path) ? path : path.parent_path())
                                      : (path.has_parent_path() ? path.parent_path() : fs::path("."));
  const fs::path folder_or_here = folder.empty() ? fs::path(".") : folder;
  model::Model m{model::Bundle::open_files(folder_or_here), {}};
  ModelSpec& spec = m.spec;
  spec.format_version = kBareWeightsFormat;
  spec.name = saved_model ? fs::absolute(folder_or_here).lexically_normal().filename().string() : path.stem().string();
  if (spec.name.empty()) spec.name = "model";
  spec.description = "Bare " + format + " weights without an rdf";
  spec.weights.push_back(WeightsSpec{.format = format, .source = saved_model ? "." : path.filename().string()});

  const std::string shown = path.string();
  const EngineInfo* engine = engine_for_format(format);
  if (!engine || !engine->describe_io)
    throw Error(ErrorCode::unsupported, "\"" + shown + "\" is " + format + " weights, which this build cannot run without an rdf");
  // Names the user gave become the tensor ids the importer reads as feed/fetch hints.
  if (!names.input.empty()) spec.inputs.emplace_back().id = names.input;
  if (!names.output.empty()) spec.outputs.emplace_back().id = names.output;
  const GraphIo io = engine->describe_io(m, spec.weights.front());
  spec.inputs.clear();
  spec.outputs.clear();
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
  spec.inputs.push_back(tensor_of(io.inputs.front(), format, shown, nullptr));
  spec.outputs.push_back(tensor_of(io.outputs.front(), format, shown, &spec.inputs.front()));
  return m;
}

}  // namespace deepimage::engine
