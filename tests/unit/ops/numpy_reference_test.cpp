// Our ops against numpy itself (tests/data/ops/make_numpy_reference.py wrote the expected values).
#include <gtest/gtest.h>

#include <fstream>

#include "model/spec_json.hpp"
#include "naive_reference.hpp"
#include "ops/op.hpp"

namespace deepimage::ops {
namespace {

using json = nlohmann::json;

class NumpyReference : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream file(std::string(DEEPIMAGE_SOURCE_DIR) + "/tests/data/ops/numpy_reference_bcyx_2x3x5x7.json");
    ASSERT_TRUE(file) << "missing fixture; run tests/data/ops/make_numpy_reference.py";
    data_ = json::parse(file);
    x_ = Tensor(DType::f32, data_["shape"].get<Shape>(), data_["axes"].get<std::string>());
    const auto values = data_["input"].get<std::vector<float>>();
    ASSERT_EQ(static_cast<std::int64_t>(values.size()), x_.element_count());
    std::copy(values.begin(), values.end(), x_.data<float>());
  }
  std::vector<double> expected(const std::string& name) const { return data_["expected"][name].get<std::vector<double>>(); }
  Tensor run(const std::string& id, const Tensor& x, const json& kwargs) const { return apply_ops(x, {make_op(id, kwargs)}, {}); }

  json data_;
  Tensor x_;
};

TEST_F(NumpyReference, ZeroMeanUnitVariance) {
  EXPECT_LT(test::max_relative_error(run("zero_mean_unit_variance", x_, {{"axes", {"x", "y"}}}),
                                     expected("zero_mean_unit_variance_yx")),
            test::kFloat32Tolerance);
  EXPECT_LT(test::max_relative_error(run("zero_mean_unit_variance", x_, {{"mode", "per_sample"}}),
                                     expected("zero_mean_unit_variance_cyx")),
            test::kFloat32Tolerance);
}

TEST_F(NumpyReference, ScaleRange) {
  EXPECT_LT(test::max_relative_error(
                run("scale_range", x_, {{"axes", {"y", "x"}}, {"min_percentile", 1.0}, {"max_percentile", 99.8}}),
                expected("scale_range_yx_1_99.8")),
            test::kFloat32Tolerance);
  EXPECT_LT(test::max_relative_error(run("scale_range", x_, {{"min_percentile", 5.0}, {"max_percentile", 95.0}}),
                                     expected("scale_range_all_5_95")),
            test::kFloat32Tolerance);
}

TEST_F(NumpyReference, Softmax) {
  Tensor scaled = x_;
  for (std::int64_t i = 0; i < scaled.element_count(); ++i) scaled.data<float>()[i] /= 50.0f;
  EXPECT_LT(test::max_relative_error(run("softmax", scaled, nullptr), expected("softmax_c")), test::kFloat32Tolerance);
}

}  // namespace
}  // namespace deepimage::ops
