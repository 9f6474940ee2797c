// Feeds a TIFF file: its header and page directories (open_tiff), one box of it chosen by the input's
// last bytes through the region API (only the pages and strips or tiles of the box are decoded, so a
// huge declared image is read too), and the whole image through read_tiff when its declared size is
// small.
#include <algorithm>

#include "fuzz/fuzz_targets.hpp"
#include "io/tiff.hpp"

namespace deepimage::fuzz {

void fuzz_tiff(Bytes bytes) {
  const auto path = fresh_scratch_folder() / "fuzz.tif";
  write_file(path, bytes);
  const auto source = io::open_tiff(path);
  const io::ImageInfo& info = source->info();
  // The region reader decodes whole rows (a strip holds whole rows, with every interleaved sample of
  // each pixel), so a box costs its rows at the full width (x, the last axis) and all channels: the
  // rows are chosen within a budget of 2^20 elements at that cost, then a range of x within them. A
  // file declaring rows costlier than the budget gets no region read (a real image that wide needs that
  // memory for any box; `deepimage run` plans for it).
  constexpr std::int64_t kBudget = std::int64_t{1} << 20;
  const auto key = bytes.last(std::min<std::size_t>(bytes.size(), 8));
  const std::int64_t width = info.shape.empty() ? 0 : info.shape.back();
  const auto c_axis = info.axes.find('c');
  const std::int64_t channels = c_axis == std::string::npos ? 1 : info.shape[c_axis];
  if (width > 0 && width <= kBudget && channels <= kBudget / width) {
    const std::int64_t row_cost = width * channels;
    const Shape rows(info.shape.begin(), info.shape.end() - 1);
    Box box = box_from(key, rows, kBudget / row_cost);
    const Box columns = box_from(key.first(key.size() / 2), {width}, width);
    if (box.rank() == rows.size()) {
      box.begin.push_back(columns.begin[0]);
      box.end.push_back(columns.end[0]);
      source->read(box);
    }
  }
  if (byte_count(info.shape, dtype_size(info.dtype)) <= kMaxWholeReadBytes) io::read_tiff(path);
}

}  // namespace deepimage::fuzz
