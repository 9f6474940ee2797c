#include "engine/torch/torchscript_compile.hpp"

#include <torch/script.h>

#include <cstring>
#include <sstream>

#include "deepimage/error.hpp"
#include "engine/torch/torch_dtype.hpp"

namespace deepimage::engine {
namespace {

c10::ScalarType torch_type(const std::string& name, DType t) {
  if (const auto type = torch_scalar_type(t)) return *type;
  throw Error(ErrorCode::unsupported, "constant \"" + name + "\" is " + std::string(to_string(t)) + ", which TorchScript has no type for");
}

// The first line of LibTorch's message: the rest is the source excerpt it points into.
std::string first_line(const std::string& what) {
  std::istringstream in(what);
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
  return "(no message)";
}

}  // namespace

std::vector<std::byte> compile_torchscript(const TorchScriptSource& source) {
  try {
    // The class name is what Python shows for the loaded module.
    torch::jit::Module module("__torch__.deepimage.ConvertedNetwork");
    for (const auto& [name, tensor] : source.constants) {
      torch::Tensor t = torch::empty(tensor.shape(), torch::TensorOptions().dtype(torch_type(name, tensor.dtype())));
      std::memcpy(t.data_ptr(), tensor.bytes(), tensor.byte_count());
      // Weights (float, 2-D or more) as parameters, the rest as buffers: the torchscript engine stores
      // 4-D parameters channels-last before freezing, as it does for PyTorch's own files.
      if (t.is_floating_point() && t.dim() >= 2) module.register_parameter(name, t, false);
      else module.register_buffer(name, t);
    }
    module.define(source.code);
    module.eval();
    std::ostringstream out;
    module.save(out);
    const std::string bytes = out.str();
    const auto* p = reinterpret_cast<const std::byte*>(bytes.data());
    return {p, p + bytes.size()};
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::internal, "LibTorch refuses the converted TorchScript: " + first_line(e.what()));
  }
}

}  // namespace deepimage::engine
