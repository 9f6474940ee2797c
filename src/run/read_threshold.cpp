// read_threshold (include/deepimage/object_rules.hpp): the one reading of a threshold's text.
#include <charconv>
#include <cmath>

#include "deepimage/object_rules.hpp"

namespace deepimage {

bool read_threshold(std::string_view text, ObjectRules& rules) {
  if (text == "otsu") {
    rules.otsu = true;
    return true;
  }
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || !std::isfinite(value)) return false;
  rules.threshold = value;
  return true;
}

}  // namespace deepimage
