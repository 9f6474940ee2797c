#include "tensor_name_options.hpp"

namespace deepimage::cli {

void add_tensor_name_options(CLI::App* cmd, std::string& input_name, std::string& output_name) {
  cmd->add_option("--input-name", input_name, "A bare network file's input tensor, when its graph has several (e.g. input_tensor)");
  cmd->add_option("--output-name", output_name, "A bare network file's output tensor, when its graph has several (e.g. output_tensor)");
}

}  // namespace deepimage::cli
