// FrontEnd — the web pages: the built single-page app's files (index.html and its assets) from one
// folder. A path that names a file in it gets that file; any other path gets index.html, so the app's
// own routes (/models/ID, /runs/ID, ...) load it; a missing asset (a path ending in .js, .css, ...)
// is 404. Paths with "..", "." or hidden segments, and files reached through a link out of the
// folder, are refused. Without a built front end every page is a short note saying so (the API works).
#pragma once

#include <filesystem>

namespace httplib {
struct Request;
struct Response;
}

namespace deepimage::server {

class FrontEnd {
 public:
  explicit FrontEnd(const std::filesystem::path& folder);  // empty or without index.html: not built
  bool built() const { return !root_.empty(); }
  const std::filesystem::path& root() const { return root_; }
  void answer(const httplib::Request& req, httplib::Response& res) const;

 private:
  std::filesystem::path root_;  // canonical
};

}  // namespace deepimage::server
