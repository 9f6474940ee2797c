// Parses "y=256,x=256" (for --tile and --halo) into {'y': 256, 'x': 256}.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace deepimage::cli {

// Throws CLI::ValidationError (a usage error) naming the option and the bad part.
std::map<char, std::int64_t> parse_axis_values(const std::string& text, const std::string& option);

}  // namespace deepimage::cli
