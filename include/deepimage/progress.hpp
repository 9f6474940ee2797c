// Progress of a run, as events: the CLI draws them, the ImageJ plugin and web UI will too.
//
//   deepimage::RunOptions o = ...;
//   o.progress = [](const deepimage::ProgressEvent& e) { std::cerr << e.tiles_done << "/" << e.tiles_total << "\r"; };
//   o.cancel = &stop_flag;   // a std::atomic<bool> set from a signal handler or a UI button
//
// Events come after each tile (and once at the start and the end), on the thread that runs the model.
// A set cancel flag stops the run before the next tile with Error(cancelled); nothing is written.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace deepimage {

struct ProgressEvent {
  std::size_t tiles_done = 0, tiles_total = 0;    // over all slices of the image
  std::size_t slice = 0, slice_count = 1;         // slice being processed (0-based) of a stack
  std::size_t image = 0, image_count = 1;         // image being processed (0-based) of a batch
  double elapsed_s = 0;                           // since the run started
  double eta_s = -1;                              // estimated seconds left; -1 until a tile is done
  std::uint64_t rss_bytes = 0, peak_rss_bytes = 0;
  bool finished = false;
};

using ProgressCallback = std::function<void(const ProgressEvent&)>;

}  // namespace deepimage
