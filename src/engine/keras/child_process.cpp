#include "engine/keras/child_process.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>

#include "deepimage/error.hpp"

#ifdef DEEPIMAGE_SANITIZE  // cmake/sanitizers.cmake
#include <sanitizer/common_interface_defs.h>
#endif

namespace deepimage::engine::keras {
namespace {

void write_all(int fd, const std::string& data) {
  for (std::size_t at = 0; at < data.size();) {
    const ssize_t n = ::write(fd, data.data() + at, data.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the parent went away: nothing to tell
    at += static_cast<std::size_t>(n);
  }
}

// RLIMIT_AS: what the process maps now, and `extra` more.
void limit_address_space(std::uint64_t extra) {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  if (!(statm >> pages)) return;
  const std::uint64_t room = pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) + extra;
  rlimit current{};
  if (::getrlimit(RLIMIT_AS, &current) != 0 || (current.rlim_cur != RLIM_INFINITY && current.rlim_cur <= room)) return;
  const rlimit lower{room, room};
  ::setrlimit(RLIMIT_AS, &lower);
}

[[noreturn]] void be_the_child(const std::function<std::string()>& work, const ChildLimits& limits, pid_t parent, int out) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);  // the parent died before the line above
#ifdef DEEPIMAGE_SANITIZE
  __sanitizer_set_death_callback(nullptr);
#else
  if (limits.extra_address_space > 0) limit_address_space(limits.extra_address_space);
#endif
  const rlimit no_core{0, 0}, cpu{limits.cpu_seconds, limits.cpu_seconds + 1};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::setrlimit(RLIMIT_CPU, &cpu);
  std::string output;
  try {
    output = work();
  } catch (...) {
    ::_exit(2);  // work reports its own errors in its output; anything else is a failure of the child
  }
  write_all(out, output);
  ::close(out);
  ::_exit(0);
}

}  // namespace

ChildResult run_in_child(const std::function<std::string()>& work, const ChildLimits& limits) {
  int fds[2];
  if (::pipe(fds) != 0) throw Error(ErrorCode::io, std::string("cannot make a pipe for a reader process (") + std::strerror(errno) + ")");
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]), ::close(fds[1]);
    throw Error(ErrorCode::io, std::string("cannot start a reader process (") + std::strerror(errno) + ")");
  }
  if (child == 0) {
    ::close(fds[0]);
    be_the_child(work, limits, parent, fds[1]);
  }
  ::close(fds[1]);
  ChildResult result;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  while (::wait4(child, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return result;
  result.output.clear();
  const double cpu_used = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                          1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  const bool out_of_time = WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU ||
                                                   (WTERMSIG(status) == SIGKILL && cpu_used >= limits.cpu_seconds));
  result.end = out_of_time ? ChildResult::End::out_of_time : ChildResult::End::crashed;
  result.how = WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status)) : "exit status " + std::to_string(WEXITSTATUS(status));
  return result;
}

}  // namespace deepimage::engine::keras
