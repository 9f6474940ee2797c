#include "interrupt.hpp"

#include <csignal>

namespace deepimage::cli {
namespace {

std::atomic<bool> interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");

extern "C" void on_signal(int signal_number) {
  interrupted.store(true);
  std::signal(signal_number, SIG_DFL);  // the next one stops the process at once
}

}  // namespace

const std::atomic<bool>* interrupt_flag() {
  static const bool installed = [] {
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    return true;
  }();
  (void)installed;
  return &interrupted;
}

}  // namespace deepimage::cli
