// The README.md written into a bundle built without documentation: what the model is, its tensors
// and processing, how to run it, and how to cite it, all from the bundle's description.
#pragma once

#include <string>

#include "deepimage/model_spec.hpp"

namespace deepimage::build {

std::string generated_readme(const ModelSpec& spec);

}  // namespace deepimage::build
