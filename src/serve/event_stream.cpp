#include "serve/event_stream.hpp"

#include <httplib.h>

#include "serve/run_queue.hpp"

namespace deepimage::server {

std::string sse_event(const std::string& name, const nlohmann::json& data) {
  return "event: " + name + "\ndata: " + data.dump() + "\n\n";
}

void stream_run_events(httplib::Response& res, const RunQueue& queue, const std::string& id) {
  res.set_header("Cache-Control", "no-cache");
  struct State {
    std::uint64_t seen = 0;
    std::size_t tiles_sent = static_cast<std::size_t>(-1);
    double elapsed_sent = -1;
  };
  auto state = std::make_shared<State>();
  res.set_chunked_content_provider("text/event-stream", [&queue, id, state](std::size_t, httplib::DataSink& sink) {
    const auto write = [&](const std::string& text) { return sink.write(text.data(), text.size()); };
    const std::optional<RunStatus> status = queue.wait_for_change(id, state->seen, std::chrono::seconds(5));
    if (!status) {  // forgotten (DELETE of a finished run), or the server stops
      write(sse_event("end", {{"id", id}, {"state", queue.status(id) ? "server stopped" : "deleted"}}));
      sink.done();
      return true;
    }
    if (status->version == state->seen) return write(": waiting\n\n");
    state->seen = status->version;
    const ProgressEvent& p = status->progress;
    if (p.tiles_done != state->tiles_sent || p.elapsed_s != state->elapsed_sent) {
      state->tiles_sent = p.tiles_done, state->elapsed_sent = p.elapsed_s;
      if (!write(sse_event("progress", to_json(p)))) return false;
    }
    if (is_finished(status->state)) {
      write(sse_event("end", to_json(*status)));
      sink.done();
    }
    return true;
  });
}

}  // namespace deepimage::server
