#include "precision_option.hpp"

#include <string>

namespace deepimage::cli {

void add_precision_option(CLI::App* cmd, Precision& precision) {
  cmd->add_option_function<std::string>(
         "--precision", [&precision](const std::string& name) { precision = precision_from_string(name); },
         "fp32 (default) or bf16: bfloat16 convolutions, about twice as fast where the CPU has AVX512_BF16 or AMX, "
         "with errors of about 5e-3 (opt-in)")
      ->check(CLI::IsMember({"fp32", "bf16"}));
}

}  // namespace deepimage::cli
