#include "run/stack_loop.hpp"

#include "core/box.hpp"
#include "deepimage/error.hpp"
#include "tiling/padding.hpp"

namespace deepimage::run {

std::int64_t StackLoop::count() const { return element_count(sizes); }

Box StackLoop::box(std::int64_t index) const {
  Box box{Shape(axes.size()), Shape(axes.size())};
  for (std::size_t k = axes.size(); k-- > 0;) {
    box.begin[k] = index % sizes[k];
    box.end[k] = box.begin[k] + 1;
    index /= sizes[k];
  }
  return box;
}

Tensor StackLoop::slice(const Tensor& image, std::int64_t index) const {
  if (axes.empty()) return image;
  Tensor s = tiling::read_padded(image, axes, box(index), tiling::PadMode::zeros);
  Shape shape;
  std::string kept;
  for (std::size_t i = 0; i < s.rank(); ++i)
    if (axes.find(s.axes()[i]) == std::string::npos) {
      shape.push_back(s.shape()[i]);
      kept += s.axes()[i];
    }
  s.reshape(shape, kept);
  return s;
}

void StackLoop::place(Tensor& whole, std::int64_t index, const Tensor& part) const {
  if (axes.empty()) {
    whole = part;
    return;
  }
  for (char a : axes)
    if (part.axis_index(a) >= 0)
      throw Error(ErrorCode::unsupported, std::string("the model's output has axis \"") + a +
                                              "\", which the image stack is looped over");
  Shape shape(axes.size(), 1);
  shape.insert(shape.end(), part.shape().begin(), part.shape().end());
  Tensor framed = part;
  framed.reshape(shape, axes + part.axes());
  if (whole.empty()) {
    Shape full = sizes;
    full.insert(full.end(), part.shape().begin(), part.shape().end());
    whole = Tensor(part.dtype(), full, axes + part.axes());
  }
  const Box one{Shape(axes.size(), 0), Shape(axes.size(), 1)};
  tiling::write_box(whole, axes, box(index), framed, one);
}

StackLoop stack_loop_for(const Tensor& image, const TensorSpec& input) {
  return stack_loop_for(image.shape(), image.axes(), input);
}

StackLoop stack_loop_for(const Shape& shape, const std::string& axes, const TensorSpec& input) {
  StackLoop loop;
  const std::string model_axes = input.axes_string();
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const char a = axes[i];
    // A batch is looped over too, even when the model has a batch axis: each sample runs alone, so
    // per-sample statistics stay per sample and any batch size runs on a batch-1 model.
    if (shape[i] > 1 && a != 'c' && (a == 'b' || model_axes.find(a) == std::string::npos)) {
      loop.axes += a;
      loop.sizes.push_back(shape[i]);
    }
  }
  return loop;
}

}  // namespace deepimage::run
