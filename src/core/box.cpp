#include "core/box.hpp"

namespace deepimage {

std::vector<std::int64_t> Box::shape() const {
  std::vector<std::int64_t> s(rank());
  for (std::size_t i = 0; i < rank(); ++i) s[i] = extent(i);
  return s;
}

std::string Box::to_string() const {
  std::string s = "[";
  for (std::size_t i = 0; i < rank(); ++i)
    s += (i ? ", " : "") + std::to_string(begin[i]) + ":" + std::to_string(end[i]);
  return s + "]";
}

}  // namespace deepimage
