// Errors at the HTTP boundary: a deepimage::Error becomes a status and a JSON body
// `{"error": "<the one-line message>"}`, written once where the problem was found.
#pragma once

#include <string>

#include "deepimage/error.hpp"

namespace httplib {
struct Response;
}

namespace deepimage::server {

// invalid_argument 400, not_found 404, unsupported and bad_model 422, cancelled 409,
// out_of_memory 503, the rest 500.
int http_status(ErrorCode code);

// Sets the status and the JSON error body.
void send_error(httplib::Response& res, int status, const std::string& message);
void send_error(httplib::Response& res, const Error& error);

}  // namespace deepimage::server
