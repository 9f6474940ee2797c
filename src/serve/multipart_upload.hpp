// A multipart/form-data request body read as it arrives: each file part written straight into a
// server-made file (never held whole in memory), each text part kept as a short string. The client's
// file names choose nothing but, through `store_as`, a checked extension.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace httplib {
struct Request;
class ContentReader;
}

namespace deepimage::server {

struct MultipartUpload {
  std::map<std::string, std::string> fields;                  // text parts by name
  std::map<std::string, std::filesystem::path> files;         // file parts by field name
  std::string problem;  // empty when the body was read whole and well-formed
  int status = 400;     // of the problem: 400, or 413 over the size limit
};

// `store_as(field, client_file_name)`: where the part of a file field goes (a server-made path), or
// throws Error(invalid_argument) naming the field when it is not a file field or its type is wrong.
// `file_fields`: names of parts that are files (others are text, at most 4 KiB each).
MultipartUpload read_multipart(const httplib::Request& req, const httplib::ContentReader& reader, std::uint64_t max_bytes,
                               const std::function<std::filesystem::path(const std::string& field, const std::string& client_name)>& store_as);

}  // namespace deepimage::server
