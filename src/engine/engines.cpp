#include <algorithm>

#include "core/cpu_features.hpp"
#include "deepimage/error.hpp"
#include "engine/engine.hpp"
#include "engine/engine_module.hpp"
#if DEEPIMAGE_WITH_TORCH
#include "engine/torch/torchscript_version.hpp"
#endif
#if DEEPIMAGE_WITH_NATIVE
#include "engine/native/native_version.hpp"
#endif

namespace deepimage::engine {
namespace {

// The one list of engines this build runs, in order of preference when a bundle offers several. Each is
// a module (engine_module.hpp) opened when its first model loads; the name, formats and library version
// come from headers at compile time, so listing the engines loads none of them.
// The native engine comes first: on the same networks it runs 1.7-2.3x faster end to end than LibTorch
// and reproduces every real bundle's outputs (docs/performance.md, "Which weights run by default").
std::vector<EngineInfo> register_builtin_engines() {
  std::vector<EngineInfo> engines;
#if DEEPIMAGE_WITH_NATIVE
  engines.push_back(engine_module("native", {"onnx", "tensorflow_saved_model_bundle", "keras_hdf5"}, native_library_version()));
#endif
#if DEEPIMAGE_WITH_TORCH
  engines.push_back(engine_module("torchscript", {"torchscript"}, torchscript_library_version()));
#endif
  return engines;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s.empty() ? "none" : s;
}

std::vector<std::string> runnable_formats() {
  std::vector<std::string> formats;
  for (const auto& e : builtin_engines())
    formats.insert(formats.end(), e.weight_formats.begin(), e.weight_formats.end());
  return formats;
}

std::vector<std::string> formats_of(const ModelSpec& spec) {
  std::vector<std::string> formats;
  for (const auto& w : spec.weights) formats.push_back(w.format);
  return formats;
}

}  // namespace

const std::vector<EngineInfo>& builtin_engines() {
  static const std::vector<EngineInfo> engines = register_builtin_engines();
  return engines;
}

const EngineInfo* engine_for_format(const std::string& format) {
  for (const auto& e : builtin_engines())
    if (std::find(e.weight_formats.begin(), e.weight_formats.end(), format) != e.weight_formats.end()) return &e;
  return nullptr;
}

bool weights_in_bundle(const model::Model& model, const WeightsSpec& w) {
  return w.source.find("://") != std::string::npos || w.source == "." || model.bundle.contains(w.source) ||
         model.bundle.contains(w.source + "/saved_model.pb");
}

const WeightsSpec& choose_weights(const model::Model& model, const std::string& requested) {
  const ModelSpec& spec = model.spec;
  if (!requested.empty()) {
    const WeightsSpec* w = spec.weights_for(requested);
    if (!w)
      throw Error(ErrorCode::not_found, "the model has no \"" + requested + "\" weights (it has: " +
                                            join(formats_of(spec)) + ")");
    if (!engine_for_format(requested))
      throw Error(ErrorCode::unsupported, "\"" + requested + "\" weights cannot run in this build (runs: " +
                                              join(runnable_formats()) + ")");
    return *w;
  }
  for (const auto& e : builtin_engines())
    for (const auto& f : e.weight_formats)
      if (const WeightsSpec* w = spec.weights_for(f); w && weights_in_bundle(model, *w)) return *w;
  throw Error(ErrorCode::unsupported, "none of the model's weights can run here: it has " + join(formats_of(spec)) +
                                          "; this build runs " + join(runnable_formats()) +
                                          " (pytorch_state_dict needs Python and is not supported by design)");
}

std::unique_ptr<Engine> load_engine(const model::Model& model, const WeightsSpec& weights, const EngineOptions& options) {
  const EngineInfo* e = engine_for_format(weights.format);
  if (!e) throw Error(ErrorCode::unsupported, "no engine runs \"" + weights.format + "\" weights");
  // Emulated bf16 would be slower than fp32 and still less accurate: refuse rather than surprise.
  if (options.precision == Precision::bf16 && !cpu_has_bf16())
    throw Error(ErrorCode::unsupported, "--precision bf16 needs a CPU with AVX512_BF16 or AMX, which this one lacks: use fp32");
  return e->load(model, weights, options);
}

}  // namespace deepimage::engine
