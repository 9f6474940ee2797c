#include "serve/run_queue.hpp"

#include <algorithm>

#include "deepimage/error.hpp"

namespace deepimage::server {

namespace fs = std::filesystem;

RunQueue::RunQueue(const RunStore& store, int jobs, int keep) : store_(store), keep_(static_cast<std::size_t>(std::max(1, keep))) {
  for (int i = 0; i < std::max(1, jobs); ++i) workers_.emplace_back([this] { work(); });
}

RunQueue::~RunQueue() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    watchers_released_ = true;
    for (auto& [id, entry] : runs_) entry->cancel = true;
  }
  work_ready_.notify_all();
  changed_.notify_all();
  for (std::thread& t : workers_) t.join();
  for (const auto& [id, entry] : runs_) store_.remove(id);
}

void RunQueue::forget_locked(const std::string& id) {
  const std::shared_ptr<Entry> entry = runs_.at(id);
  store_.remove(id);
  runs_.erase(id);
  order_.erase(std::find(order_.begin(), order_.end(), id));
  ++entry->status.version;  // watchers of it see it gone
  changed_.notify_all();
}

void RunQueue::forget_beyond_keep_locked() {
  std::vector<std::string> finished;  // oldest first
  for (const std::string& id : order_)
    if (is_finished(runs_.at(id)->status.state)) finished.push_back(id);
  for (std::size_t k = 0; k + keep_ < finished.size(); ++k) forget_locked(finished[k]);
}

void RunQueue::changed_locked(Entry& entry) {
  ++entry.status.version;
  changed_.notify_all();
}

RunStatus RunQueue::snapshot_locked(const Entry& entry) const {
  RunStatus s = entry.status;
  s.position = 0;
  if (s.state == RunState::queued) {
    const auto it = std::find(waiting_.begin(), waiting_.end(), s.id);
    s.position = static_cast<std::size_t>(it - waiting_.begin()) + 1;
  }
  return s;
}

void RunQueue::submit(RunJob job) {
  auto entry = std::make_shared<Entry>();
  entry->status.id = job.id;
  entry->status.model = job.model_id;
  entry->job = std::move(job);
  {
    std::lock_guard lock(mutex_);
    const std::string id = entry->status.id;
    runs_[id] = entry;
    order_.push_back(id);
    waiting_.push_back(id);
    changed_locked(*entry);
  }
  work_ready_.notify_one();
}

void RunQueue::work() {
  while (true) {
    std::shared_ptr<Entry> entry;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (stopping_) return;
      entry = runs_.at(waiting_.front());
      waiting_.pop_front();
      entry->status.state = RunState::running;
      changed_locked(*entry);
      for (const std::string& id : waiting_) changed_locked(*runs_.at(id));  // their positions moved up
    }
    run_one(entry);
  }
}

void RunQueue::run_one(const std::shared_ptr<Entry>& entry) {
  const RunJob& job = entry->job;
  const std::optional<RunOutput> input = make_input_tiff(job);
  {
    std::lock_guard lock(mutex_);
    entry->status.has_input = input.has_value();
    if (input) entry->status.input = *input;
    changed_locked(*entry);
  }
  const ProgressCallback progress = [&](const ProgressEvent& event) {
    std::lock_guard lock(mutex_);
    entry->status.progress = event;
    changed_locked(*entry);
  };
  RunResult result;
  RunState state = RunState::done;
  std::string error;
  try {
    result = execute_run(job, progress, &entry->cancel);
  } catch (const Error& e) {
    state = e.code() == ErrorCode::cancelled ? RunState::cancelled : RunState::failed;
    error = e.code() == ErrorCode::cancelled ? "" : e.what();
  } catch (const std::exception& e) {  // filesystem, allocation: still one line in the status
    state = RunState::failed;
    error = e.what();
  }
  if (state == RunState::done && entry->cancel) state = RunState::cancelled;  // cancelled after the last tile
  if (state != RunState::done) store_.remove(job.id);
  // run_example saved its input as input.tif
  const std::optional<RunOutput> example = state == RunState::done && job.request.example ? make_input_tiff(job) : std::nullopt;
  std::lock_guard lock(mutex_);
  entry->status.state = state;
  entry->status.error = error;
  entry->status.outputs = result.outputs;
  entry->status.objects = result.objects;
  if (state != RunState::done) entry->status.has_input = false;
  if (example) entry->status.has_input = true, entry->status.input = *example;
  changed_locked(*entry);
  forget_beyond_keep_locked();
}

std::optional<RunStatus> RunQueue::status(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(id);
  if (it == runs_.end()) return std::nullopt;
  return snapshot_locked(*it->second);
}

std::vector<RunStatus> RunQueue::list() const {
  std::lock_guard lock(mutex_);
  std::vector<RunStatus> all;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) all.push_back(snapshot_locked(*runs_.at(*it)));
  return all;
}

std::optional<RunStatus> RunQueue::wait_for_change(const std::string& id, std::uint64_t seen_version,
                                                   std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  const auto it = runs_.find(id);
  if (it == runs_.end()) return std::nullopt;
  const std::shared_ptr<Entry> entry = it->second;
  changed_.wait_for(lock, timeout, [&] { return watchers_released_ || entry->status.version != seen_version; });
  if (watchers_released_) return std::nullopt;
  return snapshot_locked(*entry);
}

std::optional<RunStatus> RunQueue::cancel(const std::string& id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto it = runs_.find(id);
  if (it == runs_.end()) return std::nullopt;
  const std::shared_ptr<Entry> entry = it->second;
  switch (entry->status.state) {
    case RunState::queued:
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), id));
      store_.remove(id);
      entry->status.state = RunState::cancelled;
      entry->status.has_input = false;
      changed_locked(*entry);
      for (const std::string& other : waiting_) changed_locked(*runs_.at(other));
      break;
    case RunState::running:
      entry->cancel = true;
      changed_.wait_for(lock, timeout, [&] { return is_finished(entry->status.state); });
      break;
    case RunState::done:
    case RunState::failed:
    case RunState::cancelled: {
      const RunStatus last = snapshot_locked(*entry);
      forget_locked(id);
      return last;
    }
  }
  return snapshot_locked(*entry);
}

void RunQueue::release_watchers() {
  std::lock_guard lock(mutex_);
  watchers_released_ = true;
  changed_.notify_all();
}

std::optional<fs::path> RunQueue::folder_of(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = runs_.find(id);
  if (it == runs_.end()) return std::nullopt;
  const RunStatus& s = it->second->status;
  if (s.state == RunState::failed || s.state == RunState::cancelled) return std::nullopt;
  return store_.folder(id);
}

}  // namespace deepimage::server
