#include "engine/torch/torchscript_engine.hpp"

#include <ATen/Parallel.h>
#include <torch/script.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <mutex>
#include <optional>
#include <sstream>

#include "core/cpu_features.hpp"
#include "deepimage/error.hpp"
#include "engine/torch/torch_dtype.hpp"

namespace deepimage::engine {
namespace {

// The line of a LibTorch error that says what went wrong. An error raised inside a TorchScript
// module comes as "The following operation failed in the TorchScript interpreter." and a traceback of
// the serialized code (50 lines or more) ending in the cause, "RuntimeError: Expected 5-dimensional
// input ..."; other errors say it on their first line.
std::string torchscript_cause(const std::string& what) {
  std::vector<std::string> lines;
  std::istringstream in(what);
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) lines.push_back(line);
  if (lines.empty()) return "(no message)";
  if (what.find("Traceback of TorchScript") == std::string::npos) return lines.front();
  for (auto it = lines.rbegin(); it != lines.rend(); ++it)  // the last "SomethingError: ..." line
    if (!std::isspace(static_cast<unsigned char>(it->front())) && it->find("Error: ") != std::string::npos) return *it;
  return lines.back();
}

c10::ScalarType torch_type(DType t) {
  if (const auto type = torch_scalar_type(t)) return *type;
  throw Error(ErrorCode::unsupported, "the torchscript engine cannot take " + std::string(to_string(t)) + " tensors");
}

DType our_type(c10::ScalarType t) {
  switch (t) {
    case torch::kBool: return DType::boolean;
    case torch::kUInt8: return DType::u8;
    case torch::kInt8: return DType::i8;
    case torch::kInt16: return DType::i16;
    case torch::kInt32: return DType::i32;
    case torch::kInt64: return DType::i64;
    case torch::kFloat64: return DType::f64;
    default: return DType::f32;  // half, bfloat16 and float come back as float32
  }
}

// Intra-op threads are process-wide in LibTorch and inter-op threads can be set only once, before
// any parallel work; LibTorch defaults to 1 thread on these machines, so we always set it.
void set_threads(int threads) {
  static std::once_flag interop_once;
  std::call_once(interop_once, [] { at::set_num_interop_threads(1); });
  at::set_num_threads(resolved_thread_count(threads));
}

// How a loaded module is prepared, by the rank of its inputs (docs/performance.md has the numbers):
//  - 4-D (2D convolutions): freeze, with the 4-D weights and every input stored channels-last. This
//    runs oneDNN's convolutions without layout conversions, 1.3-1.6x faster here than
//    optimize_for_inference, which this engine no longer uses for them: it rewrites the graph into
//    oneDNN ops that turn NaN into invented finite values (a NaN pixel must give NaN wherever the
//    network's own arithmetic gives NaN, as PyTorch running the file does).
//  - 5-D (3D convolutions): freeze + optimize_for_inference stays 2.5x faster than freezing alone or
//    channels-last-3d, so it runs every tile that is all finite; a tile holding NaN or Inf runs on
//    the frozen module instead, which computes them as PyTorch does.
// Freezing inlines the weights as constants and folds batch norms into convolutions (NaN stays NaN).
// A module that cannot be frozen (one that mutates its attributes in forward, say) runs as loaded:
// slower, never wrong.
struct PreparedModule {
  torch::jit::Module fast;
  std::optional<torch::jit::Module> non_finite;  // for tiles holding NaN/Inf, when `fast` would alter them
  bool channels_last = false;                     // feed 4-D inputs channels-last
};

PreparedModule prepare(torch::jit::Module module, bool volumetric, bool bf16) {
  try {
    // bf16: weights stored in bfloat16 and every float input converted, so oneDNN runs bf16
    // convolutions (float32 accumulation); outputs come back as float32 (run()).
    if (bf16) module.to(torch::kBFloat16);
    if (volumetric && !bf16) {
      torch::jit::Module frozen = torch::jit::freeze(module), for_inference = torch::jit::freeze(module);
      return {torch::jit::optimize_for_inference(for_inference), frozen, false};
    }
    {
      torch::NoGradGuard no_grad;
      for (torch::Tensor p : module.parameters())
        if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    }
    return {torch::jit::freeze(module), std::nullopt, true};
  } catch (const c10::Error&) {
    return {module, std::nullopt, !volumetric};
  }
}

template <class T>
bool all_finite(const T* p, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) return false;
  return true;
}

bool all_finite(const Tensor& t) {
  if (t.dtype() == DType::f32) return all_finite(t.data<float>(), t.element_count());
  if (t.dtype() == DType::f64) return all_finite(t.data<double>(), t.element_count());
  return true;
}

