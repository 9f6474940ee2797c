// Runs the real deepimage CLI for end-to-end tests, as a user would from a shell.
//
//   CliResult r = run_cli({"test", model_dir});
//   EXPECT_EQ(r.exit_code, 0) << r.err;
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace deepimage::testing {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline CliResult run_cli(const std::vector<std::string>& args) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(getpid()) + "_" + std::to_string(counter++);
  const auto out = dir / ("deepimage_cli_out_" + tag), err = dir / ("deepimage_cli_err_" + tag);
  std::string cmd = shell_quote(DEEPIMAGE_CLI);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string());
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

// A fresh empty folder, removed when the object goes.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("deepimage_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Lines in a CLI's output (errors must be one line).
inline int line_count(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

inline std::filesystem::path realdata() { return std::filesystem::path(DEEPIMAGE_SHARED_DIR) / "realdata"; }
inline std::filesystem::path source_dir() { return std::filesystem::path(DEEPIMAGE_SOURCE_DIR); }

#define DEEPIMAGE_REQUIRE_REALDATA()                                                                   \
  do {                                                                                                 \
    if (!std::filesystem::exists(::deepimage::testing::realdata()))                                    \
      GTEST_SKIP() << "../shared/realdata is absent; real-model tests skipped";                        \
  } while (0)

}  // namespace deepimage::testing
