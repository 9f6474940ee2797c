// Checks that text is UTF-8, for files read from strangers (rdf.yaml, config.xml): their strings end up
// in JSON (the ModelSpec's config and kwargs, --json reports), which must be valid UTF-8.
//
//   if (auto bad = invalid_utf8(text)) throw Error(..., name + ": not UTF-8 text: " + bad->to_string());
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace deepimage {

struct Utf8Error {
  std::size_t offset = 0;        // of the first byte of the bad sequence
  std::size_t line = 1, column = 1;  // 1-based, as editors count (column in bytes)
  unsigned char byte = 0;        // the byte at `offset`
  std::string to_string() const;  // "invalid byte 0xD0 at line 3, column 7"
};

// The first malformed, overlong, surrogate or out-of-range sequence; nullopt when `text` is UTF-8.
std::optional<Utf8Error> invalid_utf8(std::string_view text);

}  // namespace deepimage
