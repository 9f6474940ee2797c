// resolve_object_rules: what the caller leaves unset comes from a StarDist model, then the defaults;
// what the caller sets always stands. read_threshold: the text of a threshold.
#include <gtest/gtest.h>

#include "deepimage/objects.hpp"

namespace deepimage {
namespace {

const StarConvexSpec kStarDist{.probability_threshold = 0.479, .nms_threshold = 0.3, .version = "0.8.5"};

TEST(ObjectRules, WithoutAModelTheDefaultsApply) {
  const ResolvedObjectRules r = resolve_object_rules({}, std::nullopt);
  EXPECT_FALSE(r.from_model);
  EXPECT_EQ(r.rules.star_convex, false);
  EXPECT_EQ(r.rules.threshold, 0.5);
  EXPECT_EQ(r.rules.nms, 0.4);
}

TEST(ObjectRules, AStarDistModelGivesStarConvexAndItsThresholds) {
  const ResolvedObjectRules r = resolve_object_rules({}, kStarDist);
  EXPECT_TRUE(r.from_model);
  EXPECT_EQ(r.rules.star_convex, true);
  EXPECT_EQ(r.rules.threshold, 0.479);
  EXPECT_EQ(r.rules.nms, 0.3);
}

TEST(ObjectRules, WhatTheCallerSetsStands) {
  ObjectRules given;
  given.threshold = 0.6;
  const ResolvedObjectRules r = resolve_object_rules(given, kStarDist);
  EXPECT_EQ(r.rules.star_convex, true);
  EXPECT_EQ(r.rules.threshold, 0.6);
  EXPECT_EQ(r.rules.nms, 0.3) << "the model's, as the caller left it unset";

  ObjectRules otsu;
  otsu.otsu = true;
  otsu.nms = 0.5;
  const ResolvedObjectRules o = resolve_object_rules(otsu, kStarDist);
  EXPECT_FALSE(o.rules.threshold.has_value()) << "Otsu's is measured later, over the image";
  EXPECT_EQ(o.rules.nms, 0.5);
  EXPECT_TRUE(o.from_model) << "star-convex came from the model";
}

// Masks of a StarDist model's probability channel: the model's thresholds are for polygons, not masks.
TEST(ObjectRules, NotStarConvexIgnoresTheModelsThresholds) {
  ObjectRules masks;
  masks.star_convex = false;
  const ResolvedObjectRules r = resolve_object_rules(masks, kStarDist);
  EXPECT_FALSE(r.from_model);
  EXPECT_EQ(r.rules.star_convex, false);
  EXPECT_EQ(r.rules.threshold, 0.5);
  EXPECT_EQ(r.rules.nms, 0.4);
}

TEST(ReadThreshold, TakesANumberOrOtsu) {
  ObjectRules r;
  EXPECT_TRUE(read_threshold("0.25", r));
  EXPECT_EQ(r.threshold, 0.25);
  EXPECT_FALSE(r.otsu);
  EXPECT_TRUE(read_threshold("-1e-3", r));
  EXPECT_EQ(r.threshold, -0.001);
  ObjectRules o;
  EXPECT_TRUE(read_threshold("otsu", o));
  EXPECT_TRUE(o.otsu);
  EXPECT_FALSE(o.threshold.has_value());
}

TEST(ReadThreshold, RefusesAnythingElseAndLeavesTheRulesAlone) {
  for (const char* text : {"", "0.5x", "0.5 ", " 0.5", "Otsu", "nan", "inf", "1e999", "half"}) {
    ObjectRules r;
    r.threshold = 0.7;
    EXPECT_FALSE(read_threshold(text, r)) << '"' << text << '"';
    EXPECT_EQ(r.threshold, 0.7) << '"' << text << '"';
    EXPECT_FALSE(r.otsu) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace deepimage
