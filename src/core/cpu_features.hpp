// What this CPU can do, for choices the user makes (`--precision bf16`).
#pragma once

namespace deepimage {

// The thread count an option of `requested` threads means: itself, or every core for 0.
int resolved_thread_count(int requested);

// True when the CPU runs bfloat16 dot products natively: AVX512_BF16 or AMX-BF16 (cpuid leaf 7).
bool cpu_has_bf16();

}  // namespace deepimage
