#include "serve/request_guard.hpp"

#include <httplib.h>

namespace deepimage::server {

bool RequestGuard::loopback() const {
  return bound_host_ == "127.0.0.1" || bound_host_ == "localhost" || bound_host_ == "::1";
}

bool RequestGuard::allowed_host(const std::string& host) const {
  const std::string port = ":" + std::to_string(port_);
  for (const char* name : {"127.0.0.1", "localhost", "[::1]"})
    if (host == name + port || (port_ == 80 && host == name)) return true;
  return false;
}

std::string RequestGuard::refusal(const httplib::Request& req) const {
  const std::string host = req.get_header_value("Host");
  if (loopback() && !allowed_host(host))
    return "host \"" + host + "\" is not this server (expected 127.0.0.1:" + std::to_string(port_) + " or localhost:" +
           std::to_string(port_) + ")";
  if ((req.method == "POST" || req.method == "DELETE" || req.method == "PUT") && req.has_header("Origin")) {
    const std::string origin = req.get_header_value("Origin");
    if (origin != "http://" + host)
      return "origin \"" + origin + "\" is another site: only pages of this server (http://" + host + ") may " + req.method;
  }
  return "";
}

}  // namespace deepimage::server
