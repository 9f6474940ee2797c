// A .npy written a box at a time: the header first, the file then sized to its end, so every box
// goes straight to its place (version 1, little endian, C order, as write_npy writes).
#include <algorithm>
#include <bit>

#include "deepimage/error.hpp"
#include "io/box_copy.hpp"
#include "io/npy.hpp"
#include "io/positional_file.hpp"

namespace deepimage::io {
namespace {

class NpySink : public ImageSink {
 public:
  NpySink(const std::filesystem::path& path, const ImageInfo& info)
      : ImageSink(path, info), file_(temp_path()), strides_(strides_of(info.shape)) {
    const std::vector<std::byte> header = npy_header_bytes(info.dtype, info.shape);
    data_start_ = header.size();
    file_.write_at(0, header);
    file_.resize(data_start_ + static_cast<std::uint64_t>(element_count(info.shape)) * dtype_size(info.dtype));
  }

 protected:
  void write_box(const Box& box, const Tensor& pixels) override {
    const std::size_t es = dtype_size(pixels.dtype());
    Tensor little;  // only on a big-endian machine: the values as the file stores them
    const std::byte* data = pixels.bytes();
    if constexpr (std::endian::native == std::endian::big) {
      little = pixels;
      for (std::int64_t i = 0; i < little.element_count(); ++i)
        std::reverse(little.bytes() + i * es, little.bytes() + (i + 1) * es);
      data = little.bytes();
    }
    for_each_box_run(info().shape, strides_, box, [&](std::int64_t at, std::int64_t from, std::int64_t n) {
      file_.write_at(data_start_ + static_cast<std::uint64_t>(at) * es, data + static_cast<std::size_t>(from) * es,
                     static_cast<std::size_t>(n) * es);
    });
    written_ += pixels.element_count();
    if (written_ > element_count(info().shape))
      throw Error(ErrorCode::internal, "\"" + temp_path().string() + "\": box " + box.to_string() +
                                           " brings the pixels written past the image's: some were written twice");
  }

  void finish() override {
    const std::int64_t total = element_count(info().shape);
    if (written_ < total)
      throw Error(ErrorCode::internal, "\"" + temp_path().string() + "\": " + std::to_string(total - written_) + " of " +
                                           std::to_string(total) + " pixels never written");
    file_.close();
  }

 private:
  PositionalFile file_;
  std::vector<std::int64_t> strides_;
  std::uint64_t data_start_ = 0;
  std::int64_t written_ = 0;  // elements; a box written twice counts twice (each pixel is written once)
};

}  // namespace

std::unique_ptr<ImageSink> create_npy(const std::filesystem::path& path, const ImageInfo& info) {
  return std::make_unique<NpySink>(path, info);
}

}  // namespace deepimage::io
