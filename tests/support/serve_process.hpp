// `deepimage serve` as a child process for API tests: started on a free port (--port 0), with its own
// TMPDIR so the test can see every folder it makes; the port is read from the line it prints.
//
//   ServeProcess server({"--models", models.string()}, tmp.path());
//   httplib::Client client("127.0.0.1", server.port());
//   server.interrupt();                 // SIGINT, as Ctrl-C
//   int code = server.wait();           // its exit code
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace deepimage::testing {

class ServeProcess {
 public:
  ServeProcess(const std::vector<std::string>& args, const std::filesystem::path& tmpdir) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      setenv("TMPDIR", tmpdir.c_str(), 1);
      std::vector<std::string> all = {DEEPIMAGE_CLI, "serve", "--port", "0"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
    // "listening on http://127.0.0.1:PORT/"
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char c[256];
      const ssize_t n = read(out_, c, sizeof c);
      if (n <= 0) break;
      line.append(c, static_cast<std::size_t>(n));
    }
    first_line_ = line.substr(0, line.find('\n'));
    const std::size_t colon = first_line_.rfind(':');
    if (first_line_.rfind("listening on http://", 0) != 0 || colon == std::string::npos)
      throw std::runtime_error("deepimage serve did not say where it listens: \"" + first_line_ + "\"");
    port_ = std::stoi(first_line_.substr(colon + 1));
  }
  ~ServeProcess() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  const std::string& first_line() const { return first_line_; }
  void interrupt() const { kill(pid_, SIGINT); }
  // The exit code, or 128 + signal; -1 when it did not end within `timeout` (it is then killed).
  int wait(std::chrono::seconds timeout = std::chrono::seconds(120)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        waited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
  bool waited_ = false;
  std::string first_line_;
};

}  // namespace deepimage::testing
