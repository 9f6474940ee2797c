// OpenMP threads wait passively unless the user says otherwise.
//
// LibTorch, oneDNN and OpenBLAS share libgomp's thread pool. Between parallel regions its idle
// threads spin; on a machine where another process wants a core, the spinning threads and the
// one doing work take turns on it, and a small tile went from 1.7 ms to 380 ms (docs/performance.md).
// OMP_WAIT_POLICY=PASSIVE makes idle threads sleep instead. libgomp reads the variable once, in its
// constructor, before main() runs, so setting it in main() is too late; the process has to start
// again with it set.
//
// Why here: a function in the executable's .preinit_array runs after the dynamic loader has mapped
// and relocated every library but before any library constructor (libgomp's, and LibTorch's
// registration of its thousands of operators, which is most of the start-up time). Re-executing at
// that point costs only the mapping and relocation again (about 0.1 s), not a whole start. Only the
// commands that run a model do it, and never when OMP_WAIT_POLICY is already set (by the user, or
// by us: so it happens at most once). If exec fails the process simply goes on, spinning.
#include <alloca.h>
#include <unistd.h>

#include <cstring>

namespace {

bool runs_a_model(const char* command) {
  return command && (std::strcmp(command, "run") == 0 || std::strcmp(command, "test") == 0 ||
                     std::strcmp(command, "bench") == 0);
}

void restart_with_passive_wait(int argc, char** argv, char** envp) {
  if (argc < 2 || !runs_a_model(argv[1]) || envp == nullptr) return;
  std::size_t n = 0;
  for (; envp[n]; ++n)
    if (std::strncmp(envp[n], "OMP_WAIT_POLICY=", 16) == 0) return;
  // No malloc yet: libc and the allocator have not been initialised.
  auto** env = static_cast<char**>(alloca((n + 2) * sizeof(char*)));
  std::memcpy(env, envp, n * sizeof(char*));
  static char passive[] = "OMP_WAIT_POLICY=PASSIVE";
  env[n] = passive;
  env[n + 1] = nullptr;
  execve("/proc/self/exe", argv, env);
}

}  // namespace

// glibc calls the executable's pre-initialisers with (argc, argv, envp).
__attribute__((section(".preinit_array"), used)) void (*const deepimage_preinit)(int, char**, char**) =
    restart_with_passive_wait;
