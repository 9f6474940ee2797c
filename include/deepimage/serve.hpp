// `deepimage serve`: a local web app over the library — a JSON API (docs/server.md,
// docs/server-openapi.yaml) and the front end's static files, served by one process.
//
//   deepimage::ServeOptions o;
//   o.port = 0;                                   // a free port, told to on_listening
//   o.models = "models/";  o.web = "web/dist";
//   o.on_listening = [](const std::string& host, int port) { std::cout << port << std::endl; };
//   o.stop = &flag;                               // set it (from a signal handler) to stop
//   deepimage::serve(o);                          // blocks until stopped; throws deepimage::Error
//
// Runs are queued and run in-process, `jobs` at a time, each in its own folder inside a folder the
// server makes under the system's temporary folder and removes when it stops.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace deepimage {

struct ServeOptions {
  std::string host = "127.0.0.1";      // only this machine, unless told otherwise
  int port = 8080;                     // 0: a free port the system picks
  std::filesystem::path models;        // the models folder; empty: default_models_folder()
  std::filesystem::path web;           // the built front end (index.html and its assets); empty or
                                       // missing: "/" answers a page saying it was not built
  std::uint64_t max_upload = std::uint64_t{512} << 20;  // bytes of one request body; more: 413
  int jobs = 1;                        // runs at the same time (each uses every core)
  int keep_runs = 20;                  // finished runs kept (their files and status); older ones are
                                       // forgotten and their files removed, as by DELETE
  std::function<void(const std::string& host, int port)> on_listening;  // once the socket is bound
  const std::atomic<bool>* stop = nullptr;  // polled; true: stop answering, cancel runs, clean up
};

void serve(const ServeOptions& options);

}  // namespace deepimage
