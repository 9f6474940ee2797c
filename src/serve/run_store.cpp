#include "serve/run_store.hpp"

#include <stdlib.h>  // mkdtemp

#include <mutex>
#include <random>

#include "deepimage/error.hpp"

namespace deepimage::server {

namespace fs = std::filesystem;

RunStore::RunStore() {
  std::string pattern = (fs::temp_directory_path() / "deepimage-serve-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    throw Error(ErrorCode::io, "cannot make the server's folder for runs under \"" + fs::temp_directory_path().string() + "\"");
  root_ = pattern;
}

RunStore::~RunStore() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

fs::path RunStore::create(const std::string& id) const {
  const fs::path folder = root_ / id;
  if (!fs::create_directory(folder)) throw Error(ErrorCode::internal, "run folder \"" + folder.string() + "\" exists already");
  return folder;
}

void RunStore::remove(const std::string& id) const {
  std::error_code ec;
  fs::remove_all(root_ / id, ec);
}

std::string make_run_id() {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  static std::mutex mutex;
  static std::mt19937_64 engine{std::random_device{}()};
  std::lock_guard lock(mutex);
  std::uniform_int_distribution<int> pick(0, 35);
  std::string id(16, 'a');
  for (char& c : id) c = kLetters[pick(engine)];
  return id;
}

}  // namespace deepimage::server
