// The one clock of the run layer's timings (run reports, progress, bench).
//
//   const auto t0 = Clock::now();  ...  report.read_s = seconds_since(t0);
#pragma once

#include <chrono>

namespace deepimage::run {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace deepimage::run
