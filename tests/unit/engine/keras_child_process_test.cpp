// run_in_child: what the work returns comes back whole; a crash, a throw and a loop are told apart; the
// child does not outlive its parent.
#include "engine/keras/child_process.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace deepimage::engine::keras {
namespace {

TEST(ChildProcess, TheWorksOutputComesBackWhole) {
  std::string expected(3 << 20, '\0');  // larger than a pipe holds: the parent must read while the child writes
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<char>(i * 7 + i / 4096);
  const ChildResult r = run_in_child([&] { return expected; }, {.cpu_seconds = 10});
  EXPECT_EQ(r.end, ChildResult::End::finished);
  EXPECT_TRUE(r.output == expected);
}

TEST(ChildProcess, ACrashOrAThrowIsToldWithHowTheChildEnded) {
  const ChildResult crash = run_in_child([]() -> std::string { std::abort(); }, {.cpu_seconds = 10});
  EXPECT_EQ(crash.end, ChildResult::End::crashed);
  EXPECT_EQ(crash.how, "signal " + std::to_string(SIGABRT));
  EXPECT_EQ(crash.output, "");
  const ChildResult thrown = run_in_child([]() -> std::string { throw std::runtime_error("x"); }, {.cpu_seconds = 10});
  EXPECT_EQ(thrown.end, ChildResult::End::crashed);
  EXPECT_EQ(thrown.how, "exit status 2");
}

TEST(ChildProcess, AWorkThatLoopsIsStoppedAtItsProcessorTimeLimit) {
  const ChildResult r = run_in_child(
      []() -> std::string {
        volatile std::uint64_t spins = 0;
        for (;;) spins = spins + 1;
      },
      {.cpu_seconds = 1});
  EXPECT_EQ(r.end, ChildResult::End::out_of_time) << r.how;
}

// A process that dies (here: SIGKILL) while its reader works takes the reader with it.
TEST(ChildProcess, TheChildDiesWithItsParent) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {  // the parent of the reader: tells the reader's pid, then waits in run_in_child
    ::close(fds[0]);
    run_in_child(
        [&]() -> std::string {
          const pid_t me = ::getpid();
          if (::write(fds[1], &me, sizeof me) != sizeof me) std::abort();
          for (;;) ::pause();
        },
        {.cpu_seconds = 100});
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t reader = 0;
  ASSERT_EQ(::read(fds[0], &reader, sizeof reader), static_cast<ssize_t>(sizeof reader));
  ::close(fds[0]);
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  // Gone, or a zombie waiting for init to reap it: either way no longer running.
  const auto running = [reader] {
    std::ifstream stat("/proc/" + std::to_string(reader) + "/stat");
    std::string pid, name, state;
    return stat >> pid >> name >> state && state != "Z";
  };
  for (int tries = 0; tries < 500 && running(); ++tries) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(running()) << "the reader " << reader << " outlived its parent";
  if (running()) ::kill(reader, SIGKILL);
}

}  // namespace
}  // namespace deepimage::engine::keras
