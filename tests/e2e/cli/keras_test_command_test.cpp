// `deepimage test` on the real Keras bundle: a few minutes, since the tiled half of the check runs
// thousands of the smallest tiles (label slow).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

fs::path pancreatic() { return realdata() / "unet2d_pancreatic_keras_dij"; }

// The engine reproduces the shipped test output exactly; the rdf's 47-pixel halo is smaller than the
// network's receptive field, so `test`'s smallest tiles show seams and the verdict is a failure.
TEST(KerasModels, PancreaticUnetReproducesItsTestOutput) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const CliResult r = run_cli({"test", pancreatic().string(), "--json", "--threads", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["weights_format"], "keras_hdf5");
  ASSERT_EQ(j["outputs"].size(), 1u);
  EXPECT_TRUE(j["outputs"][0]["passed"].get<bool>()) << j.dump();
  EXPECT_EQ(j["outputs"][0]["max_abs_diff"].get<double>(), 0.0);
  EXPECT_FALSE(j["tiled"]["outputs"][0]["passed"].get<bool>()) << j["tiled"].dump();
}

}  // namespace
}  // namespace deepimage::testing
