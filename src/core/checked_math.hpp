// Overflow-checked size arithmetic for sizes that come from files, rdfs and command lines.
//
//   auto bytes = checked_multiply(count, 4);              // nullopt instead of wrapping around
//   if (!bytes) throw Error(ErrorCode::io, "\"a.npy\" declares shape ... (more than 2^63 bytes)");
//   auto n = checked_product(shape);                       // nullopt on overflow or a negative size
//
// A size read from a file is never trusted to multiply safely: a header declaring (2^52 + 1, 64, 64)
// wraps around to 16 KB and passes every later size check.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace deepimage {

inline std::optional<std::int64_t> checked_multiply(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

inline std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// The product of non-negative sizes; nullopt when one is negative or the product exceeds INT64_MAX.
inline std::optional<std::int64_t> checked_product(std::span<const std::int64_t> sizes) {
  std::int64_t n = 1;
  for (const auto s : sizes) {
    if (s < 0) return std::nullopt;
    const auto next = checked_multiply(n, s);
    if (!next) return std::nullopt;
    n = *next;
  }
  return n;
}

}  // namespace deepimage
