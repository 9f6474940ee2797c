// A TIFF written a box at a time: TiffStackWriter on the sink's temporary file. The layout is fixed
// by the shape and type alone (tiff_write.cpp), so boxes land in place in any order.
#include "io/tiff.hpp"

namespace deepimage::io {
namespace {

class TiffSink : public ImageSink {
 public:
  TiffSink(const std::filesystem::path& path, const ImageInfo& info)
      : ImageSink(path, info), writer_(temp_path(), info.dtype, info.shape, info.axes, info.calibration) {}

 protected:
  void write_box(const Box& box, const Tensor& pixels) override { writer_.write(box, pixels); }
  void finish() override { writer_.finish(); }

 private:
  TiffStackWriter writer_;
};

}  // namespace

std::unique_ptr<ImageSink> create_tiff(const std::filesystem::path& path, const ImageInfo& info) {
  return std::make_unique<TiffSink>(path, info);
}

}  // namespace deepimage::io
