// RunStore — where runs keep their files: one folder the server makes (mkdtemp, mode 0700) under the
// system's temporary folder, and in it one folder per run, named by the run's server-made id. Nothing
// a client sends becomes part of a path. The whole folder goes when the store does (the server stops).
//
//   deepimage-serve-Ab12Cd/
//     k3x9.../ input.tif (or input.npy, input.png ...)   out/output0.tif ...
#pragma once

#include <filesystem>
#include <string>

namespace deepimage::server {

class RunStore {
 public:
  RunStore();  // makes the folder; Error(io) when it cannot
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::filesystem::path& root() const { return root_; }
  // A new, empty folder for the run `id` ([a-z0-9]+, made by the server).
  std::filesystem::path create(const std::string& id) const;
  std::filesystem::path folder(const std::string& id) const { return root_ / id; }
  // Removes the run's folder and everything in it; no error when it is gone already.
  void remove(const std::string& id) const;

 private:
  std::filesystem::path root_;
};

// A fresh run id: 16 characters of [a-z0-9] from a random device, so ids cannot be guessed from others.
std::string make_run_id();

}  // namespace deepimage::server
