// A TIFF read a box at a time through TiffPages: only the pages the box reaches are opened and only
// the rows it spans decoded (the strips or tiles holding them); columns are cropped after decoding.
//
//   axes  "zcyx" with RGB pages:  z, c = c_page * 3 + sample, y, x
//   box   z [2, 4)  c [1, 5)  y [10, 20)  x [0, 8)
//   pages (z, c_page) in [2, 4) x [0, 2): two runs of two consecutive pages, rows 10..19 of each
//   read  [z 2][c_page 2][sample 3][rows 10][width]  ->  c_page and sample merge into c 0..5,
//   then the box is cut out: c [1, 5), x [0, 8)
#include <cstring>
#include <mutex>

#include "io/box_copy.hpp"
#include "io/tiff.hpp"

namespace deepimage::io {
namespace {

class TiffSource : public ImageSource {
 public:
  TiffSource(const std::filesystem::path& path, std::unique_ptr<TiffPages> pages)
      : ImageSource(path, {pages->shape(), pages->axes(), pages->dtype(), pages->calibration()}), pages_(std::move(pages)) {}

 protected:
  Tensor read_box(const Box& box) const override {
    const Shape& shape = info().shape;
    const std::size_t lead = shape.size() - 2;  // the axes before y, x: pages, and samples within c
    const std::int64_t samples = pages_->samples_per_pixel();
    // With several samples per pixel, "c" is the last of the leading axes (tiff.hpp) and holds them.
    const std::size_t c_axis = samples > 1 ? lead - 1 : lead;

    // The pages the box reaches, as a box over the page axes.
    Shape page_shape(shape.begin(), shape.begin() + static_cast<std::ptrdiff_t>(lead));
    const auto leading = [&](const std::vector<std::int64_t>& v) {
      return std::vector<std::int64_t>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lead));
    };
    Box pages{leading(box.begin), leading(box.end)};
    if (c_axis < lead) {
      page_shape[c_axis] /= samples;
      pages.begin[c_axis] = box.begin[c_axis] / samples;
      pages.end[c_axis] = (box.end[c_axis] - 1) / samples + 1;
    }

    // Rows y0..y1 of those pages, full width: [pages of the box...][sample][row][x].
    const std::int64_t y0 = box.begin[lead], y1 = box.end[lead], width = shape[lead + 1];
    const std::int64_t page_elements = samples * (y1 - y0) * width;
    Shape read_shape = pages.shape();
    read_shape.insert(read_shape.end(), {samples, y1 - y0, width});
    Tensor band;
    const std::size_t page_bytes = static_cast<std::size_t>(page_elements) * dtype_size(info().dtype);
    {
      const std::lock_guard lock(mutex_);  // one libtiff handle
      const std::int64_t page_total = element_count(pages.shape());
      for_each_box_run(page_shape, strides_of(page_shape), pages, [&](std::int64_t first, std::int64_t at, std::int64_t count) {
        Tensor run = pages_->read_rows(first, count, y0, y1);
        if (count == page_total) {  // the box's pages are consecutive: no second copy of the band
          band = std::move(run);
          return;
        }
        if (band.empty()) band = Tensor(info().dtype, read_shape);
        std::memcpy(band.bytes() + static_cast<std::size_t>(at) * page_bytes, run.bytes(), run.byte_count());
      });
    }

    // The band with samples merged into c (c_page * samples + s), and the box within it.
    Shape band_shape = pages.shape();
    Box crop = whole_box(band_shape);
    if (c_axis < lead) {
      band_shape[c_axis] *= samples;
      crop.begin[c_axis] = box.begin[c_axis] - pages.begin[c_axis] * samples;
      crop.end[c_axis] = crop.begin[c_axis] + box.extent(c_axis);
    }
    band_shape.insert(band_shape.end(), {y1 - y0, width});
    crop.begin.insert(crop.begin.end(), {0, box.begin[lead + 1]});
    crop.end.insert(crop.end.end(), {y1 - y0, box.end[lead + 1]});
    band.reshape(band_shape, "");
    if (crop == whole_box(band_shape)) return band;
    Tensor part(info().dtype, box.shape());
    copy_box_out(band.bytes(), band_shape, strides_of(band_shape), dtype_size(info().dtype), crop, part.bytes());
    return part;
  }

 private:
  std::unique_ptr<TiffPages> pages_;
  mutable std::mutex mutex_;
};

}  // namespace

std::unique_ptr<ImageSource> open_tiff(const std::filesystem::path& path) {
  return std::make_unique<TiffSource>(path, std::make_unique<TiffPages>(path));
}

}  // namespace deepimage::io
