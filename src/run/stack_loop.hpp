// StackLoop — image axes the model does not have (the z of a z-stack, the t of a time-lapse for a 2D
// model) become an outer loop: every slice is processed, each as its own sample, and the results are
// put back together along the same axes.
//
//   StackLoop loop = stack_loop_for(image, spec.inputs[0]);     // image "tzyx", model "bcyx" -> "tz"
//   for (std::int64_t k = 0; k < loop.count(); ++k) {
//     Tensor slice = loop.slice(image, k);                        // "yx"
//     loop.place(result, k, predict(slice));                      // result "tz" + the slice's axes
//   }
//
// Normalisation statistics are therefore per slice, as the model's `axes` (e.g. y, x) say for a
// 2D model: one slice is one sample. The samples of a batch ("b" of an .npy) are looped over alike.
#pragma once

#include <cstdint>
#include <string>

#include "core/box.hpp"
#include "deepimage/model_spec.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::run {

struct StackLoop {
  std::string axes;  // image axes looped over, in image order; empty: no loop
  Shape sizes;

  std::int64_t count() const;
  // The box (over `axes`, in their order) selecting slice `index` (row-major, the last axis fastest).
  Box box(std::int64_t index) const;
  // Slice `index` (row-major over `axes`) of `image`, without the loop axes.
  Tensor slice(const Tensor& image, std::int64_t index) const;
  // Writes `part` as slice `index` of `whole`, allocating `whole` (loop axes first) on the first call.
  void place(Tensor& whole, std::int64_t index, const Tensor& part) const;
};

// Image axes of size > 1 that `input` lacks, except channels (data the model must see at once, which
// to_model_axes checks), and a batch of several samples (each sample runs as one).
StackLoop stack_loop_for(const Tensor& image, const TensorSpec& input);
// The same from an image's shape and axes alone (an image read slice by slice).
StackLoop stack_loop_for(const Shape& shape, const std::string& axes, const TensorSpec& input);

}  // namespace deepimage::run
