// The arithmetic an engine runs a network in.
//
//   Precision p = precision_from_string("bf16");   // throws invalid_argument for anything else
//   to_string(p) == "bf16"
//
// fp32 is the default and the only precision a bundle's test outputs are made with. bf16 (bfloat16
// convolutions and matrix products, float32 accumulation, inputs and outputs) is opt-in: on CPUs with
// AVX512_BF16 or AMX it runs about twice as fast, with errors of about 5e-3 on probabilities, which a
// bundle's tolerance may not allow (`deepimage test --precision bf16` says so honestly).
#pragma once

#include <string>
#include <string_view>

namespace deepimage {

enum class Precision { fp32, bf16 };

std::string_view to_string(Precision p);
Precision precision_from_string(std::string_view name);

}  // namespace deepimage
