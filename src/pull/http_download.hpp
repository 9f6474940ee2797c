// Downloading one URL to a file with libcurl: redirects followed, a connect timeout and a stall
// timeout (no overall one: weights may take long on a slow line), HTTP errors named with their status
// and the URL, a size cap, progress, and cancellation.
//
//   std::uint64_t bytes = pull::download(url, folder / "model.zip", {.progress = show});
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

#include "deepimage/pull.hpp"

namespace deepimage::pull {

inline constexpr long kConnectTimeoutS = 30;
inline constexpr long kStallTimeoutS = 60;  // less than 1 byte/s for this long ends a download

struct DownloadOptions {
  std::uint64_t max_bytes = 0;     // 0: no cap; more ends the download with an error
  bool allow_file_urls = false;    // file:// too (for sources the user named locally), else http(s) only
  DownloadCallback progress;
  const std::atomic<bool>* cancel = nullptr;
};

// Writes the body of `url` to `target` (created or truncated) and returns its size in bytes.
// Throws not_found for HTTP 404/410, io for other HTTP and network errors, cancelled when asked to stop.
std::uint64_t download(const std::string& url, const std::filesystem::path& target, const DownloadOptions& options);

bool is_http_url(const std::string& s);  // "http://..." or "https://..."
bool is_file_url(const std::string& s);  // "file://..."

}  // namespace deepimage::pull
