#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "tiling/tile_plan.hpp"

namespace deepimage::tiling {
namespace {

TEST(SizeRule, AcceptsMinPlusMultiplesOfStep) {
  const SizeRule flexible{.min = 64, .step = 16};
  for (std::int64_t s = 0; s < 200; ++s) EXPECT_EQ(flexible.accepts(s), s >= 64 && (s - 64) % 16 == 0) << s;
  const SizeRule fixed{.min = 512, .step = 0};
  EXPECT_TRUE(fixed.accepts(512));
  EXPECT_FALSE(fixed.accepts(511));
  EXPECT_FALSE(fixed.accepts(528));
}

TEST(SizeRule, SmallestAtLeast) {
  const SizeRule flexible{.min = 64, .step = 16};
  EXPECT_EQ(flexible.smallest_at_least(1), 64);
  EXPECT_EQ(flexible.smallest_at_least(64), 64);
  EXPECT_EQ(flexible.smallest_at_least(65), 80);
  EXPECT_EQ(flexible.smallest_at_least(80), 80);
  EXPECT_EQ(flexible.smallest_at_least(1000), 1008);  // 64 + 59 * 16
  const SizeRule fixed{.min = 256, .step = 0};
  EXPECT_EQ(fixed.smallest_at_least(100), 256);
  EXPECT_THROW(fixed.smallest_at_least(300), Error);
}

TEST(SizeRule, Describe) {
  EXPECT_EQ((SizeRule{.min = 512, .step = 0}).describe(), "512");
  EXPECT_EQ((SizeRule{.min = 32, .step = 16}).describe(), "min 32, step 16");
}

TEST(DefaultAlignment, StepOrLargestPowerOfTwoUpTo16DividingTheSize) {
  EXPECT_EQ(default_alignment({.min = 64, .step = 16}), 16);
  EXPECT_EQ(default_alignment({.min = 40, .step = 8}), 8);
  EXPECT_EQ(default_alignment({.min = 7, .step = 1}), 1);
  EXPECT_EQ(default_alignment({.min = 512, .step = 0}), 16);
  EXPECT_EQ(default_alignment({.min = 24, .step = 0}), 8);   // 24 = 8 * 3
  EXPECT_EQ(default_alignment({.min = 100, .step = 0}), 4);  // 100 = 4 * 25
  EXPECT_EQ(default_alignment({.min = 97, .step = 0}), 1);
}

}  // namespace
}  // namespace deepimage::tiling
