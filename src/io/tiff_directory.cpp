#include "io/tiff_directory.hpp"

namespace deepimage::io {
namespace {

// TIFF field types.
constexpr std::uint16_t kByte = 1, kAscii = 2, kShort = 3, kLong = 4, kRational = 5, kLong8 = 16;

void put(std::vector<std::byte>& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xff));
}

std::uint64_t even(std::uint64_t n) { return (n + 1) & ~std::uint64_t{1}; }

}  // namespace

void TiffDirectory::add(std::uint16_t tag, std::uint16_t type, std::uint64_t count, std::vector<std::byte> value) {
  entries_[tag] = Entry{type, count, std::move(value)};
}

void TiffDirectory::add_short(std::uint16_t tag, std::uint16_t value) {
  std::vector<std::byte> v;
  put(v, value, 2);
  add(tag, kShort, 1, std::move(v));
}

void TiffDirectory::add_long(std::uint16_t tag, std::uint32_t value) { add_longs(tag, {value}); }

void TiffDirectory::add_longs(std::uint16_t tag, const std::vector<std::uint32_t>& values) {
  std::vector<std::byte> v;
  for (auto x : values) put(v, x, 4);
  add(tag, kLong, values.size(), std::move(v));  // values.size(): not the moved-from v
}

void TiffDirectory::add_ascii(std::uint16_t tag, const std::string& text) {
  std::vector<std::byte> v;
  for (char c : text) v.push_back(static_cast<std::byte>(c));
  v.push_back(std::byte{0});
  const auto count = v.size();
  add(tag, kAscii, count, std::move(v));
}

void TiffDirectory::add_rational(std::uint16_t tag, std::uint32_t numerator, std::uint32_t denominator) {
  std::vector<std::byte> v;
  put(v, numerator, 4);
  put(v, denominator, 4);
  add(tag, kRational, 1, std::move(v));
}

void TiffDirectory::add_offsets(std::uint16_t tag, const std::vector<std::uint64_t>& values) {
  std::vector<std::byte> v;
  for (auto x : values) put(v, x, big_ ? 8 : 4);
  add(tag, big_ ? kLong8 : kLong, values.size(), std::move(v));
}

void TiffDirectory::add_bytes(std::uint16_t tag, const std::vector<std::byte>& bytes) { add(tag, kByte, bytes.size(), bytes); }

std::uint64_t TiffDirectory::table_size() const {
  const std::uint64_t count_field = big_ ? 8 : 2, entry = big_ ? 20 : 12, next = big_ ? 8 : 4;
  return count_field + entries_.size() * entry + next;
}

std::uint64_t TiffDirectory::size() const {
  std::uint64_t n = table_size();
  for (const auto& [tag, e] : entries_)
    if (e.value.size() > inline_room()) n = even(n) + e.value.size();
  return even(n);
}

std::uint64_t TiffDirectory::value_offset(std::uint16_t tag, std::uint64_t at) const {
  const std::uint64_t entry = big_ ? 20 : 12, first_entry = big_ ? 8 : 2;
  std::uint64_t external = table_size(), index = 0;
  for (const auto& [t, e] : entries_) {
    const bool outside = e.value.size() > inline_room();
    if (outside) external = even(external);
    if (t == tag) return outside ? at + external : at + first_entry + index * entry + (big_ ? 12 : 8);
    if (outside) external += e.value.size();
    ++index;
  }
  return 0;
}

std::vector<std::byte> TiffDirectory::encode(std::uint64_t at, std::uint64_t next) const {
  std::vector<std::byte> table, external;
  put(table, entries_.size(), big_ ? 8 : 2);
  std::uint64_t external_at = at + table_size();
  for (const auto& [tag, e] : entries_) {
    put(table, tag, 2);
    put(table, e.type, 2);
    put(table, e.count, big_ ? 8 : 4);
    std::vector<std::byte> field;
    if (e.value.size() <= inline_room()) {
      field = e.value;
    } else {
      if (external_at % 2) external.push_back(std::byte{0}), ++external_at;
      put(field, external_at, big_ ? 8 : 4);
      external.insert(external.end(), e.value.begin(), e.value.end());
      external_at += e.value.size();
    }
    field.resize(inline_room(), std::byte{0});
    table.insert(table.end(), field.begin(), field.end());
  }
  put(table, next, big_ ? 8 : 4);
  table.insert(table.end(), external.begin(), external.end());
  table.resize(size(), std::byte{0});
  return table;
}

std::vector<std::byte> TiffDirectory::header(bool big, std::uint64_t first_directory) {
  std::vector<std::byte> h{std::byte{'I'}, std::byte{'I'}};
  if (big) {
    put(h, 43, 2);
    put(h, 8, 2);  // offset size
    put(h, 0, 2);
    put(h, first_directory, 8);
  } else {
    put(h, 42, 2);
    put(h, first_directory, 4);
  }
  return h;
}

}  // namespace deepimage::io
