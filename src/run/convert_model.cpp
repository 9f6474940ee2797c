// convert_model: `deepimage convert` — a bundle's weights written in another format by the engine that
// reads them, in a tested copy of the bundle (deepimage/convert.hpp).
#include <algorithm>
#include <fstream>

#include "deepimage/convert.hpp"
#include "deepimage/error.hpp"
#include "engine/engine.hpp"
#include "io/temp_file.hpp"
#include "model/bundle.hpp"
#include "model/model.hpp"
#include "model/rdf.hpp"
#include "model/rdf_write.hpp"
#include "run/rdf_hashes.hpp"

namespace deepimage {

namespace fs = std::filesystem;

namespace {

// The formats deepimage writes, each from weights the native engine reads: the file's extension, the
// rdf's version field for it, and how the bytes are made.
struct ConvertTarget {
  std::string format, extension;
  std::string (*version)();
  std::vector<std::byte> (*write)(const engine::EngineInfo& reader, const model::Model&, const WeightsSpec&);
};

const engine::EngineInfo& torchscript_engine() {
  const engine::EngineInfo* torch = engine::engine_for_format("torchscript");
  if (!torch)
    throw Error(ErrorCode::unsupported, "converting to torchscript needs the torchscript engine (LibTorch), which this build lacks");
  return *torch;
}

const std::vector<ConvertTarget> kConvertTargets = {
    {"onnx", "onnx", [] { return std::string("17"); },
     [](const engine::EngineInfo& reader, const model::Model& m, const WeightsSpec& w) { return reader.convert(m, w, "onnx"); }},
    // The reading engine writes TorchScript source, LibTorch (in the torchscript module) compiles it.
    {"torchscript", "pt", [] {
       const std::string& library = torchscript_engine().library;  // "LibTorch 1.13.1": pytorch_version 1.13.1
       return library.substr(library.find(' ') + 1);
     },
     [](const engine::EngineInfo& reader, const model::Model& m, const WeightsSpec& w) {
       return torchscript_engine().compile_torchscript(reader.torchscript_source(m, w));
     }},
};

std::string target_names() {
  std::string names;
  for (const auto& t : kConvertTargets) names += (names.empty() ? "" : ", ") + t.format;
  return names;
}

const WeightsSpec& source_weights(const model::Model& model, const ConvertOptions& o) {
  if (model.spec.weights_for(o.to))
    throw Error(ErrorCode::invalid_argument, "the model already has \"" + o.to + "\" weights; nothing to convert");
  const WeightsSpec& w = engine::choose_weights(model, o.weights);
  // The engine that reads a format writes it in another: only the native engine converts today.
  if (engine::engine_for_format(w.format)->name != "native") {
    std::string formats;
    for (const auto& f : model.spec.weights) formats += (formats.empty() ? "" : ", ") + f.format;
    throw Error(ErrorCode::unsupported, "none of the model's weights (" + formats + ") can be converted: deepimage converts the "
                                        "weights its native engine reads (onnx, tensorflow_saved_model_bundle, keras_hdf5)");
  }
  return w;
}

std::string free_name(const model::Bundle& bundle, const std::string& extension) {
  for (int k = 0;; ++k) {
    const std::string name = "weights" + (k ? "_" + std::to_string(k) : std::string()) + "." + extension;
    if (!bundle.contains(name)) return name;
  }
}

void write_bytes(const fs::path& path, const std::vector<std::byte>& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\"");
}

}  // namespace

std::vector<std::string> conversion_formats() {
  std::vector<std::string> formats;
  for (const auto& t : kConvertTargets) formats.push_back(t.format);
  return formats;
}

ConvertReport convert_model(const ConvertOptions& o) {
  const auto target = std::find_if(kConvertTargets.begin(), kConvertTargets.end(), [&](const auto& t) { return t.format == o.to; });
  if (target == kConvertTargets.end())
    throw Error(ErrorCode::invalid_argument, "cannot convert to \"" + o.to + "\": deepimage writes " + target_names());
  if (o.output.empty()) throw Error(ErrorCode::invalid_argument, "converting needs an output folder for the new bundle (-o)");
  std::error_code ec;
  if (fs::exists(o.output, ec))
    throw Error(ErrorCode::invalid_argument, "\"" + o.output.string() + "\" exists; the converted bundle needs a new folder");
  io::check_output_folder(o.output);

  const model::Model model = model::open_model(o.model);
  const WeightsSpec& from = source_weights(model, o);
  const engine::EngineInfo* engine = engine::engine_for_format(from.format);
  if (!engine) throw Error(ErrorCode::unsupported, "\"" + from.format + "\" weights cannot be read in this build");
  const std::vector<std::byte> converted = target->write(*engine, model, from);

  ConvertReport report;
  report.from_format = from.format;
  report.to_format = o.to;
  report.weights_file = free_name(model.bundle, target->extension);
  report.output = o.output;

  const fs::path temp = io::claim_temp_path(o.output);
  try {
    fs::create_directories(temp);
    for (const std::string& entry : model.bundle.entry_names())
      if (entry != model.bundle.rdf_name()) write_bytes(temp / entry, model.bundle.read(entry));
    write_bytes(temp / report.weights_file, converted);
    // Weights the rdf names but the bundle lacks are left out of the copy's rdf: nothing could run them.
    ModelSpec spec = model.spec;
    std::erase_if(spec.weights, [&](const WeightsSpec& w) { return !engine::weights_in_bundle(model, w); });
    spec.weights.push_back({.format = o.to, .source = report.weights_file, .sha256 = model::sha256_hex(converted),
                            .parent = from.format, .version = target->version()});
    std::string rdf = model::write_rdf_v05(spec);
    // Hashes the copy's files do not match are replaced, as rdf 0.3 ones are often stale.
    std::vector<HashUpdate> updates;
    {
      std::ofstream out(temp / "rdf.yaml");
      out << rdf;
    }
    rdf = with_file_hashes(rdf, model::Bundle::open(temp), true, updates);
    io::write_file_via_temp(temp / "rdf.yaml", rdf);
    model::parse_rdf(rdf, (o.output / "rdf.yaml").string());  // what we write must read back
    fs::rename(temp, o.output);
  } catch (...) {
    fs::remove_all(temp, ec);
    throw;
  }
  try {
    report.test = test_model({.model = o.output, .weights = o.to, .threads = o.threads});
  } catch (const Error& e) {
    throw Error(e.code(), "converted into \"" + o.output.string() + "\", but its test could not run: " + e.what());
  }
  return report;
}

}  // namespace deepimage
