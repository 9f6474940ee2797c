// Parses "y=256,x=256" (for --tile and --halo) into {'y': 256, 'x': 256}.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "deepimage/model_spec.hpp"  // kMaxHalo

namespace deepimage::cli {

inline constexpr std::int64_t kMaxTileValue = std::int64_t{1} << 20;  // 1048576 pixels

// Throws CLI::ValidationError (a usage error) naming the option and the bad part, including a value
// over `max_value` (kMaxTileValue for --tile, kMaxHalo for --halo).
std::map<char, std::int64_t> parse_axis_values(const std::string& text, const std::string& option, std::int64_t max_value);

}  // namespace deepimage::cli
