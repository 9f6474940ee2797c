#include "progress_display.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace deepimage::cli {
namespace {

std::string mib(std::uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

std::string seconds(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.1f s", s);
  else std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

std::string describe(const ProgressEvent& e) {
  std::string line;
  if (e.image_count > 1) line += "image " + std::to_string(e.image + 1) + "/" + std::to_string(e.image_count) + ", ";
  line += "tiles " + std::to_string(e.tiles_done) + "/" + std::to_string(e.tiles_total);
  if (e.slice_count > 1) line += ", slice " + std::to_string(e.slice + 1) + "/" + std::to_string(e.slice_count);
  line += ", elapsed " + seconds(e.elapsed_s);
  if (e.eta_s >= 0 && !e.finished) line += ", ETA " + seconds(e.eta_s);
  line += ", memory " + mib(e.rss_bytes) + " (peak " + mib(e.peak_rss_bytes) + ")";
  return line;
}

}  // namespace

ProgressCallback progress_display(double plain_every_s) {
  const bool terminal = isatty(STDERR_FILENO) != 0;
  auto last = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  const auto every = std::chrono::duration<double>(plain_every_s);
  return [terminal, last, every](const ProgressEvent& e) {
    const auto now = std::chrono::steady_clock::now();
    if (terminal) {
      // A bar plus the numbers, redrawn in place; the final event ends the line.
      const int width = 24;
      const int filled = e.tiles_total ? static_cast<int>(width * e.tiles_done / e.tiles_total) : 0;
      std::fprintf(stderr, "\r[%s%s] %s\033[K%s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(width - filled), '.').c_str(), describe(e).c_str(),
                   e.finished ? "\n" : "");
      std::fflush(stderr);
    } else if (now - *last >= every && !e.finished) {
      std::fprintf(stderr, "progress: %s\n", describe(e).c_str());
      *last = now;
    }
  };
}

ProgressCallback progress_json() {
  return [](const ProgressEvent& e) {
    const nlohmann::json line = {{"tiles_done", e.tiles_done}, {"tiles_total", e.tiles_total},
                                 {"slice", e.slice},           {"slice_count", e.slice_count},
                                 {"image", e.image},           {"image_count", e.image_count},
                                 {"elapsed_s", e.elapsed_s},   {"eta_s", e.eta_s},
                                 {"rss_bytes", e.rss_bytes},   {"peak_rss_bytes", e.peak_rss_bytes},
                                 {"finished", e.finished}};
    std::fprintf(stderr, "%s\n", line.dump().c_str());
    std::fflush(stderr);
  };
}

ProgressCallback progress_for(const std::string& mode, double plain_every_s) {
  if (mode == "json") return progress_json();
  if (mode == "none") return {};
  return progress_display(plain_every_s);
}

}  // namespace deepimage::cli
