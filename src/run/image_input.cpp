#include "run/image_input.hpp"

#include "deepimage/error.hpp"
#include "run/axis_mapping.hpp"

namespace deepimage::run {

ImageInput::ImageInput(const std::filesystem::path& file, const TensorSpec& input, const std::string& user_axes,
                       const std::vector<int>& channels)
    : file_(file.string()), input_(input), channels_(channels), source_(io::open_image(file)) {
  const Shape& shape = source_->info().shape;
  // An image without pixels (a 0 x 96 array) has nothing to run on: said here, naming the file,
  // rather than later by the tile planner about one of its axes.
  if (element_count(shape) == 0)
    throw Error(ErrorCode::invalid_argument, "\"" + file_ + "\" holds no pixels: its shape is " + shape_to_string(shape) +
                                                 " (expected at least 1 pixel along every axis)");
  axes_ = !user_axes.empty() ? checked_user_axes(shape, user_axes, file_)
          : source_->info().axes.empty() ? infer_axes(shape, input, file_)
                                         : source_->info().axes;
  loop_ = stack_loop_for(shape, axes_, input);
  for (char a : axes_)
    if (loop_.axes.find(a) == std::string::npos) sample_axes_ += a;
  // The sample's shape in the model's axes, checked (channels, axes the model lacks) on the shape alone:
  // a plane may be larger than memory.
  Shape sample_image_shape;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (loop_.axes.find(axes_[d]) == std::string::npos) sample_image_shape.push_back(shape[d]);
  if (!channels_.empty()) {
    check_channel_selection(sample_image_shape, sample_axes_, channels_, file_);
    sample_image_shape[sample_axes_.find('c')] = static_cast<std::int64_t>(channels_.size());
  }
  sample_shape_ = model_shape(sample_image_shape, sample_axes_, input, file_);
}

Tensor ImageInput::read(std::int64_t sample, char axis, std::int64_t begin, std::int64_t end) const {
  if (axis == 0) return read(sample, std::string(), Box{});
  return read(sample, std::string(1, axis), Box{{begin}, {end}});
}

Tensor ImageInput::read(std::int64_t sample, const std::string& box_axes, const Box& part) const {
  const Shape& shape = source_->info().shape;
  Box box{Shape(shape.size(), 0), shape};
  // The loop axes at this sample's index.
  const Box slice = loop_.box(sample);
  for (std::size_t k = 0; k < loop_.axes.size(); ++k) {
    const std::size_t d = axes_.find(loop_.axes[k]);
    box.begin[d] = slice.begin[k], box.end[d] = slice.end[k];
  }
  for (std::size_t k = 0; k < box_axes.size(); ++k)
    if (const std::size_t d = axes_.find(box_axes[k]); d != std::string::npos) box.begin[d] = part.begin[k], box.end[d] = part.end[k];
  Tensor pixels = source_->read(box);
  Shape sample_shape;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (loop_.axes.find(axes_[d]) == std::string::npos) sample_shape.push_back(box.extent(d));
  pixels.reshape(sample_shape, sample_axes_);
  if (!channels_.empty()) pixels = select_channels(pixels, channels_, file_);
  return to_model_axes(pixels, input_, file_);
}

}  // namespace deepimage::run
