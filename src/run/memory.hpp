// Process memory as the OS sees it, for run reports and progress lines.
#pragma once

#include <cstdint>

namespace deepimage::run {

std::uint64_t peak_rss_bytes();     // getrusage ru_maxrss
std::uint64_t current_rss_bytes();  // /proc/self/statm; 0 where unavailable

}  // namespace deepimage::run
