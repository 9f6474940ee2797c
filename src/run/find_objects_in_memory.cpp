// find_objects on arrays in memory (include/deepimage/deepimage.hpp): the views are copied into
// tensors read as image sources, and ObjectFinder (object_finder.hpp) labels them into one uint32
// tensor. No file is written.
#include <chrono>
#include <limits>

#include "deepimage/deepimage.hpp"
#include "io/box_copy.hpp"
#include "io/memory_source.hpp"
#include "run/object_finder.hpp"
#include "run/view_input.hpp"

namespace deepimage {
namespace {

// `view` as a dense tensor; `what` names it in errors ("probability", "intensity"). A 2D view may leave
// its axes unsaid ("yx"); others must say them.
Tensor dense_copy(TensorView view, const std::string& what) {
  if (view.shape.empty()) throw Error(ErrorCode::invalid_argument, what + ": the view has no axes (a scalar)");
  if (view.axes.empty() && view.shape.size() == 2) view.axes = "yx";
  if (view.axes.empty())
    throw Error(ErrorCode::invalid_argument, what + ": a view of shape " + shape_to_string(view.shape) + " needs its axes (e.g. cyx)");
  run::check_view(view, what);
  Tensor t(view.dtype, view.shape, view.axes);
  io::copy_box_out(static_cast<const std::byte*>(view.data), view.shape, view.strides.empty() ? strides_of(view.shape) : view.strides,
                   dtype_size(view.dtype), io::whole_box(view.shape), t.bytes());
  return t;
}

}  // namespace

LabelledObjects find_objects(const TensorView& probability, const ObjectRules& rules, const TensorView* intensity, const ModelSpec* model) {
  const auto start = std::chrono::steady_clock::now();
  const auto probability_source = io::open_in_memory("probability", {.pixels = dense_copy(probability, "probability")});
  const auto intensity_source = intensity ? io::open_in_memory("intensity", {.pixels = dense_copy(*intensity, "intensity")}) : nullptr;
  const run::ObjectFinder finder(*probability_source, "", intensity_source.get(), rules,
                                 model ? model->star_convex : std::nullopt);
  const io::ImageInfo& info = finder.label_info();
  LabelledObjects out{.labels = Tensor(DType::u32, info.shape, info.axes)};
  const auto strides = strides_of(info.shape);
  out.report = finder.run(std::numeric_limits<std::uint32_t>::max(), [&](const Box& box, const Tensor& labels) {
    io::copy_box_in(out.labels.bytes(), info.shape, strides, sizeof(std::uint32_t), box, labels.bytes());
  });
  out.report.total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace deepimage
