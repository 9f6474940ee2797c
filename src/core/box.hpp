// Box — an n-d half-open rectangle [begin, end) in integer coordinates, one entry per axis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace deepimage {

struct Box {
  std::vector<std::int64_t> begin, end;

  std::size_t rank() const { return begin.size(); }
  std::int64_t extent(std::size_t axis) const { return end[axis] - begin[axis]; }
  std::vector<std::int64_t> shape() const;
  bool operator==(const Box&) const = default;
  std::string to_string() const;  // "[0:256, 32:288]"
};

}  // namespace deepimage