class TorchScriptEngine final : public Engine {
 public:
  TorchScriptEngine(PreparedModule module, std::string source, std::size_t output_count, bool bf16)
      : module_(std::move(module)), source_(std::move(source)), output_count_(output_count), bf16_(bf16) {}

  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override {
    c10::InferenceMode inference;
    std::vector<torch::jit::IValue> args;
    args.reserve(inputs.size());
    for (const Tensor& t : inputs) {
      if (t.empty()) {  // an omitted optional input: forward's Optional[Tensor] argument is None
        args.emplace_back();
        continue;
      }
      // from_blob wraps our buffer without copying; the module only reads it.
      torch::Tensor x = torch::from_blob(const_cast<std::byte*>(t.bytes()), t.shape(),
                                         torch::TensorOptions().dtype(torch_type(t.dtype())));
      if (bf16_ && x.is_floating_point()) x = x.to(torch::kBFloat16);
      if (module_.channels_last && x.dim() == 4) x = x.contiguous(at::MemoryFormat::ChannelsLast);
      args.emplace_back(x);
    }
    torch::jit::Module& module =
        module_.non_finite && !std::all_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return all_finite(t); })
            ? *module_.non_finite
            : module_.fast;
    torch::jit::IValue result;
    try {
      result = module.forward(args);
    } catch (const c10::Error& e) {
      fail_forward(e.what_without_backtrace());
    } catch (const std::exception& e) {  // torch::jit::JITException: an error raised inside the script
      fail_forward(e.what());
    }
    std::vector<torch::Tensor> outputs;
    if (result.isTensor()) {
      outputs.push_back(result.toTensor());
    } else if (result.isTuple()) {
      for (const auto& v : result.toTuple()->elements()) outputs.push_back(v.toTensor());
    } else if (result.isTensorList()) {
      for (const auto& v : result.toTensorList()) outputs.push_back(v);
    } else if (result.isList()) {
      for (const auto& v : result.toList()) outputs.push_back(v.get().toTensor());
    } else {
      throw Error(ErrorCode::engine, source_ + ": forward returned " + result.tagKind() + ", expected tensors");
    }
    if (outputs.size() != output_count_)
      throw Error(ErrorCode::bad_model, source_ + ": forward returned " + std::to_string(outputs.size()) +
                                            " tensors but the rdf declares " + std::to_string(output_count_) + " outputs");
    std::vector<Tensor> ours;
    for (auto& o : outputs) {
      if (o.scalar_type() == torch::kHalf || o.scalar_type() == torch::kBFloat16) o = o.to(torch::kFloat32);
      o = o.contiguous();
      Tensor t(our_type(o.scalar_type()), Shape(o.sizes().begin(), o.sizes().end()));
      std::memcpy(t.bytes(), o.data_ptr(), t.byte_count());
      ours.push_back(std::move(t));
    }
    return ours;
  }

 private:
  [[noreturn]] void fail_forward(const std::string& what) const {
    const std::string cause = torchscript_cause(what);
    // LibTorch's CPU allocator reports a failed allocation this way; the runner retries smaller tiles.
    const bool no_memory = cause.find("can't allocate memory") != std::string::npos;
    throw Error(no_memory ? ErrorCode::out_of_memory : ErrorCode::engine, source_ + ": torchscript forward failed: " + cause);
  }

  PreparedModule module_;
  std::string source_;
  std::size_t output_count_;
  bool bf16_;
};

}  // namespace

std::unique_ptr<Engine> load_torchscript(const model::Model& model, const WeightsSpec& weights,
                                         const EngineOptions& options) {
  set_threads(options.threads);
  const std::vector<std::byte> bytes = model::read_checked(model, weights.source, weights.sha256);
  std::istringstream stream(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  try {
    torch::jit::Module module = torch::jit::load(stream, torch::kCPU);
    module.eval();
    const bool volumetric = std::any_of(model.spec.inputs.begin(), model.spec.inputs.end(),
                                        [](const TensorSpec& in) { return in.axes.size() == 5; });
    const bool bf16 = options.precision == Precision::bf16;
    return std::make_unique<TorchScriptEngine>(prepare(std::move(module), volumetric, bf16), weights.source,
                                               model.spec.outputs.size(), bf16);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::engine, weights.source + ": LibTorch cannot load this TorchScript file: " +
                                       torchscript_cause(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw Error(ErrorCode::engine, weights.source + ": LibTorch cannot load this TorchScript file: " + torchscript_cause(e.what()));
  }
}

}  // namespace deepimage::engine
