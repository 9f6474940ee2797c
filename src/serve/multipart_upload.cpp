#include "serve/multipart_upload.hpp"

#include <fstream>

#include <httplib.h>

#include "deepimage/error.hpp"

namespace deepimage::server {

namespace {
constexpr std::size_t kMaxFieldBytes = 4096;
}

MultipartUpload read_multipart(const httplib::Request& req, const httplib::ContentReader& reader, std::uint64_t max_bytes,
                               const std::function<std::filesystem::path(const std::string&, const std::string&)>& store_as) {
  MultipartUpload up;
  if (!req.is_multipart_form_data()) {
    up.problem = "the request body must be multipart/form-data";
    return up;
  }
  // Over the limit by its Content-Length: httplib's reader reads the body away and fails (the client,
  // still sending, then gets the answer instead of a reset connection).
  std::uint64_t declared = 0;
  try {
    declared = req.has_header("Content-Length") ? std::stoull(req.get_header_value("Content-Length")) : 0;
  } catch (const std::exception&) {
  }
  std::string part;
  bool is_file = false, had_file = false;
  std::ofstream file;
  std::uint64_t bytes = 0;
  const auto fail = [&](std::string problem, int status = 400) {
    up.problem = std::move(problem), up.status = status;
    return false;
  };
  const bool read = reader(
      [&](const httplib::MultipartFormData& header) {
        part = header.name;
        if (up.fields.count(part) || up.files.count(part)) return fail("field \"" + part + "\" is given twice");
        is_file = !header.filename.empty();
        if (!is_file) {
          up.fields[part] = "";
          return true;
        }
        try {
          const std::filesystem::path path = store_as(part, header.filename);
          up.files[part] = path;
          had_file = true;
          file.close();
          file.clear();
          file.open(path, std::ios::binary);
          return file ? true : fail("the upload could not be stored in the server's folder", 500);
        } catch (const Error& e) {
          return fail(e.what());
        }
      },
      [&](const char* data, std::size_t length) {
        bytes += length;
        if (bytes > max_bytes)
          return fail("the upload is larger than the server's limit of " + std::to_string(max_bytes) + " bytes (--max-upload)", 413);
        if (is_file) {
          file.write(data, static_cast<std::streamsize>(length));
          return file ? true : fail("the upload could not be stored in the server's folder", 500);
        }
        std::string& value = up.fields[part];
        if (value.size() + length > kMaxFieldBytes)
          return fail("field \"" + part + "\" is longer than " + std::to_string(kMaxFieldBytes) + " bytes");
        value.append(data, length);
        return true;
      });
  if (had_file) file.close();  // (closing a stream never opened sets its failbit)
  const bool stored = !had_file || !file.fail();
  if (up.problem.empty() && !read && declared > max_bytes)
    fail("the upload is larger than the server's limit of " + std::to_string(max_bytes) + " bytes (--max-upload)", 413);
  if (up.problem.empty() && !read) fail("the upload ended early or is not well-formed multipart/form-data");
  if (up.problem.empty() && !stored) fail("the upload could not be stored in the server's folder", 500);
  return up;
}

}  // namespace deepimage::server
