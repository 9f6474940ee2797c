#include "serve/http_error.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace deepimage::server {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return 400;
    case ErrorCode::not_found: return 404;
    case ErrorCode::unsupported:
    case ErrorCode::bad_model: return 422;
    case ErrorCode::cancelled: return 409;
    case ErrorCode::out_of_memory: return 503;
    case ErrorCode::io:
    case ErrorCode::engine:
    case ErrorCode::internal: return 500;
  }
  return 500;
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  // One line, whatever the message held (a library message is one line already).
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  res.set_content(nlohmann::json{{"error", line}}.dump(), "application/json");
}

void send_error(httplib::Response& res, const Error& error) { send_error(res, http_status(error.code()), error.what()); }

}  // namespace deepimage::server
