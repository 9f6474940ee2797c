// invalid_utf8 against the cases RFC 3629 (and Python's strict decoder) refuse: stray continuation
// bytes, truncated sequences, overlong forms, UTF-16 surrogates, code points above U+10FFFF.
#include <gtest/gtest.h>

#include "core/utf8.hpp"

namespace deepimage {
namespace {

TEST(Utf8, AcceptsAsciiAndEveryLengthOfSequence) {
  EXPECT_FALSE(invalid_utf8(""));
  EXPECT_FALSE(invalid_utf8("plain text\n"));
  EXPECT_FALSE(invalid_utf8("\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x94\xAC \xED\x9F\xBF \xF4\x8F\xBF\xBF"));  // é € 🔬 U+D7FF U+10FFFF
}

TEST(Utf8, RefusesMalformedSequencesAndSaysWhere) {
  const auto stray = invalid_utf8("ok\nab\x80");
  ASSERT_TRUE(stray);
  EXPECT_EQ(stray->offset, 5u);
  EXPECT_EQ(stray->line, 2u);
  EXPECT_EQ(stray->column, 3u);
  EXPECT_EQ(stray->to_string(), "invalid byte 0x80 at line 2, column 3");
  for (const char* bad : {"\xC3", "\xE2\x82", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
                          "\xFF", "\xC3\x28"})
    EXPECT_TRUE(invalid_utf8(bad)) << bad;
}

}  // namespace
}  // namespace deepimage
