#include "run/shard_spec.hpp"

#include <charconv>

#include "deepimage/error.hpp"

namespace deepimage::run {
namespace {

// A whole decimal number, all of `text`; nullopt otherwise (signs, spaces, overflow).
bool parse_count(const std::string& text, std::int64_t& value) {
  const char* end = text.data() + text.size();
  const auto [at, ec] = std::from_chars(text.data(), end, value);
  return !text.empty() && text[0] != '-' && ec == std::errc() && at == end;
}

}  // namespace

ShardSpec parse_shard(const std::string& text, const std::function<const char*(const char*)>& environment) {
  if (text == "auto") {
    const auto variable = [&](const char* name, bool required, std::int64_t fallback) {
      const char* value = environment(name);
      if (!value) {
        if (!required) return fallback;
        throw Error(ErrorCode::invalid_argument, std::string("--shard auto: ") + name +
                                                     " is not set (run it as a task of a Slurm job array, e.g. sbatch "
                                                     "--array=0-7, or give --shard I/N)");
      }
      std::int64_t n = 0;
      if (!parse_count(value, n))
        throw Error(ErrorCode::invalid_argument, std::string("--shard auto: ") + name + " is \"" + value + "\", expected a whole number");
      return n;
    };
    const std::int64_t id = variable("SLURM_ARRAY_TASK_ID", true, 0), count = variable("SLURM_ARRAY_TASK_COUNT", true, 0);
    const std::int64_t min = variable("SLURM_ARRAY_TASK_MIN", true, 0), step = variable("SLURM_ARRAY_TASK_STEP", false, 1);
    if (step < 1 || id < min || (id - min) % step != 0 || (id - min) / step >= count)
      throw Error(ErrorCode::invalid_argument, "--shard auto: task " + std::to_string(id) + " of an array of " + std::to_string(count) +
                                                   " from " + std::to_string(min) + " in steps of " + std::to_string(step) +
                                                   " is not one of its tasks");
    return {.index = (id - min) / step, .count = count};
  }
  const auto slash = text.find('/');
  std::int64_t index = 0, count = 0;
  if (slash == std::string::npos || !parse_count(text.substr(0, slash), index) || !parse_count(text.substr(slash + 1), count) ||
      count < 1 || index >= count)
    throw Error(ErrorCode::invalid_argument, "--shard \"" + text + "\": expected I/N with 0 <= I < N (shards count from 0, "
                                             "e.g. 0/4 .. 3/4), or auto");
  return {.index = index, .count = count};
}

}  // namespace deepimage::run
