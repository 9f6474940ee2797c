// RequestGuard — which requests a local server answers at all. A web page from another site open in
// the same browser can send requests to 127.0.0.1 too; two checks keep it out:
//  - Host: on a loopback address, only "127.0.0.1:PORT", "localhost:PORT" or "[::1]:PORT" (a DNS
//    rebinding attack arrives with the attacker's host name);
//  - Origin: a POST or DELETE that carries an Origin header (browsers add it to cross-site requests)
//    must come from this server's own origin, so another site's form cannot start runs or pulls.
// Clients that are not browsers (curl, scripts) send no Origin and pass.
#pragma once

#include <string>

namespace httplib {
struct Request;
}

namespace deepimage::server {

class RequestGuard {
 public:
  explicit RequestGuard(std::string bound_host) : bound_host_(std::move(bound_host)) {}
  void set_port(int port) { port_ = port; }
  // Empty when allowed; else why not, one line.
  std::string refusal(const httplib::Request& req) const;

 private:
  bool loopback() const;
  bool allowed_host(const std::string& host) const;
  std::string bound_host_;
  int port_ = 0;
};

}  // namespace deepimage::server
