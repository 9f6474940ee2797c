#include "run/memory.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "deepimage/error.hpp"
#include "deepimage/memory_size.hpp"

namespace deepimage::run {
namespace {

// The process peak before the last reset: resetting VmHWM also resets what getrusage reports.
std::atomic<std::uint64_t> peak_before_reset{0};

// A "Name:   123 kB" line of /proc/self/status or /proc/meminfo, in bytes; 0 when absent.
std::uint64_t kib_field(const char* file, const std::string& name) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, name.size() + 1, name + ":") == 0) {
      std::istringstream fields(line.substr(name.size() + 1));
      std::uint64_t kib = 0;
      fields >> kib;
      return kib * 1024;
    }
  return 0;
}

// The limit of the cgroup (v2) this process runs in minus what it already uses; 0 when unlimited.
std::uint64_t cgroup_headroom() {
  std::ifstream max_file("/sys/fs/cgroup/memory.max"), current_file("/sys/fs/cgroup/memory.current");
  std::string max_text;
  std::uint64_t current = 0;
  if (!(max_file >> max_text) || max_text == "max" || !(current_file >> current)) return 0;
  const std::uint64_t limit = std::stoull(max_text);
  return limit > current ? limit - current : 1;
}

}  // namespace

std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto since_reset = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
  return std::max({peak_before_reset.load(), since_reset, peak_rss_since_reset()});
}

std::uint64_t current_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return pages_resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

bool reset_peak_rss() {
  const std::uint64_t peak = peak_rss_bytes();
  std::uint64_t seen = peak_before_reset.load();
  while (seen < peak && !peak_before_reset.compare_exchange_weak(seen, peak)) {
  }
  std::FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  const bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}

std::uint64_t peak_rss_since_reset() { return kib_field("/proc/self/status", "VmHWM"); }

std::uint64_t available_memory_bytes() {
  std::uint64_t available = kib_field("/proc/meminfo", "MemAvailable");
  if (const std::uint64_t headroom = cgroup_headroom(); headroom > 0 && (available == 0 || headroom < available))
    available = headroom;
  return available;
}

}  // namespace deepimage::run

namespace deepimage {

std::uint64_t parse_memory_size(const std::string& text, const std::string& what) {
  const auto fail = [&] {
    throw Error(ErrorCode::invalid_argument, what + " \"" + text + "\" is not a memory size; expected a number with a "
                                                 "unit K, M, G or T (powers of 1024) or B (bytes), e.g. 4G or 512M");
  };
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    fail();
  }
  std::string unit = text.substr(used);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return std::toupper(c); });
  if (unit.size() > 1 && (unit.substr(1) == "B" || unit.substr(1) == "IB")) unit = unit.substr(0, 1);
  double scale = 1;
  if (unit == "K") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024;
  else if (unit == "G") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else if (unit.empty() && used > 0 && used == text.size())  // "--memory 4": 4 bytes is never what was meant
    throw Error(ErrorCode::invalid_argument, what + " \"" + text + "\" has no unit; expected K, M, G or T (powers of "
                                                 "1024) or B (bytes), e.g. " + text + "G");
  else if (unit != "B") fail();
  if (!(value > 0) || !std::isfinite(value)) fail();
  return static_cast<std::uint64_t>(value * scale);
}

std::string format_bytes(std::uint64_t bytes) {
  char text[32];
  const double mib = static_cast<double>(bytes) / (1024.0 * 1024);
  if (mib >= 1024) std::snprintf(text, sizeof text, "%.1f GiB", mib / 1024);
  else std::snprintf(text, sizeof text, "%.0f MiB", mib);
  return text;
}

}  // namespace deepimage
