#include "run/axis_mapping.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include "deepimage/error.hpp"

namespace deepimage::run {

std::string infer_axes(const Shape& shape, const TensorSpec& input, const std::string& file) {
  const std::string model_axes = input.axes_string();
  if (shape.size() == model_axes.size()) return model_axes;
  switch (shape.size()) {
    case 2: return "yx";
    case 3: return input.axis('z') && !input.axis('c') ? "zyx" : "cyx";
    case 4: return input.axis('z') ? "czyx" : "bcyx";
    case 5: return "bczyx";
    default: break;
  }
  throw Error(ErrorCode::invalid_argument, "cannot guess the axes of " + (file.empty() ? "" : "\"" + file + "\", ") + "a " +
                                               std::to_string(shape.size()) + "-d array " + shape_to_string(shape) +
                                               "; give them with --axes (they are guessed for 2 to 5 dimensions)");
}

void override_axes(Tensor& image, const std::string& user_axes, const std::string& file) {
  image.set_axes(checked_user_axes(image.shape(), user_axes, file));
}

std::string checked_user_axes(const Shape& shape, const std::string& user_axes, const std::string& file) {
  std::set<char> seen;
  for (char a : user_axes)
    if (std::string("bitczyx").find(a) == std::string::npos || !seen.insert(a).second)
      throw Error(ErrorCode::invalid_argument, "--axes \"" + user_axes +
                                                   "\": expected distinct letters from b, i, t, c, z, y, x");
  if (user_axes.size() != shape.size())
    throw Error(ErrorCode::invalid_argument, "--axes \"" + user_axes + "\" has " + std::to_string(user_axes.size()) +
                                                 " letters but \"" + file + "\" has " + std::to_string(shape.size()) +
                                                 " dimensions " + shape_to_string(shape));
  return user_axes;
}

namespace {

// The image's shape with the model's axes (in image order, size-1 axes the image lacks appended), after
// every check: what to_model_axes reshapes to before transposing.
std::pair<Shape, std::string> model_layout(const Shape& image_shape, const std::string& image_axes, const TensorSpec& input,
                                           const std::string& file) {
  const std::string model_axes = input.axes_string();
  // Drop size-1 axes the model lacks; anything larger is data we would silently lose.
  Shape kept_shape;
  std::string kept_axes;
  for (std::size_t i = 0; i < image_shape.size(); ++i) {
    const char a = image_axes[i];
    if (model_axes.find(a) != std::string::npos) {
      kept_shape.push_back(image_shape[i]);
      kept_axes += a;
    } else if (image_shape[i] != 1) {
      throw Error(ErrorCode::invalid_argument,
                  "\"" + file + "\" has axis \"" + std::string(1, a) + "\" of size " + std::to_string(image_shape[i]) +
                      " (image axes \"" + image_axes + "\") but model input \"" + input.id + "\" has axes \"" +
                      model_axes + "\"; use --axes if the image axes were misread");
    }
  }
  // Insert size-1 axes the image lacks, then check channels.
  for (char a : model_axes)
    if (kept_axes.find(a) == std::string::npos) {
      kept_axes += a;
      kept_shape.push_back(1);
    }
  if (const AxisSpec* c = input.axis('c')) {
    const std::int64_t have = kept_shape[kept_axes.find('c')];
    const std::int64_t want = c->size.kind == AxisSize::Kind::fixed ? c->size.value : -1;
    if (want > 0 && have != want) {
      const std::string image_is = "\"" + file + "\" (axes \"" + image_axes + "\", shape " + shape_to_string(image_shape) + ")";
      const std::string model_wants = "model input \"" + input.id + "\" expects " + std::to_string(want) +
                                      (want == 1 ? " channel" : " channels");
      if (image_axes.find('c') == std::string::npos) {
        const auto other = image_axes.find_first_not_of("yx");  // an axis that could be the channels
        throw Error(ErrorCode::invalid_argument,
                    image_is + " has no channel axis but " + model_wants +
                        (other == std::string::npos
                             ? "; give an image with " + std::to_string(want) + " channels"
                             : "; if its \"" + image_axes.substr(other, 1) + "\" axis holds the channels, say so with --axes (--axes " +
                                   std::string(image_axes).replace(other, 1, "c") + ")"));
      }
      std::string example;  // the first `want` channels, as --channels takes them
      for (std::int64_t k = 0; k < std::min(want, have); ++k) example += (k ? "," : "") + std::to_string(k);
      throw Error(ErrorCode::invalid_argument,
                  image_is + " has " + std::to_string(have) + (have == 1 ? " channel" : " channels") + " but " +
                      model_wants + "; " +
                      (have > want ? "choose " + std::to_string(want) + " of them with --channels (e.g. --channels " + example + ")"
                                   : "give an image with " + std::to_string(want) + " channels") +
                      ", or set the image axes with --axes if \"c\" is not the channel axis");
    }
  }
  if (const AxisSpec* b = input.axis('b'); b && kept_shape[kept_axes.find('b')] != 1 &&
                                           b->size.kind == AxisSize::Kind::fixed && b->size.value == 1)
    throw Error(ErrorCode::invalid_argument, "\"" + file + "\" has a batch of " +
                                                 std::to_string(kept_shape[kept_axes.find('b')]) +
                                                 " but model input \"" + input.id + "\" takes batch 1");
  return {kept_shape, kept_axes};
}

}  // namespace

Shape model_shape(const Shape& image_shape, const std::string& image_axes, const TensorSpec& input, const std::string& file) {
  const auto [kept_shape, kept_axes] = model_layout(image_shape, image_axes, input, file);
  Shape shape;
  for (char a : input.axes_string()) shape.push_back(kept_shape[kept_axes.find(a)]);
  return shape;
}

Tensor to_model_axes(const Tensor& image, const TensorSpec& input, const std::string& file) {
  const auto [kept_shape, kept_axes] = model_layout(image.shape(), image.axes(), input, file);
  Tensor t = image;
  t.reshape(kept_shape, kept_axes);
  return t.transposed(input.axes_string());
}

void check_channel_selection(const Shape& shape, const std::string& axes, const std::vector<int>& channels,
                             const std::string& file) {
  const auto c = axes.find('c');
  if (c == std::string::npos)
    throw Error(ErrorCode::invalid_argument, "--channels: \"" + file + "\" has no channel axis (axes \"" + axes + "\")");
  const std::int64_t count = shape[c];
  for (int k : channels)
    if (k < 0 || k >= count)
      throw Error(ErrorCode::invalid_argument, "--channels: channel " + std::to_string(k) + " does not exist in \"" + file +
                                                   "\", which has channels 0 to " + std::to_string(count - 1));
}

Tensor select_channels(const Tensor& image, const std::vector<int>& channels, const std::string& file) {
  check_channel_selection(image.shape(), image.axes(), channels, file);
  const int c = image.axis_index('c');
  const std::int64_t count = image.shape()[static_cast<std::size_t>(c)];
  // Copy blocks: everything before c is an outer loop, everything after it one contiguous block.
  Shape shape = image.shape();
  shape[static_cast<std::size_t>(c)] = static_cast<std::int64_t>(channels.size());
  Tensor out(image.dtype(), shape, image.axes());
  std::int64_t outer = 1, inner = static_cast<std::int64_t>(dtype_size(image.dtype()));
  for (int i = 0; i < c; ++i) outer *= image.shape()[static_cast<std::size_t>(i)];
  for (std::size_t i = static_cast<std::size_t>(c) + 1; i < image.rank(); ++i) inner *= image.shape()[i];
  std::byte* dst = out.bytes();
  for (std::int64_t o = 0; o < outer; ++o)
    for (int k : channels) {
      std::memcpy(dst, image.bytes() + (o * count + k) * inner, static_cast<std::size_t>(inner));
      dst += inner;
    }
  return out;
}

Tensor to_image_axes(const Tensor& output, const std::string& image_axes) {
  Shape shape;
  std::string axes;
  for (std::size_t i = 0; i < output.rank(); ++i) {
    const char a = output.axes()[i];
    const bool keep = a == 'y' || a == 'x' || output.shape()[i] != 1 || image_axes.find(a) != std::string::npos;
    if (keep && a != 'b') {
      shape.push_back(output.shape()[i]);
      axes += a;
    } else if (output.shape()[i] != 1) {
      shape.push_back(output.shape()[i]);  // a batch > 1 stays, as "b"
      axes += a;
    }
  }
  Tensor t = output;
  t.reshape(shape, axes);
  return t;
}

}  // namespace deepimage::run
