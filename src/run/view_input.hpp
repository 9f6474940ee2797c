// ViewInput — a view of the caller's memory (deepimage::TensorView) as one model input of a run
// (a SampleSource, sample_source.hpp): what Session::predict reads, as `run` reads a file.
//
//   ViewInput in(view, spec.inputs[0]);        // view "zyx" {40, 512, 640} u16, model "bcyx": 40 samples
//   Tensor rows = in.read(7, 'y', 0, 256);     // rows 0..255 of slice 7, "bcyx" {1, 1, 256, 640}, u16
//
// Nothing is copied before a read: the view is checked (axes, shape, strides), and each sample is
// seen in the model's axes through the view's strides (0 for a size-1 axis the view lacks), so a
// band is gathered straight from the caller's memory. A view may be strided (a window of a larger
// image, a transposed array) or reversed (negative strides). When a read is one block of memory
// already in the model's layout (a C-ordered "yx" view for a "bcyx" model: the whole sample, or
// rows of it), it is not copied at all: the tensor returned borrows the view (Tensor::borrow).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "deepimage/deepimage.hpp"
#include "run/sample_source.hpp"

namespace deepimage::run {

// A view's own checks, before any model's: axes (one distinct letter of "bitczyx" per axis), sizes
// of at least 1, strides for the same rank, data. Throws invalid_argument naming `name`.
void check_view(const TensorView& view, const std::string& name);

class ViewInput final : public SampleSource {
 public:
  // Throws invalid_argument naming the input (`input "raw"`) for a view that does not describe
  // memory (axes and shape of different lengths, unknown or repeated axis letters, sizes below 1,
  // strides for another rank, a null pointer) or that the model's axes cannot take.
  ViewInput(const TensorView& view, const TensorSpec& input);

  std::string name() const override { return name_; }
  DType dtype() const override { return dtype_; }
  const StackLoop& loop() const override { return loop_; }
  const Shape& sample_shape() const override { return shape_; }
  const std::string& sample_axes() const override { return sample_axes_; }
  Tensor read(std::int64_t sample, char axis, std::int64_t begin, std::int64_t end) const override;

 private:
  std::string name_;
  DType dtype_;
  StackLoop loop_;
  std::vector<std::int64_t> loop_strides_;  // the view's stride along each loop axis, in loop order
  std::string sample_axes_;                 // the view's axes without the loop's
  const std::byte* first_ = nullptr;        // sample 0
  Shape shape_;                             // one sample, in the model's axes
  std::string axes_;                        // the model's axes
  std::vector<std::int64_t> strides_;       // per model axis, in elements
};

}  // namespace deepimage::run
