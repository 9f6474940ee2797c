// deepimage::serve (include/deepimage/serve.hpp): the parts wired together, the socket bound, and a
// watcher that stops the server when the stop flag turns true.
#include <chrono>
#include <thread>

#include <httplib.h>

#include "deepimage/catalog.hpp"
#include "deepimage/error.hpp"
#include "deepimage/serve.hpp"
#include "serve/front_end.hpp"
#include "serve/http_error.hpp"
#include "serve/model_catalog.hpp"
#include "serve/request_guard.hpp"
#include "serve/routes.hpp"
#include "serve/run_queue.hpp"
#include "serve/run_store.hpp"

namespace deepimage {

namespace {
// Event streams hold a thread each while they last; status requests must still find one free.
constexpr std::size_t kThreads = 32;
}  // namespace

void serve(const ServeOptions& options) {
  namespace fs = std::filesystem;
  if (options.jobs < 1) throw Error(ErrorCode::invalid_argument, "--jobs " + std::to_string(options.jobs) + " is not 1 or more");
  const fs::path models = options.models.empty() ? default_models_folder() : options.models;
  std::error_code ec;
  fs::create_directories(models, ec);  // a first start, before any pull
  if (!fs::is_directory(models)) throw Error(ErrorCode::not_found, "models folder \"" + models.string() + "\" cannot be made");

  server::ModelCatalog catalog(models);
  server::FrontEnd front_end(options.web);
  server::RunStore store;
  if (options.keep_runs < 1)
    throw Error(ErrorCode::invalid_argument, "--keep-runs " + std::to_string(options.keep_runs) + " is not 1 or more");
  server::RunQueue queue(store, options.jobs, options.keep_runs);
  server::ServerParts parts{catalog, store, queue, front_end, options.max_upload, options.stop};
  server::RequestGuard guard(options.host);

  httplib::Server http;
  http.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  http.set_payload_max_length(options.max_upload);
  http.set_keep_alive_timeout(2);
  http.set_pre_routing_handler([&guard](const httplib::Request& req, httplib::Response& res) {
    const std::string why = guard.refusal(req);
    if (why.empty()) return httplib::Server::HandlerResponse::Unhandled;
    server::send_error(res, 403, why);
    return httplib::Server::HandlerResponse::Handled;
  });
  // Answers httplib made itself (413 over the size limit, 404 for a method without a route) as JSON.
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) server::send_error(res, 413, "the upload is larger than the server's limit (--max-upload)");
    else server::send_error(res, res.status, "no route for " + req.method + " " + req.path);
  });
  server::add_api_routes(http, parts);
  server::add_page_routes(http, parts);

  const int port = options.port == 0 ? http.bind_to_any_port(options.host) : (http.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port < 0)
    throw Error(ErrorCode::io, "cannot listen on " + options.host + ":" + std::to_string(options.port) + " (in use, or not an address of this machine)");
  guard.set_port(port);
  if (options.on_listening) options.on_listening(options.host, port);

  std::atomic<bool> watching = true;
  std::thread watcher;
  if (options.stop)
    watcher = std::thread([&] {
      while (watching && !*options.stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      queue.release_watchers();  // event streams end, so the server's threads can finish
      http.stop();
    });
  http.listen_after_bind();
  watching = false;
  if (watcher.joinable()) watcher.join();
  // queue, then store, go here: runs are cancelled and every run folder removed.
}

}  // namespace deepimage
