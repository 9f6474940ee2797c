// What an output is written with besides its pixels: the input's calibration, with the pixel size
// divided by the output's scale along each axis (a 2x super-resolution output has half the input's
// pixel size, a 2x downsampling output twice it), and the output's channel names as labels.
//
//   io::write_image({result, output_calibration(image.calibration, spec.outputs[i])}, path);
#pragma once

#include <optional>

#include "deepimage/model_spec.hpp"
#include "io/image.hpp"

namespace deepimage::run {

std::optional<io::Calibration> output_calibration(const std::optional<io::Calibration>& input, const TensorSpec& output);

}  // namespace deepimage::run
