// GET /api/runs/{id}/events: a run's progress as server-sent events (text/event-stream).
//
//   event: progress          one per change of the run's progress (each tile; a slow reader gets the
//   data: {...progress...}   latest, never an old one after a newer)
//
//   event: end               once, when the run is done, failed or cancelled (or was forgotten), with
//   data: {...status...}     its status; the stream ends there
//
// A comment line (": waiting") is sent every few seconds while nothing changes, so a client that went
// away is noticed; its going away does not touch the run (DELETE does).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace httplib {
struct Response;
}

namespace deepimage::server {

class RunQueue;

std::string sse_event(const std::string& name, const nlohmann::json& data);
void stream_run_events(httplib::Response& res, const RunQueue& queue, const std::string& id);

}  // namespace deepimage::server
