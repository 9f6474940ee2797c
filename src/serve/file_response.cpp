#include "serve/file_response.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>

#include <httplib.h>

#include "deepimage/error.hpp"

namespace deepimage::server {

namespace fs = std::filesystem;

std::string content_type_of(const fs::path& file) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"}, {".js", "application/javascript"}, {".mjs", "application/javascript"},
      {".css", "text/css"},                  {".json", "application/json"},     {".map", "application/json"},
      {".svg", "image/svg+xml"},             {".png", "image/png"},             {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},               {".gif", "image/gif"},             {".ico", "image/x-icon"},
      {".webp", "image/webp"},               {".woff", "font/woff"},            {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},                  {".txt", "text/plain; charset=utf-8"}, {".wasm", "application/wasm"},
      {".tif", "image/tiff"},                {".tiff", "image/tiff"}};
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

void send_file(httplib::Response& res, const fs::path& file, const std::string& content_type, const std::string& download_name) {
  auto stream = std::make_shared<std::ifstream>(file, std::ios::binary);
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(file, ec);
  if (!*stream || ec) throw Error(ErrorCode::not_found, "file \"" + file.filename().string() + "\" cannot be read");
  if (!download_name.empty()) res.set_header("Content-Disposition", "attachment; filename=\"" + download_name + "\"");
  res.set_content_provider(static_cast<std::size_t>(size), content_type,
                           [stream](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             std::vector<char> buffer(std::min<std::size_t>(length, std::size_t{1} << 20));
                             stream->seekg(static_cast<std::streamoff>(offset));
                             stream->read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                             const std::streamsize got = stream->gcount();
                             if (got <= 0) return false;
                             return sink.write(buffer.data(), static_cast<std::size_t>(got));
                           });
}

}  // namespace deepimage::server
