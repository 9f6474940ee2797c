// The machine's FP32 FMA ceiling: GFLOP/s of a loop that does nothing but independent fused
// multiply-adds, for AVX2 (8 lanes) and AVX-512 (16 lanes), on 1 thread and on N threads at once.
// Every figure in docs/performance.md is also shown as a fraction of this limit.
//
//   build-bench/bench/fma_peak [--threads N] [--seconds S] [--json]
//
// Why 12 accumulators: an FMA has a latency of 4 cycles and a core issues up to 2 per cycle, so
// at least 8 independent chains are needed to keep both pipes busy; 12 leaves margin and, with the
// two constants, still fits the 16 AVX2 registers (more would spill to memory and measure loads).
// One FMA on a vector of L floats counts as 2 * L FLOP.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kChains = 12;
constexpr long kInner = 1 << 16;  // FMAs per chain between clock reads

__attribute__((target("avx2,fma"))) float run_avx2(long blocks) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(1.0f + 0.001f * static_cast<float>(i));
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long blk = 0; blk < blocks; ++blk)
    for (long k = 0; k < kInner; ++k)
#pragma GCC unroll 12  // keeps acc[] in registers: one FMA per chain per iteration, no loads
      for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0];  // returned so the loop is not optimised away
}

__attribute__((target("avx512f"))) float run_avx512(long blocks) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(1.0f + 0.001f * static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long blk = 0; blk < blocks; ++blk)
    for (long k = 0; k < kInner; ++k)
#pragma GCC unroll 12
      for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm512_add_ps(s, acc[i]);
  float out[16];
  _mm512_storeu_ps(out, s);
  return out[0];
}

struct Isa {
  const char* name;
  int lanes;
  float (*run)(long);
  bool supported;
};

// GFLOP/s of `threads` threads each running the loop for about `seconds`.
double measure(const Isa& isa, int threads, double seconds) {
  // Calibrate the block count on one thread so the timed run lasts about `seconds`.
  auto t0 = std::chrono::steady_clock::now();
  isa.run(4);
  const double per_block = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 4;
  const long blocks = std::max(1L, static_cast<long>(seconds / per_block));
  std::vector<double> elapsed(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  volatile float sink = 0;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      const auto s = std::chrono::steady_clock::now();
      sink = isa.run(blocks);
      elapsed[static_cast<std::size_t>(t)] = std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count();
    });
  for (auto& th : pool) th.join();
  const double flop = 2.0 * isa.lanes * kChains * static_cast<double>(kInner) * static_cast<double>(blocks) * threads;
  return flop / *std::max_element(elapsed.begin(), elapsed.end()) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double seconds = 1.0;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--json") json = true;
    else {
      std::fprintf(stderr, "error: unknown argument \"%s\" (expected --threads N, --seconds S, --json)\n", argv[i]);
      return 2;
    }
  }
  if (threads < 1 || seconds <= 0) {
    std::fprintf(stderr, "error: --threads must be >= 1 and --seconds > 0\n");
    return 2;
  }
  __builtin_cpu_init();
  const Isa isas[] = {{"avx2", 8, run_avx2, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")},
                      {"avx512", 16, run_avx512, static_cast<bool>(__builtin_cpu_supports("avx512f"))}};
  std::string out = json ? "{" : "";
  bool first = true;
  for (const Isa& isa : isas) {
    if (!isa.supported) continue;
    const double one = measure(isa, 1, seconds), all = measure(isa, threads, seconds);
    if (json) {
      out += std::string(first ? "" : ", ") + "\"" + isa.name + "\": {\"gflops_1_thread\": " + std::to_string(one) +
             ", \"threads\": " + std::to_string(threads) + ", \"gflops_all_threads\": " + std::to_string(all) + "}";
    } else {
      std::printf("%-7s fp32 FMA: %8.1f GFLOP/s on 1 thread, %8.1f GFLOP/s on %d threads\n", isa.name, one, all, threads);
    }
    first = false;
  }
  if (json) std::printf("%s}\n", out.c_str());
  return 0;
}
