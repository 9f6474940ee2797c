#include "deepimage/precision.hpp"

#include "deepimage/error.hpp"

namespace deepimage {

std::string_view to_string(Precision p) { return p == Precision::bf16 ? "bf16" : "fp32"; }

Precision precision_from_string(std::string_view name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  throw Error(ErrorCode::invalid_argument, "precision \"" + std::string(name) + "\" is not one of fp32, bf16");
}

}  // namespace deepimage
