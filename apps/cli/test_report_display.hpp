// A TestReport as `test` prints it (and `convert`, which tests the bundle it writes).
#pragma once

#include "deepimage/model_test.hpp"

namespace deepimage::cli {

void print_test_report(const TestReport& r);

}  // namespace deepimage::cli
