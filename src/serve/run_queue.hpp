// RunQueue — the server's runs: queued in order, run `jobs` at a time on worker threads (one by
// default: a run uses every core, two would only share them), watched by status requests and event
// streams, cancelled on request. A run's files live in its RunStore folder; a run that fails or is
// cancelled has its folder removed at once, so it leaves no files. Finished runs are kept for their
// downloads, `keep` of them: when one more finishes, the oldest finished run is forgotten and its
// files removed (a server left open for days does not fill the disk).
//
//   RunQueue queue(store, 1, 20);            // one at a time, the last 20 finished runs kept
//   queue.submit(job);                       // state "queued", then "running", then "done"/"failed"
//   queue.wait_for_change(id, seen, 1s);     // the status once its version passes `seen`
//   queue.cancel(id);                        // DELETE: stops it before its next tile, removes its files
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "serve/run_execution.hpp"
#include "serve/run_status.hpp"
#include "serve/run_store.hpp"

namespace deepimage::server {

class RunQueue {
 public:
  RunQueue(const RunStore& store, int jobs, int keep);
  ~RunQueue();  // cancels what runs, drops what waits, removes every run's folder
  RunQueue(const RunQueue&) = delete;
  RunQueue& operator=(const RunQueue&) = delete;

  void submit(RunJob job);
  std::optional<RunStatus> status(const std::string& id) const;
  std::vector<RunStatus> list() const;  // newest first
  // The status once its version differs from `seen_version` (at once if it does already), or after
  // `timeout` as it is then; nullopt for an unknown id.
  std::optional<RunStatus> wait_for_change(const std::string& id, std::uint64_t seen_version, std::chrono::milliseconds timeout) const;
  // DELETE: a queued run is dropped, a running one stopped before its next tile (waiting up to
  // `timeout` for it to stop); either way its folder goes and its state becomes "cancelled". A finished
  // run's files are removed and the run forgotten. Returns the status; nullopt for an unknown id.
  std::optional<RunStatus> cancel(const std::string& id, std::chrono::milliseconds timeout);
  // The folder of a run whose files may be read (input while it exists, outputs once done); nullopt
  // for an unknown id or a run without files.
  std::optional<std::filesystem::path> folder_of(const std::string& id) const;
  // The server stops: every wait_for_change returns nullopt from now on, so event streams end.
  void release_watchers();

 private:
  struct Entry {
    RunJob job;
    RunStatus status;
    std::atomic<bool> cancel{false};
  };
  void work();
  void run_one(const std::shared_ptr<Entry>& entry);
  RunStatus snapshot_locked(const Entry& entry) const;
  void changed_locked(Entry& entry);
  void forget_locked(const std::string& id);
  void forget_beyond_keep_locked();

  const RunStore& store_;
  const std::size_t keep_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // any status changed (watchers)
  std::condition_variable work_ready_;       // something was queued, or the queue stops
  std::map<std::string, std::shared_ptr<Entry>> runs_;
  std::vector<std::string> order_;           // ids, oldest first
  std::deque<std::string> waiting_;
  bool stopping_ = false;
  bool watchers_released_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace deepimage::server
