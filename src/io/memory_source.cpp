#include "io/memory_source.hpp"

#include "io/box_copy.hpp"

namespace deepimage::io {
namespace {

class MemorySource : public ImageSource {
 public:
  MemorySource(const std::filesystem::path& path, Image image)
      : ImageSource(path, {image.pixels.shape(), image.pixels.axes(), image.pixels.dtype(), image.calibration}),
        pixels_(std::move(image.pixels)) {}

 protected:
  Tensor read_box(const Box& box) const override {
    Tensor part(pixels_.dtype(), box.shape());
    copy_box_out(pixels_.bytes(), pixels_.shape(), strides_of(pixels_.shape()), dtype_size(pixels_.dtype()), box, part.bytes());
    return part;
  }

 private:
  Tensor pixels_;
};

}  // namespace

std::unique_ptr<ImageSource> open_in_memory(const std::filesystem::path& path, Image image) {
  return std::make_unique<MemorySource>(path, std::move(image));
}

}  // namespace deepimage::io
