// RunWarnings — what a run notices about its inputs and outputs that does not stop it but that a
// user should hear about, as one line per finding (RunReport::warnings; the CLI prints
// `warning: <line>`).
//
//   RunWarnings w(spec);
//   w.pixel_size(0, "cells.tif", "yx", image.calibration);   // once per input file
//   w.input(0, "\"cells.tif\"", slice);                       // every slice read, any dtype
//   w.output(0, result_slice);                                // every slice after postprocessing
//   report.warnings = w.lines();
//
// The rules, each with its reason:
//   non-finite input   NaN or +-Inf values in an input file: one line with their counts. Statistics
//                      skip them (src/ops/reduction.hpp) and the network computes with them as they
//                      are, so NaN spreads to every output pixel whose receptive field holds one.
//   pixel size         the file's calibration (TIFF/ImageJ) and the model's input axis `scale` with a
//                      `unit` (rdf 0.5) differ by more than 10 % along a space axis both have:
//                      networks are trained at one pixel size. Skipped when either side has no
//                      unit, or a unit this file does not know how to convert.
//   double sigmoid     the last value-changing postprocessing op of an output is `sigmoid` (only
//                      ensure_dtype to a float type may follow) and every finite output value lies
//                      in [sigmoid(0), sigmoid(1)] = [0.5, 0.7311]: the values that went into the
//                      sigmoid were all in [0, 1], as when the weights already end in a sigmoid
//                      (the real 2021 export of unet2d_nuclei_broad does).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "deepimage/tensor.hpp"
#include "io/image.hpp"

namespace deepimage::run {

class RunWarnings {
 public:
  explicit RunWarnings(const ModelSpec& spec);

  // Input `i` (rdf order) is `file`, with image axes `axes` and this calibration.
  void pixel_size(std::size_t i, const std::string& file, const std::string& axes,
                  const std::optional<io::Calibration>& calibration);
  // Counts the non-finite values of one slice (or all) of input `i`, named as messages name it
  // (SampleSource::name(): "\"cells.tif\"", "input \"raw\"").
  void input(std::size_t i, const std::string& name, const Tensor& values);
  // Follows the range of one slice (or all) of output `i`, after postprocessing.
  void output(std::size_t i, const Tensor& values);

  std::vector<std::string> lines() const;

 private:
  struct InputCount {
    std::string name;
    std::int64_t nan = 0, inf = 0, total = 0;
  };
  struct OutputRange {
    bool after_sigmoid = false;  // the rule applies to this output
    bool all_in_band = true;     // every finite value so far in [0.5, sigmoid(1)]
    std::int64_t finite = 0;
  };
  const ModelSpec& spec_;
  std::vector<std::string> pixel_size_lines_;
  std::vector<InputCount> inputs_;
  std::vector<OutputRange> outputs_;
};

}  // namespace deepimage::run
