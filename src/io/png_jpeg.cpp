#include "io/png_jpeg.hpp"

#include <cstring>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "deepimage/error.hpp"

namespace deepimage::io {

Image read_png_jpeg(const std::filesystem::path& path) {
  cv::Mat mat;
  try {
    mat = cv::imread(path.string(), cv::IMREAD_UNCHANGED);  // keeps 16 bits and alpha; no EXIF rotation
  } catch (const cv::Exception& e) {
    throw Error(ErrorCode::io, "\"" + path.string() + "\" cannot be decoded (" + e.msg + ")");
  }
  if (mat.empty())
    throw Error(ErrorCode::io, "\"" + path.string() + "\" cannot be decoded: not a readable " +
                                   path.extension().string() + " image (corrupt, truncated or another format)");
  const int channels = mat.channels();
  DType dtype = DType::u8;
  if (mat.depth() == CV_16U) dtype = DType::u16;
  else if (mat.depth() != CV_8U || (channels != 1 && channels != 3 && channels != 4))
    throw Error(ErrorCode::unsupported, "\"" + path.string() + "\" decodes to " + std::to_string(channels) +
                                            " channel(s) of OpenCV depth " + std::to_string(mat.depth()) +
                                            " (expected 8 or 16-bit grey, RGB or RGBA)");
  const std::int64_t h = mat.rows, w = mat.cols;
  Tensor pixels = channels == 1 ? Tensor(dtype, {h, w}, "yx") : Tensor(dtype, {h, w, channels}, "yxc");
  const std::size_t row_bytes = static_cast<std::size_t>(w) * static_cast<std::size_t>(channels) * dtype_size(dtype);
  for (std::int64_t y = 0; y < h; ++y)
    std::memcpy(pixels.bytes() + static_cast<std::size_t>(y) * row_bytes, mat.ptr(static_cast<int>(y)), row_bytes);
  if (channels >= 3) {  // BGR(A) -> RGB(A)
    const std::size_t es = dtype_size(dtype), pixel = es * static_cast<std::size_t>(channels);
    std::byte* p = pixels.bytes();
    for (std::int64_t i = 0; i < h * w; ++i, p += pixel)
      for (std::size_t b = 0; b < es; ++b) std::swap(p[b], p[2 * es + b]);
  }
  return {std::move(pixels), std::nullopt};
}

void write_png(const Tensor& pixels, const std::filesystem::path& path) {
  const bool rgb = pixels.axes() == "yxc" && pixels.size('c') == 3;
  if (pixels.dtype() != DType::u8 || !(pixels.axes() == "yx" || rgb))
    throw Error(ErrorCode::internal, "write_png takes uint8 yx or yxc with 3 channels, got " + std::string(to_string(pixels.dtype())) +
                                         " \"" + pixels.axes() + "\"");
  const int h = static_cast<int>(pixels.size('y')), w = static_cast<int>(pixels.size('x'));
  cv::Mat mat(h, w, rgb ? CV_8UC3 : CV_8UC1);
  const std::size_t row_bytes = static_cast<std::size_t>(w) * (rgb ? 3 : 1);
  for (int y = 0; y < h; ++y) {
    std::uint8_t* row = mat.ptr(y);
    std::memcpy(row, pixels.bytes() + static_cast<std::size_t>(y) * row_bytes, row_bytes);
    if (rgb)  // OpenCV encodes B, G, R
      for (std::size_t i = 0; i < row_bytes; i += 3) std::swap(row[i], row[i + 2]);
  }
  bool written = false;
  try {
    written = cv::imwrite(path.string(), mat);
  } catch (const cv::Exception& e) {
    throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\": " + e.msg);
  }
  if (!written) throw Error(ErrorCode::io, "cannot write \"" + path.string() + "\"");
}

}  // namespace deepimage::io
