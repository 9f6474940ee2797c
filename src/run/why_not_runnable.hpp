// Why a weights format does not run in this build, in words for `info` and `models`.
#pragma once

#include <string>

namespace deepimage::run {

std::string why_not_runnable(const std::string& format);

}  // namespace deepimage::run
