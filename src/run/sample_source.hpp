// SampleSource — one model input of a run, wherever its pixels are: an image file read by region
// (ImageInput) or a view of the caller's memory (ViewInput, for Session::predict). A run sees both
// alike: the image axes the model lacks are a loop over samples (stack_loop.hpp), and any band of a
// sample is read in the model's axes, in the source's own type.
//
//   const SampleSource& in = ...;                   // "zyx" {40, 2048, 2048} for a "bcyx" model
//   in.loop().count();                              // 40 samples
//   Tensor rows = in.read(7, 'y', 100, 356);        // rows 100..355 of sample 7, "bcyx" {1, 1, 256, 2048}
//
// Runner (runner.hpp) drives a run over sources; only the sources know files or memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "deepimage/tensor.hpp"
#include "run/stack_loop.hpp"

namespace deepimage::run {

class SampleSource {
 public:
  virtual ~SampleSource() = default;

  // How messages name it, quoted as they need: "\"cells.tif\"" for a file, "input \"raw\"" for a view.
  virtual std::string name() const = 0;
  virtual DType dtype() const = 0;
  virtual const StackLoop& loop() const = 0;
  // One sample in the model's axes, and in the image's own (its axes without the loop's): the
  // order results are given back in.
  virtual const Shape& sample_shape() const = 0;
  virtual const std::string& sample_axes() const = 0;

  // Sample `sample` (row-major over the loop axes) in the model's axes, only [begin, end) along the
  // model axis `axis` (0: all of it). A source may lend memory it holds instead of copying it (a
  // read-only Tensor::borrow, ViewInput does when the view is in the model's layout): such a tensor
  // is valid while the source is.
  virtual Tensor read(std::int64_t sample, char axis, std::int64_t begin, std::int64_t end) const = 0;
};

// The inputs of a model with several go through the stack loop together, so they must loop alike:
// throws invalid_argument naming the first that does not (null entries, inputs left out, skipped).
void check_loops_alike(const std::vector<const SampleSource*>& inputs);

// The shape of one sample of each input, in the model's axes (empty for a null entry).
std::vector<Shape> sample_shapes(const std::vector<const SampleSource*>& inputs);

}  // namespace deepimage::run
