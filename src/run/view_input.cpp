#include "run/view_input.hpp"

#include "core/box.hpp"
#include "io/box_copy.hpp"
#include "run/axis_mapping.hpp"

namespace deepimage::run {
namespace {

const std::string kAxisLetters = "bitczyx";

}  // namespace

void check_view(const TensorView& view, const std::string& name) {
  if (view.axes.size() != view.shape.size())
    throw Error(ErrorCode::invalid_argument, name + ": axes \"" + view.axes + "\" name " + std::to_string(view.axes.size()) +
                                                 " axes but the shape " + shape_to_string(view.shape) + " has " +
                                                 std::to_string(view.shape.size()));
  for (std::size_t i = 0; i < view.axes.size(); ++i) {
    const char a = view.axes[i];
    if (kAxisLetters.find(a) == std::string::npos || view.axes.find(a) != i)
      throw Error(ErrorCode::invalid_argument, name + ": axes \"" + view.axes + "\" must be distinct letters of \"" +
                                                   kAxisLetters + "\" (\"" + std::string(1, a) + "\" is not)");
  }
  for (std::int64_t size : view.shape)
    if (size <= 0)
      throw Error(ErrorCode::invalid_argument, name + ": shape " + shape_to_string(view.shape) + " has a size " +
                                                   std::to_string(size) + "; every size must be at least 1");
  if (!view.strides.empty() && view.strides.size() != view.shape.size())
    throw Error(ErrorCode::invalid_argument, name + ": " + std::to_string(view.strides.size()) + " strides " +
                                                 shape_to_string(view.strides) + " for a shape of " +
                                                 std::to_string(view.shape.size()) + " axes " + shape_to_string(view.shape));
  if (!view.data) throw Error(ErrorCode::invalid_argument, name + ": the view's data pointer is null");
}

ViewInput::ViewInput(const TensorView& view, const TensorSpec& input)
    : name_("input \"" + input.id + "\""), dtype_(view.dtype), axes_(input.axes_string()) {
  check_view(view, name_);
  loop_ = stack_loop_for(view.shape, view.axes, input);
  first_ = static_cast<const std::byte*>(view.data);
  const std::vector<std::int64_t> strides = view.strides.empty() ? strides_of(view.shape) : view.strides;
  Shape sample_shape;
  std::vector<std::int64_t> sample_strides;
  for (std::size_t d = 0; d < view.axes.size(); ++d) {
    if (loop_.axes.find(view.axes[d]) != std::string::npos) {
      loop_strides_.push_back(strides[d]);  // stack_loop_for keeps the view's order
      continue;
    }
    sample_axes_ += view.axes[d];
    sample_shape.push_back(view.shape[d]);
    sample_strides.push_back(strides[d]);
  }
  shape_ = model_shape(sample_shape, sample_axes_, input, name_);
  for (char a : axes_) {
    const auto at = sample_axes_.find(a);
    strides_.push_back(at == std::string::npos ? 0 : sample_strides[at]);
  }
}

Tensor ViewInput::read(std::int64_t sample, char axis, std::int64_t begin, std::int64_t end) const {
  const auto element = static_cast<std::int64_t>(dtype_size(dtype_));
  const std::byte* origin = first_;
  const Box at = loop_.box(sample);
  for (std::size_t k = 0; k < loop_strides_.size(); ++k) origin += at.begin[k] * loop_strides_[k] * element;
  Box box = io::whole_box(shape_);
  std::size_t along = 0;  // the box is whole before this axis
  if (axis) {
    along = axes_.find(axis);
    box.begin[along] = begin, box.end[along] = end;
  }
  // Memory already in the model's layout (C order over the model's axes, size-1 axes aside) is lent
  // as it is, when the box is one block of it: the whole sample, or rows along an axis that only
  // size-1 axes precede.
  bool in_layout = true;
  const std::vector<std::int64_t> layout = strides_of(shape_);
  for (std::size_t d = 0; d < shape_.size(); ++d)
    in_layout = in_layout && (shape_[d] == 1 || strides_[d] == layout[d]) && (d >= along || shape_[d] == 1);
  if (in_layout) return Tensor::borrow(origin + box.begin[along] * layout[along] * element, dtype_, box.shape(), axes_);
  Tensor t(dtype_, box.shape(), axes_);
  io::copy_box_out(origin, shape_, strides_, dtype_size(dtype_), box, t.bytes());
  return t;
}

}  // namespace deepimage::run
