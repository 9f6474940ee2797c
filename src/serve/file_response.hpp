// A file as an HTTP response, streamed from disk in pieces (an output TIFF may be gigabytes), with
// its content type and, for downloads, `Content-Disposition: attachment` under a server-made name.
#pragma once

#include <filesystem>
#include <string>

namespace httplib {
struct Response;
}

namespace deepimage::server {

// `download_name` empty: shown inline. Error(not_found/io) when the file cannot be opened.
void send_file(httplib::Response& res, const std::filesystem::path& file, const std::string& content_type,
               const std::string& download_name = "");

// By extension: text/html, application/javascript, text/css, image/png, image/tiff, ...;
// application/octet-stream for the rest.
std::string content_type_of(const std::filesystem::path& file);

}  // namespace deepimage::server
