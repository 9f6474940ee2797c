#include "core/utf8.hpp"

#include <cstdio>

namespace deepimage {
namespace {

// Length of the valid sequence starting at text[i], or 0 (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF).
std::size_t sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) length = 2;
  else if (b0 == 0xE0) length = 3, low = 0xA0;
  else if (b0 == 0xED) length = 3, high = 0x9F;
  else if (b0 >= 0xE1 && b0 <= 0xEF) length = 3;
  else if (b0 == 0xF0) length = 4, low = 0x90;
  else if (b0 == 0xF4) length = 4, high = 0x8F;
  else if (b0 >= 0xF1 && b0 <= 0xF3) length = 4;
  else return 0;
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

}  // namespace

std::string Utf8Error::to_string() const {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", byte);
  return std::string("invalid byte ") + hex + " at line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::optional<Utf8Error> invalid_utf8(std::string_view text) {
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = sequence_length(text, i);
    if (length == 0)
      return Utf8Error{.offset = i, .line = line, .column = i - line_start + 1, .byte = static_cast<unsigned char>(text[i])};
    if (text[i] == '\n') ++line, line_start = i + 1;
    i += length;
  }
  return std::nullopt;
}

}  // namespace deepimage
