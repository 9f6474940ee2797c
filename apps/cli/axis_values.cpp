#include "axis_values.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <sstream>

namespace deepimage::cli {

std::map<char, std::int64_t> parse_axis_values(const std::string& text, const std::string& option, std::int64_t max_value) {
  std::map<char, std::int64_t> values;
  std::stringstream parts(text);
  std::string part;
  while (std::getline(parts, part, ',')) {
    const auto eq = part.find('=');
    std::int64_t v = 0;
    const char* begin = part.data() + (eq == std::string::npos ? 0 : eq + 1);
    const char* end = part.data() + part.size();
    const auto [ptr, ec] = std::from_chars(begin, end, v);
    if (eq != 1 || std::string("zyx").find(part[0]) == std::string::npos || ec != std::errc() || ptr != end || v < 0 ||
        !values.emplace(part[0], v).second)
      throw CLI::ValidationError(option, "\"" + part + "\" is not axis=size (e.g. y=256,x=256; axes z, y, x)");
    // Sizes are multiplied and padded downstream; a value no image needs is refused here, before it
    // can overflow or ask for terabytes.
    if (v > max_value)
      throw CLI::ValidationError(option, "\"" + part + "\" is more than " + std::to_string(max_value) +
                                             " pixels (the largest accepted)");
  }
  if (values.empty()) throw CLI::ValidationError(option, "expected axis=size pairs, e.g. y=256,x=256");
  return values;
}

}  // namespace deepimage::cli
