// Bare network files (no rdf) through the commands other than `run`, and `deepimage build` from a bare
// TF1 SavedModel folder or zip. References: the SavedModels' own documented tensors and values
// (SOURCE.txt), the bare folder run directly, and a bundle's own test tensors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path defcon() { return realdata() / "defcon_imagej_savedmodel/tf_density_count"; }

// DEFCoN-ImageJ's SavedModel has no signature and 35 placeholders (SOURCE.txt: feed input_tensor,
// fetch output_tensor): info and bench refuse it unnamed and read it named, as run does.
TEST(BareModel, InfoAndBenchTakeTheTensorNames) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const CliResult unnamed = run_cli({"info", defcon().string(), "--json"});
  EXPECT_EQ(unnamed.exit_code, 1);
  EXPECT_NE(unnamed.err.find("has no signature and 35 placeholders"), std::string::npos) << unnamed.err;
  EXPECT_EQ(line_count(unnamed.err), 1) << unnamed.err;

  const CliResult info = run_cli({"info", defcon().string(), "--input-name", "input_tensor", "--output-name", "output_tensor", "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const nlohmann::json card = nlohmann::json::parse(info.out);
  EXPECT_EQ(card["inputs"][0]["id"], "input_tensor:0");
  EXPECT_EQ(card["inputs"][0]["axes"], "byxc");  // a 4-d TF tensor: NHWC
  EXPECT_EQ(card["outputs"][0]["id"], "output_tensor:0");

  const CliResult bench = run_cli({"bench", defcon().string(), "--input-name", "input_tensor", "--output-name", "output_tensor",
                                   "--tile", "y=32,x=32", "--rounds", "1", "--threads", "2", "--json"});
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  EXPECT_EQ(nlohmann::json::parse(bench.out)["tile_shape"], nlohmann::json({32, 32}));

  const CliResult unknown = run_cli({"info", defcon().string(), "--input-name", "no_such_tensor", "--output-name", "output_tensor"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no_such_tensor"), std::string::npos) << unknown.err;
  EXPECT_EQ(line_count(unknown.err), 1) << unknown.err;
}

}  // namespace
}  // namespace deepimage::testing
