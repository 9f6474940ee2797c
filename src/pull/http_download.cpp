#include "pull/http_download.hpp"

#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>

#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"

namespace deepimage::pull {
namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The reason phrases of the statuses a model download meets; the number alone says the rest.
std::string http_status(long code) {
  const char* phrase = code == 400   ? " Bad Request"
                       : code == 401 ? " Unauthorized"
                       : code == 403 ? " Forbidden"
                       : code == 404 ? " Not Found"
                       : code == 410 ? " Gone"
                       : code == 429 ? " Too Many Requests"
                       : code == 500 ? " Internal Server Error"
                       : code == 502 ? " Bad Gateway"
                       : code == 503 ? " Service Unavailable"
                       : code == 504 ? " Gateway Timeout"
                                     : "";
  return "HTTP " + std::to_string(code) + phrase;
}

// What the libcurl callbacks share with download().
struct Transfer {
  std::FILE* file = nullptr;
  std::uint64_t written = 0, max_bytes = 0;
  bool over_cap = false, cancelled = false, write_failed = false;
  std::exception_ptr callback_error;  // an exception may not cross libcurl's C frames: kept, rethrown after
  const DownloadOptions* options = nullptr;
  DownloadProgress progress;
  std::chrono::steady_clock::time_point start, last_report;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t.max_bytes && t.written + n > t.max_bytes) {
    t.over_cap = true;
    return 0;  // anything but n stops the transfer
  }
  if (std::fwrite(data, 1, n, t.file) != n) {
    t.write_failed = true;
    return 0;
  }
  t.written += n;
  return n;
}

int on_progress(void* user, curl_off_t total, curl_off_t done, curl_off_t, curl_off_t) {
  auto& t = *static_cast<Transfer*>(user);
  if (t.options->cancel && t.options->cancel->load()) {
    t.cancelled = true;
    return 1;  // non-zero aborts
  }
  const auto now = std::chrono::steady_clock::now();
  // A redraw ten times a second is smooth enough and costs nothing next to the transfer.
  if (t.options->progress && now - t.last_report >= std::chrono::milliseconds(100)) {
    t.progress.bytes_done = static_cast<std::uint64_t>(done);
    t.progress.bytes_total = static_cast<std::uint64_t>(total);
    t.progress.elapsed_s = std::chrono::duration<double>(now - t.start).count();
    try {
      t.options->progress(t.progress);
    } catch (...) {
      t.callback_error = std::current_exception();
      return 1;
    }
    t.last_report = now;
  }
  return 0;
}

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

bool is_http_url(const std::string& s) { return starts_with(s, "http://") || starts_with(s, "https://"); }
bool is_file_url(const std::string& s) { return starts_with(s, "file://"); }

std::uint64_t download(const std::string& url, const std::filesystem::path& target, const DownloadOptions& options) {
  const std::string shown = "\"" + url + "\"";
  if (!is_http_url(url) && !(options.allow_file_urls && is_file_url(url)))
    throw Error(ErrorCode::invalid_argument, "cannot download " + shown + ": expected an http:// or https:// URL");
  global_init();
  const std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw Error(ErrorCode::internal, "libcurl could not start a transfer");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(target.c_str(), "wb"), std::fclose);
  if (!file) throw Error(ErrorCode::io, "cannot write \"" + target.string() + "\"");

  Transfer t;
  t.file = file.get();
  t.max_bytes = options.max_bytes;
  t.options = &options;
  t.progress.url = url;
  t.start = t.last_report = std::chrono::steady_clock::now();
  char curl_message[CURL_ERROR_SIZE] = "";
  const std::string agent = "deepimage/" + version();
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_message);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  // A server may redirect to another http(s) host but never to a local file.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, options.allow_file_urls ? "http,https,file" : "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutS);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, kStallTimeoutS);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (options.max_bytes) curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);

  const CURLcode result = curl_easy_perform(c);
  const bool closed = std::fclose(file.release()) == 0;
  if (t.callback_error) std::rethrow_exception(t.callback_error);
  if (options.progress && result == CURLE_OK) {
    t.progress.bytes_done = t.written;
    t.progress.bytes_total = std::max(t.progress.bytes_total, t.written);
    t.progress.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t.start).count();
    t.progress.finished = true;
    options.progress(t.progress);
  }
  if (t.cancelled) throw Error(ErrorCode::cancelled, "download of " + shown + " interrupted");
  if (t.over_cap || result == CURLE_FILESIZE_EXCEEDED)
    throw Error(ErrorCode::io, "cannot download " + shown + ": it is larger than the " + std::to_string(options.max_bytes) +
                                   " bytes allowed");
  if (t.write_failed || (result == CURLE_OK && !closed))
    throw Error(ErrorCode::io, "cannot write \"" + target.string() + "\" while downloading " + shown + " (disk full?)");
  if (result == CURLE_HTTP_RETURNED_ERROR) {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    throw Error(status == 404 || status == 410 ? ErrorCode::not_found : ErrorCode::io,
                "cannot download " + shown + ": " + http_status(status));
  }
  if (result == CURLE_OPERATION_TIMEDOUT)
    throw Error(ErrorCode::io, "cannot download " + shown + ": no data for " + std::to_string(kStallTimeoutS) +
                                   " s (or no connection within " + std::to_string(kConnectTimeoutS) + " s)");
  if (result != CURLE_OK)
    throw Error(is_file_url(url) && result == CURLE_FILE_COULDNT_READ_FILE ? ErrorCode::not_found : ErrorCode::io,
                "cannot download " + shown + ": " + (curl_message[0] ? std::string(curl_message) : curl_easy_strerror(result)));
  return t.written;
}

}  // namespace deepimage::pull
