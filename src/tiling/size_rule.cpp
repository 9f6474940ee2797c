#include <string>

#include "deepimage/error.hpp"
#include "tiling/tile_plan.hpp"

namespace deepimage::tiling {

bool SizeRule::accepts(std::int64_t size) const {
  if (step <= 0) return size == min;
  return size >= min && (size - min) % step == 0;
}

std::int64_t SizeRule::smallest_at_least(std::int64_t size) const {
  if (size <= min) return min;
  // A fixed-size model has nothing larger to offer; returning `min` would silently break ">= size".
  if (step <= 0)
    throw Error(ErrorCode::invalid_argument, "no size >= " + std::to_string(size) + " is valid for a model of fixed size " +
                                                 std::to_string(min));
  return min + (size - min + step - 1) / step * step;
}

std::string SizeRule::describe() const {
  if (step <= 0) return std::to_string(min);
  return "min " + std::to_string(min) + ", step " + std::to_string(step);
}

}  // namespace deepimage::tiling
