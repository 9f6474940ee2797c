// Memory sizes as people write them.
//
//   std::uint64_t budget = deepimage::parse_memory_size("4G", "--memory");   // 4294967296
//   std::cout << deepimage::format_bytes(budget);                             // "4.0 GiB"
#pragma once

#include <cstdint>
#include <string>

namespace deepimage {

// "4G", "512M", "1.5GiB", "2000000000B" -> bytes (K/M/G/T are powers of 1024). A number without a
// unit ("4") is an error, as is anything else unreadable: Error(invalid_argument) naming `what`, the
// value and the accepted units.
std::uint64_t parse_memory_size(const std::string& text, const std::string& what);
std::string format_bytes(std::uint64_t bytes);  // "1.4 GiB", "512 MiB"

}  // namespace deepimage
