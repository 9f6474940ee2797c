#include "engine/engine_module.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <map>
#include <mutex>

#include "deepimage/error.hpp"

namespace deepimage::engine {
namespace {

std::filesystem::path module_path(const std::string& name) {
  return engine_module_dir() / ("libdeepimage_engine_" + name + ".so");
}

// dlerror() of the last failed call, as one line.
std::string loader_reason() {
  const char* reason = dlerror();
  return reason ? reason : "unknown reason";
}

const EngineFunctions& open_module(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, const EngineFunctions*> opened;
  const std::lock_guard lock(mutex);
  if (const auto it = opened.find(name); it != opened.end()) return *it->second;

  const std::filesystem::path path = module_path(name);
  const std::string cannot = "the " + name + " engine module \"" + path.string() + "\" cannot be loaded: ";
  // RTLD_NOW: a missing symbol is reported here, not as a crash in the middle of a run. RTLD_LOCAL: the
  // module's libraries (LibTorch's protobuf, OpenCV's) stay out of the global namespace, so two engine
  // modules cannot bind to each other's copies.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    throw Error(ErrorCode::engine, cannot + loader_reason() + " (DEEPIMAGE_MODULE_DIR names the folder of the modules)");
  using Entry = const EngineFunctions* (*)();
  const auto entry = reinterpret_cast<Entry>(dlsym(handle, "deepimage_engine_functions"));
  if (!entry) {
    const std::string reason = loader_reason();
    dlclose(handle);
    throw Error(ErrorCode::engine, cannot + reason);
  }
  const EngineFunctions* functions = entry();
  if (functions->abi != kEngineModuleAbi || std::string(functions->deepimage_version) != DEEPIMAGE_VERSION)
    throw Error(ErrorCode::engine, cannot + "it was built for deepimage " + functions->deepimage_version +
                                       " (module interface " + std::to_string(functions->abi) + "), this is deepimage " +
                                       DEEPIMAGE_VERSION + " (module interface " + std::to_string(kEngineModuleAbi) + ")");
  // Never dlclose: engines loaded from it and the library's thread pools live until the process ends.
  opened.emplace(name, functions);
  return *functions;
}

}  // namespace

std::filesystem::path engine_module_dir() {
  if (const char* dir = std::getenv("DEEPIMAGE_MODULE_DIR"); dir && *dir) return dir;
  // The folder of the library holding this code, found through the loader, so that the command line,
  // the tests and any program embedding the library find the modules the same way, in the build tree
  // and installed.
  Dl_info self{};
  if (dladdr(reinterpret_cast<const void*>(&engine_module_dir), &self) == 0 || !self.dli_fname)
    throw Error(ErrorCode::internal, "the engine modules cannot be located: dladdr does not know libdeepimage_engine");
  std::error_code ignored;
  const std::filesystem::path library = std::filesystem::canonical(self.dli_fname, ignored);
  return (library.empty() ? std::filesystem::path(self.dli_fname) : library).parent_path() / "deepimage";
}

EngineInfo engine_module(std::string name, std::vector<std::string> weight_formats, std::string library) {
  return {.name = name,
          .weight_formats = std::move(weight_formats),
          .library = std::move(library),
          .load = [name](const model::Model& model, const WeightsSpec& weights, const EngineOptions& options) {
            return open_module(name).load(model, weights, options);
          },
          .describe_layers = [name](const model::Model& model, const WeightsSpec& weights,
                                    const std::vector<Shape>& shapes) {
            return open_module(name).describe_layers(model, weights, shapes);
          },
          .describe_io = [name](const model::Model& model, const WeightsSpec& weights) {
            const EngineFunctions& functions = open_module(name);
            if (!functions.describe_io)
              throw Error(ErrorCode::unsupported, "the " + name + " engine cannot read a network's inputs and outputs "
                                                  "without an rdf; give the model as a bundle");
            return functions.describe_io(model, weights);
          },
          .convert = [name](const model::Model& model, const WeightsSpec& weights, const std::string& to_format) -> std::vector<std::byte> {
            const auto convert = open_module(name).convert;
            if (!convert)
              throw Error(ErrorCode::unsupported, "the " + name + " engine cannot convert \"" + weights.format + "\" weights");
            return convert(model, weights, to_format);
          },
          .torchscript_source = [name](const model::Model& model, const WeightsSpec& weights) {
            const auto write = open_module(name).torchscript_source;
            if (!write)
              throw Error(ErrorCode::unsupported, "the " + name + " engine cannot write \"" + weights.format + "\" weights as TorchScript");
            return write(model, weights);
          },
          .compile_torchscript = [name](const TorchScriptSource& source) {
            const auto compile = open_module(name).compile_torchscript;
            if (!compile) throw Error(ErrorCode::unsupported, "the " + name + " engine cannot compile TorchScript");
            return compile(source);
          }};
}

}  // namespace deepimage::engine
