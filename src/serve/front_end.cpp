#include "serve/front_end.hpp"

#include <algorithm>

#include <httplib.h>

#include "serve/file_response.hpp"
#include "serve/http_error.hpp"

namespace deepimage::server {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNotBuiltPage =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>deepimage</title></head><body>"
    "<h1>deepimage serve</h1><p>The web front end was not built, so there are no pages here; the JSON API "
    "works (<a href=\"/api/models\">/api/models</a>). Build the front end (docs/server.md) or give its folder "
    "with <code>--web DIR</code>.</p></body></html>";

// The request path's segments, or false when one of them could leave the folder or is hidden.
bool safe_segments(const std::string& path, fs::path& relative) {
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string segment = path.substr(start, end - start);
    if (!segment.empty()) {
      if (segment[0] == '.' || segment.find('\\') != std::string::npos || segment.find('\0') != std::string::npos) return false;
      relative /= segment;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

FrontEnd::FrontEnd(const fs::path& folder) {
  std::error_code ec;
  if (!folder.empty() && fs::is_regular_file(folder / "index.html", ec)) root_ = fs::canonical(folder, ec);
  if (ec) root_.clear();
}

void FrontEnd::answer(const httplib::Request& req, httplib::Response& res) const {
  res.set_header("X-Content-Type-Options", "nosniff");
  fs::path relative;
  if (req.path.empty() || req.path[0] != '/' || !safe_segments(req.path, relative)) {
    send_error(res, 404, "no page \"" + req.path + "\"");
    return;
  }
  if (!built()) {
    res.set_content(kNotBuiltPage, "text/html; charset=utf-8");
    return;
  }
  std::error_code ec;
  if (!relative.empty()) {
    const fs::path file = fs::weakly_canonical(root_ / relative, ec);
    const auto [root_end, _] = std::mismatch(root_.begin(), root_.end(), file.begin(), file.end());
    if (!ec && root_end == root_.end() && fs::is_regular_file(file, ec)) {
      send_file(res, file, content_type_of(file));
      return;
    }
    // A script or style sheet that is not there is a 404, not the app's page (which a browser would
    // then fail to parse); other paths, model ids with dots included, are the app's routes.
    const std::string ext = relative.extension().string();
    if (ext == ".js" || ext == ".mjs" || ext == ".css" || ext == ".map" || ext == ".wasm" || ext == ".woff2") {
      send_error(res, 404, "no file \"" + req.path + "\" in the front end");
      return;
    }
  }
  send_file(res, root_ / "index.html", "text/html; charset=utf-8");
}

}  // namespace deepimage::server
