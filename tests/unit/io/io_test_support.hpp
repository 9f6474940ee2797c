// Shared helpers of the io tests: fixture paths, a scratch folder, exact tensor comparison.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include "deepimage/error.hpp"
#include "deepimage/tensor.hpp"

namespace deepimage::io::testing {

inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(DEEPIMAGE_SOURCE_DIR) / "tests" / "data" / "io" / name;
}

inline std::filesystem::path realdata(const std::string& relative) {
  return std::filesystem::path(DEEPIMAGE_SHARED_DIR) / "realdata" / relative;
}

// A fresh folder removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("deepimage_io_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" +
             std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  std::size_t file_count() const {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path_)) ++n;
    return n;
  }

 private:
  std::filesystem::path path_;
};

// Same dtype, shape and bytes (the values are integers or were copied, never computed).
inline ::testing::AssertionResult same_values(const Tensor& got, const Tensor& expected) {
  if (got.dtype() != expected.dtype())
    return ::testing::AssertionFailure() << "dtype " << to_string(got.dtype()) << " != " << to_string(expected.dtype());
  if (got.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape " << shape_to_string(got.shape()) << " != "
                                         << shape_to_string(expected.shape());
  if (got.byte_count() != expected.byte_count() ||
      std::memcmp(got.bytes(), expected.bytes(), got.byte_count()) != 0)
    return ::testing::AssertionFailure() << "values differ";
  return ::testing::AssertionSuccess();
}

// Runs `f`, expects an Error with `code` whose message contains `part`.
template <class F>
::testing::AssertionResult throws_error(F&& f, ErrorCode code, const std::string& part) {
  try {
    f();
  } catch (const Error& e) {
    if (e.code() != code)
      return ::testing::AssertionFailure() << "code " << to_string(e.code()) << " (" << e.what() << ")";
    if (std::string(e.what()).find(part) == std::string::npos)
      return ::testing::AssertionFailure() << "message \"" << e.what() << "\" lacks \"" << part << "\"";
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no error thrown";
}

}  // namespace deepimage::io::testing
