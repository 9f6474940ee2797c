#include "run/run_progress.hpp"

#include "deepimage/error.hpp"
#include "run/memory.hpp"

namespace deepimage::run {

RunProgress::RunProgress(const RunOptions& o, Clock::time_point start, std::size_t slices, std::size_t tiles_total)
    : o_(o), start_(start), inference_start_(Clock::now()) {
  event.slice_count = slices;
  event.tiles_total = tiles_total;
}

void RunProgress::emit() {
  event.elapsed_s = seconds_since(start_);
  // The ETA is the mean time per tile so far times the tiles left.
  const double per_tile = event.tiles_done ? seconds_since(inference_start_) / static_cast<double>(event.tiles_done) : -1;
  event.eta_s = per_tile < 0 ? -1 : per_tile * static_cast<double>(event.tiles_total - event.tiles_done);
  event.rss_bytes = current_rss_bytes();
  event.peak_rss_bytes = peak_rss_bytes();
  if (o_.progress) o_.progress(event);
}

void RunProgress::stop_if_cancelled() const {
  if (o_.cancel && o_.cancel->load())
    throw Error(ErrorCode::cancelled, "interrupted after " + std::to_string(event.tiles_done) + " of " +
                                          std::to_string(event.tiles_total) + " tiles; nothing was written");
}

void RunProgress::tile_done() {
  ++event.tiles_done;
  emit();
  stop_if_cancelled();
}

void RunProgress::finish() {
  event.finished = true;
  emit();
}

}  // namespace deepimage::run
