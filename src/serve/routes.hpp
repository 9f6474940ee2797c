// The JSON API's routes (docs/server.md, docs/server-openapi.yaml) and the pages, on one httplib
// server. Every id in a path is matched by a pattern first ([a-z0-9]+ for runs) and then looked up in
// the server's own lists; file names in a path are looked up in the run's list of outputs. Nothing a
// client sends is joined to a path.
#pragma once

#include <atomic>
#include <cstdint>

namespace httplib {
class Server;
}

namespace deepimage::server {

class ModelCatalog;
class RunStore;
class RunQueue;
class FrontEnd;

struct ServerParts {
  ModelCatalog& catalog;
  const RunStore& store;
  RunQueue& queue;
  const FrontEnd& front_end;
  std::uint64_t max_upload;
  const std::atomic<bool>* stop;  // the server's stop flag (pulls end with it); may be nullptr
};

void add_api_routes(httplib::Server& server, ServerParts& parts);
// Last: GET of any other path is a page of the front end.
void add_page_routes(httplib::Server& server, ServerParts& parts);

}  // namespace deepimage::server
