#include "serve/image_plane.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "core/box.hpp"
#include "deepimage/error.hpp"
#include "io/image_region.hpp"

namespace deepimage::server {

std::string base64(const void* data, std::size_t size) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += kDigits[v >> 18], out += kDigits[(v >> 12) & 63], out += kDigits[(v >> 6) & 63], out += kDigits[v & 63];
  }
  if (const std::size_t rest = size - i; rest > 0) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (rest == 2 ? std::uint32_t{p[i + 1]} << 8 : 0);
    out += kDigits[v >> 18], out += kDigits[(v >> 12) & 63];
    out += rest == 2 ? kDigits[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

nlohmann::json image_plane(const std::filesystem::path& image, const std::map<char, std::int64_t>& index) {
  const std::unique_ptr<io::ImageSource> source = io::open_image(image);
  const io::ImageInfo& info = source->info();
  const std::string& axes = info.axes;
  if (axes.find('y') == std::string::npos || axes.find('x') == std::string::npos)
    throw Error(ErrorCode::unsupported, "the image has axes \"" + axes + "\", without both y and x: no plane to show");
  for (const auto& [axis, i] : index)
    if (axes.find(axis) == std::string::npos && i != 0)
      throw Error(ErrorCode::invalid_argument, "query \"" + std::string(1, axis) + "\": the image has no axis \"" +
                                                   std::string(1, axis) + "\" (its axes are \"" + axes + "\")");
  Box box;
  for (std::size_t k = 0; k < axes.size(); ++k) {
    const char a = axes[k];
    if (a == 'y' || a == 'x') {
      box.begin.push_back(0), box.end.push_back(info.shape[k]);
      continue;
    }
    const auto it = index.find(a);
    const std::int64_t i = it == index.end() ? 0 : it->second;
    if (i < 0 || i >= info.shape[k])
      throw Error(ErrorCode::invalid_argument, "query \"" + std::string(1, a) + "\": " + std::to_string(i) + " is outside 0.." +
                                                   std::to_string(info.shape[k] - 1));
    box.begin.push_back(i), box.end.push_back(i + 1);
  }
  Tensor plane = source->read(box).converted(DType::f32);
  // y before x, whatever the file's order (a plane of "xy" is transposed to rows of x).
  const std::int64_t height = info.shape[axes.find('y')], width = info.shape[axes.find('x')];
  if (axes.find('y') > axes.find('x')) {
    std::string order;
    for (char a : plane.axes())
      if (a != 'y' && a != 'x') order += a;
    plane = plane.transposed(order + "yx");
  }
  const float* v = plane.data<float>();
  const std::size_t n = static_cast<std::size_t>(width * height);
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < n; ++i)
    if (std::isfinite(v[i])) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
  if (lo > hi) lo = hi = 0;
  return {{"width", width}, {"height", height}, {"min", lo},         {"max", hi},
          {"axes", axes},   {"shape", info.shape}, {"data", base64(v, n * sizeof(float))}};  // x86: little-endian already
}

}  // namespace deepimage::server
