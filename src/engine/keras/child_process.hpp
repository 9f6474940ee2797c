// run_in_child — runs a piece of work in a forked child process, with a processor-time limit, and
// returns what it produced.
//
//   ChildResult r = run_in_child([&] { return read_everything(bytes); }, {.cpu_seconds = 10});
//   if (r.end == ChildResult::End::finished) use(r.output);
//
// For work handed to a library that can crash or loop forever on a hostile file (Debian's libhdf5 1.10
// does both: docs/reliability.md): only the child dies, and the caller words the error. The child
// - is killed after `cpu_seconds` of processor time (RLIMIT_CPU: SIGXCPU, then SIGKILL a second later);
// - may map `extra_address_space` bytes more than it has when it starts (RLIMIT_AS), so an allocation
//   a corrupt file asks for fails instead of costing gigabytes of page faults;
// - dies with its parent (PR_SET_PDEATHSIG), so a run killed meanwhile leaves no reader spinning;
// - writes no core file, and leaves by _exit: no atexit handler or destructor of the parent's objects.
// Under AddressSanitizer an inherited death callback (a fuzzer's) is dropped in the child, so a crash
// there is the caller's error to report, not the fuzzer's finding.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace deepimage::engine::keras {

struct ChildResult {
  enum class End { finished, crashed, out_of_time };
  End end = End::finished;
  std::string output;  // what the work returned (finished only)
  std::string how;     // crashed: "signal 11", "exit status 1"
};

struct ChildLimits {
  unsigned cpu_seconds = 10;
  // 0: no limit. Not applied under AddressSanitizer, whose shadow memory needs a huge address space.
  std::uint64_t extra_address_space = 0;
};

// Throws Error(io) when no pipe or process can be made.
ChildResult run_in_child(const std::function<std::string()>& work, const ChildLimits& limits);

}  // namespace deepimage::engine::keras
