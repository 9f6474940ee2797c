// --precision bf16: opt-in bfloat16 arithmetic. It must really run in bf16 (results differ from fp32),
// stay close to fp32, be reported, and `test` must compare it with the bundle's own tolerance.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/cpu_features.hpp"
#include "io/npy.hpp"
#include "support/cli.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"

namespace deepimage::testing {
namespace {

const std::filesystem::path example = source_dir() / "examples" / "nuclei_unet2d";

Tensor run_in(const std::string& weights, const std::string& precision, const TempDir& dir) {
  const auto out = dir / (weights + "_" + precision + ".npy");
  const CliResult r = run_cli({"run", example.string(), (example / "test_input.npy").string(), "-o", out.string(),
                               "--weights", weights, "--precision", precision, "--threads", "2", "--quiet"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return io::read_npy(out);
}

void expect_bf16_close_to_fp32(const std::string& weights) {
  TempDir dir;
  if (!cpu_has_bf16()) {
    const CliResult r = run_cli({"run", example.string(), (example / "test_input.npy").string(), "-o",
                                 (dir / "x.npy").string(), "--weights", weights, "--precision", "bf16"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("AVX512_BF16 or AMX"), std::string::npos) << r.err;
    GTEST_SKIP() << "this CPU has no bf16 arithmetic: checked the refusal only";
  }
  const Tensor fp32 = run_in(weights, "fp32", dir), bf16 = run_in(weights, "bf16", dir);
  ASSERT_EQ(fp32.shape(), bf16.shape());
  const double diff = max_abs_diff(fp32, bf16);
  EXPECT_LT(diff, kBf16VsFp32MaxAbs);
  EXPECT_GT(diff, 1e-5) << "bf16 gave fp32's numbers: it did not run in bf16";
}

TEST(Precision, TorchScriptBf16IsCloseToFp32) { expect_bf16_close_to_fp32("torchscript"); }
TEST(Precision, NativeBf16IsCloseToFp32) { expect_bf16_close_to_fp32("onnx"); }

TEST(Precision, TestReportsBf16AgainstTheBundleTolerance) {
  if (!cpu_has_bf16()) GTEST_SKIP() << "this CPU has no bf16 arithmetic";
  // The example bundle allows rtol 1e-4: bf16 cannot meet it, and `test` must say so (exit 3).
  const CliResult r = run_cli({"test", example.string(), "--weights", "torchscript", "--precision", "bf16", "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  EXPECT_EQ(report.at("precision"), "bf16");
  EXPECT_GT(report.at("outputs").at(0).at("max_abs_diff").get<double>(), 1e-5);
}

TEST(Precision, UnknownPrecisionIsAUsageError) {
  const CliResult r = run_cli({"run", example.string(), (example / "test_input.npy").string(), "--precision", "fp16"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("fp16"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace deepimage::testing
