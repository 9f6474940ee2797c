// --shard values: I/N parsed strictly, `auto` from a Slurm array's environment (MIN and STEP taken into
// account), and the units of each shard: contiguous, covering every unit once, sizes within one.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "deepimage/error.hpp"
#include "run/shard_spec.hpp"

namespace deepimage::run {
namespace {

ShardSpec parse(const std::string& text, const std::map<std::string, std::string>& env = {}) {
  return parse_shard(text, [&](const char* name) -> const char* {
    const auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

std::string error_of(const std::string& text, const std::map<std::string, std::string>& env = {}) {
  try {
    parse(text, env);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ShardSpec, ParsesIOfN) {
  const ShardSpec s = parse("2/8");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 8);
  for (const char* bad : {"5/3", "-1/2", "x", "0/0", "3/3", "1/", "/2", "1/2/3", " 1/2", "1/+2", "auto2"})
    EXPECT_NE(error_of(bad).find(std::string("--shard \"") + bad + "\": expected I/N"), std::string::npos) << bad << ": " << error_of(bad);
}

TEST(ShardSpec, AutoComesFromTheSlurmArray) {
  ShardSpec s = parse("auto", {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "4"}, {"SLURM_ARRAY_TASK_MIN", "1"}});
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  // --array=0-14:2: tasks 0, 2, ..., 14.
  s = parse("auto", {{"SLURM_ARRAY_TASK_ID", "6"}, {"SLURM_ARRAY_TASK_COUNT", "8"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_STEP", "2"}});
  EXPECT_EQ(s.index, 3);
  EXPECT_EQ(s.count, 8);
  EXPECT_NE(error_of("auto").find("SLURM_ARRAY_TASK_ID is not set"), std::string::npos) << error_of("auto");
  EXPECT_NE(error_of("auto", {{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "2"}}).find("SLURM_ARRAY_TASK_MIN is not set"),
            std::string::npos);
  EXPECT_NE(error_of("auto", {{"SLURM_ARRAY_TASK_ID", "a"}, {"SLURM_ARRAY_TASK_COUNT", "2"}, {"SLURM_ARRAY_TASK_MIN", "0"}})
                .find("SLURM_ARRAY_TASK_ID is \"a\""),
            std::string::npos);
  EXPECT_NE(error_of("auto", {{"SLURM_ARRAY_TASK_ID", "5"}, {"SLURM_ARRAY_TASK_COUNT", "3"}, {"SLURM_ARRAY_TASK_MIN", "0"}})
                .find("is not one of its tasks"),
            std::string::npos);
}

TEST(ShardSpec, UnitsAreContiguousAndCoverEveryUnitOnce) {
  for (std::int64_t total : {0, 1, 4, 7, 100})
    for (std::int64_t count : {1, 2, 3, 6, 11}) {
      std::int64_t next = 0, smallest = total, largest = 0;
      for (std::int64_t i = 0; i < count; ++i) {
        const auto [first, last] = ShardSpec{.index = i, .count = count}.units(total);
        EXPECT_EQ(first, next) << total << " units, shard " << i << "/" << count;
        smallest = std::min(smallest, last - first), largest = std::max(largest, last - first);
        next = last;
      }
      EXPECT_EQ(next, total);
      EXPECT_LE(largest - smallest, 1);
    }
}

}  // namespace
}  // namespace deepimage::run
