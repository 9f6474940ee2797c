#include "download_display.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

namespace deepimage::cli {
namespace {

std::string size(std::uint64_t bytes) {
  char buf[32];
  if (bytes < (1u << 20)) std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024);
  else std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

std::string amount(const DownloadProgress& p) {
  std::string s = size(p.bytes_done);
  if (p.bytes_total) s += " of " + size(p.bytes_total);
  char secs[32];
  std::snprintf(secs, sizeof secs, ", %.1f s", p.elapsed_s);
  return s + secs;
}

// The last part of the URL: the file being fetched, short enough for one line.
std::string file_of(const std::string& url) {
  const std::string path = url.substr(0, url.find_first_of("?#"));
  const std::string name = path.substr(path.rfind('/') + 1);
  return name.empty() ? url : name;
}

}  // namespace

DownloadCallback download_display(double plain_every_s) {
  const bool terminal = isatty(STDERR_FILENO) != 0;
  auto last = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  const auto every = std::chrono::duration<double>(plain_every_s);
  return [terminal, last, every](const DownloadProgress& p) {
    if (terminal) {
      const int width = 24;
      const int filled = p.bytes_total ? static_cast<int>(width * p.bytes_done / p.bytes_total) : 0;
      std::fprintf(stderr, "\r[%s%s] %s: %s\033[K%s", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                   std::string(static_cast<std::size_t>(width - filled), '.').c_str(), file_of(p.url).c_str(),
                   amount(p).c_str(), p.finished ? "\n" : "");
      std::fflush(stderr);
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (p.finished) {
      std::fprintf(stderr, "downloaded %s (%s)\n", p.url.c_str(), amount(p).c_str());
    } else if (now - *last >= every) {
      std::fprintf(stderr, "downloading %s: %s\n", p.url.c_str(), amount(p).c_str());
      *last = now;
    }
  };
}

}  // namespace deepimage::cli
