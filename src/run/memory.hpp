// Process memory as the OS sees it: for run reports, progress lines and the memory planner.
//
//   reset_peak_rss();            // start of a measured region
//   run_one_tile();
//   std::uint64_t tile_peak = peak_rss_since_reset() - baseline;
//
// peak_rss_bytes() stays the peak of the whole process even across resets.
#pragma once

#include <cstdint>

namespace deepimage::run {

std::uint64_t peak_rss_bytes();     // over the life of the process
std::uint64_t current_rss_bytes();  // /proc/self/statm; 0 where unavailable

// Starts a new peak measurement (Linux /proc/self/clear_refs "5"). Returns false where the kernel
// does not allow it; peak_rss_since_reset() is then the process peak.
bool reset_peak_rss();
std::uint64_t peak_rss_since_reset();  // VmHWM of /proc/self/status

// Memory this process may still use: MemAvailable, or less when a cgroup limit is closer.
std::uint64_t available_memory_bytes();

}  // namespace deepimage::run
