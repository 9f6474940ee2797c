// RunProgress — the progress events and the cancel flag of one image's run.
//
//   RunProgress progress(options, start, slices, tiles_total);
//   progress.emit();                       // at the start
//   ... after each tile: progress.tile_done();   // emits, then throws Error(cancelled) if asked to stop
//   progress.finish();
#pragma once

#include <cstddef>

#include "deepimage/run.hpp"
#include "run/stopwatch.hpp"

namespace deepimage::run {

class RunProgress {
 public:
  RunProgress(const RunOptions& o, Clock::time_point start, std::size_t slices, std::size_t tiles_total);
  void emit();                    // to options.progress, if any, with elapsed time, ETA and memory
  void stop_if_cancelled() const; // throws Error(cancelled) when options.cancel is set
  void tile_done();
  void finish();

  ProgressEvent event;

 private:
  const RunOptions& o_;
  Clock::time_point start_, inference_start_;
};

}  // namespace deepimage::run
