// Docs generated from the code stay true: docs/ops.md is exactly `deepimage ops --markdown`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

TEST(Docs, OpsPageMatchesTheDeclarations) {
  CliResult r = run_cli({"ops", "--markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(source_dir() / "docs" / "ops.md"))
      << "docs/ops.md is stale: regenerate it with `deepimage ops --markdown > docs/ops.md`";
}

TEST(Cli, OpsListsEveryOpAndShowsOne) {
  CliResult all = run_cli({"ops"});
  ASSERT_EQ(all.exit_code, 0);
  for (const char* id : {"binarize", "clip", "ensure_dtype", "fixed_zero_mean_unit_variance", "scale_linear",
                         "scale_mean_variance", "scale_range", "sigmoid", "softmax", "zero_mean_unit_variance"})
    EXPECT_NE(all.out.find(id), std::string::npos) << id;
  CliResult one = run_cli({"ops", "scale_range"});
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_NE(one.out.find("max_percentile"), std::string::npos);
  CliResult unknown = run_cli({"ops", "blur"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("unknown op \"blur\""), std::string::npos) << unknown.err;
}

TEST(Cli, InfoShowsTheCardAndWhatRunsHere) {
  CliResult r = run_cli({"info", (source_dir() / "examples" / "nuclei_unet2d").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("scale_range"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("torchscript  weights.pt  runs here"), std::string::npos) << r.out;
  CliResult j = run_cli({"info", (source_dir() / "examples" / "nuclei_unet2d").string(), "--json"});
  ASSERT_EQ(j.exit_code, 0);
  const auto card = nlohmann::json::parse(j.out);
  EXPECT_EQ(card["inputs"][0]["axes"], "bcyx");
  EXPECT_EQ(card["license"], "MIT");
}

}  // namespace
}  // namespace deepimage::testing
