// ImageInput — one input file of a run as the model sees it (a SampleSource, sample_source.hpp): the file opened for region reads
// (io/image_region.hpp), its axes (from the file, --axes, or inferred for an .npy), --channels, the
// loop over the axes the model lacks (stack_loop.hpp), and any band of one sample in the model's axes.
//
//   ImageInput in("stack.tif", spec.inputs[0], "", {});      // "zcyx" {40, 2, 2048, 2048}: 40 samples
//   Shape s = in.sample_shape();                              // {1, 2, 2048, 2048} for a "bcyx" model
//   Tensor rows = in.read(7, 'y', 100, 356);                  // rows 100..355 of slice 7, "bcyx", u16
//
// Only the header is read at construction; read() reads just the box a band needs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "io/image_region.hpp"
#include "run/sample_source.hpp"
#include "run/stack_loop.hpp"

namespace deepimage::run {

class ImageInput final : public SampleSource {
 public:
  ImageInput(const std::filesystem::path& file, const TensorSpec& input, const std::string& user_axes,
             const std::vector<int>& channels);

  const std::string& file() const { return file_; }
  const std::string& axes() const { return axes_; }  // of the file
  const Shape& shape() const { return source_->info().shape; }
  const std::optional<io::Calibration>& calibration() const { return source_->info().calibration; }

  std::string name() const override { return "\"" + file_ + "\""; }
  DType dtype() const override { return source_->info().dtype; }
  const StackLoop& loop() const override { return loop_; }
  const Shape& sample_shape() const override { return sample_shape_; }
  const std::string& sample_axes() const override { return sample_axes_; }
  Tensor read(std::int64_t sample, char axis, std::int64_t begin, std::int64_t end) const override;
  // The same, only `box` along `box_axes` (spatial model axes the image has), every other axis whole.
  Tensor read(std::int64_t sample, const std::string& box_axes, const Box& box) const;

 private:
  std::string file_;
  const TensorSpec& input_;
  std::vector<int> channels_;
  std::unique_ptr<io::ImageSource> source_;
  std::string axes_;
  StackLoop loop_;
  Shape sample_shape_;
  std::string sample_axes_;
};

}  // namespace deepimage::run
