// ShardSpec — which share of a run's output chunks this process computes: `--shard I/N` (0-based,
// 0 <= I < N) or `--shard auto`, taken from a Slurm job array's environment.
//
//   ShardSpec s = parse_shard("2/8", std::getenv);               // {.index = 2, .count = 8}
//   ShardSpec t = parse_shard("auto", std::getenv);              // SLURM_ARRAY_TASK_ID etc.
//   auto [first, last] = s.units(1000);                         // units [250, 375) of 1000
//
// `auto`: I = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP (1 when unset),
// N = SLURM_ARRAY_TASK_COUNT; `sbatch --array=0-7` (or 1-8, or 0-14:2) gives shards 0/8 .. 7/8.
// Shard I of N takes units [I*U/N, (I+1)*U/N) of U: contiguous, sizes differing by at most one, and
// none when there are more shards than units.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace deepimage::run {

struct ShardSpec {
  std::int64_t index = 0;
  std::int64_t count = 1;
  std::pair<std::int64_t, std::int64_t> units(std::int64_t total) const {
    return {index * total / count, (index + 1) * total / count};
  }
};

// `environment` reads a variable (nullptr when unset), as std::getenv does. Throws invalid_argument
// with one line quoting the value and saying what was expected.
ShardSpec parse_shard(const std::string& text, const std::function<const char*(const char*)>& environment);

}  // namespace deepimage::run
