#include "engine/tf/sstable.hpp"

#include <snappy.h>

#include <cstdint>
#include <cstring>

#include "deepimage/error.hpp"
#include "engine/tf/crc32c.hpp"

namespace deepimage::engine::tf {
namespace {

constexpr std::size_t kTrailerBytes = 5;
constexpr std::uint8_t kNoCompression = 0;
constexpr std::uint8_t kSnappyCompression = 1;

struct BlockHandle {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// A forward reader over bytes whose every step is bounded; failures name what was being read.
class Cursor {
 public:
  Cursor(std::span<const std::byte> bytes, const std::string& shown, std::string where)
      : bytes_(bytes), shown_(shown), where_(std::move(where)) {}

  bool done() const { return at_ >= bytes_.size(); }
  std::size_t position() const { return at_; }

  std::uint64_t varint(const char* what) {
    std::uint64_t value = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (at_ >= bytes_.size()) fail(std::string(what) + " runs past the end");
      const auto byte = static_cast<std::uint8_t>(bytes_[at_++]);
      value |= std::uint64_t{byte & 0x7fu} << shift;
      if (byte < 0x80) return value;
    }
    fail(std::string(what) + " is not a valid varint");
  }

  std::span<const std::byte> take(std::uint64_t count, const char* what) {
    if (count > bytes_.size() - at_)
      fail(std::string(what) + " of " + std::to_string(count) + " bytes runs past the end (" +
           std::to_string(bytes_.size() - at_) + " left)");
    const auto taken = bytes_.subspan(at_, static_cast<std::size_t>(count));
    at_ += static_cast<std::size_t>(count);
    return taken;
  }

  [[noreturn]] void fail(const std::string& detail) const {
    throw Error(ErrorCode::bad_model, shown_ + " is not a valid tensor-bundle index: " + where_ + ": " + detail);
  }

 private:
  std::span<const std::byte> bytes_;
  const std::string& shown_;
  std::string where_;
  std::size_t at_ = 0;
};

std::uint32_t le32(std::span<const std::byte> b) {
  return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
         static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}

std::string as_string(std::span<const std::byte> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

std::string block_name(const BlockHandle& h) {
  return "the block at offset " + std::to_string(h.offset) + " (" + std::to_string(h.size) + " bytes)";
}

BlockHandle read_handle(Cursor& cursor) {
  BlockHandle h;
  h.offset = cursor.varint("a block offset");
  h.size = cursor.varint("a block size");
  return h;
}

// The block's bytes, checked and uncompressed.
std::string read_block(std::span<const std::byte> file, const BlockHandle& h, const std::string& shown) {
  const Cursor whole(file, shown, block_name(h));
  if (h.offset > file.size() || h.size > file.size() - h.offset || kTrailerBytes > file.size() - h.offset - h.size)
    whole.fail("it runs past the end of the file (" + std::to_string(file.size()) + " bytes)");
  const auto stored = file.subspan(static_cast<std::size_t>(h.offset), static_cast<std::size_t>(h.size));
  const auto trailer = file.subspan(static_cast<std::size_t>(h.offset + h.size), kTrailerBytes);
  const auto type = static_cast<std::uint8_t>(trailer[0]);
  // The checksum covers the stored bytes and the type byte.
  const std::uint32_t actual = crc32c(trailer.first(1), crc32c(stored));
  if (unmask_crc32c(le32(trailer.subspan(1))) != actual) whole.fail("its crc32c does not match (the file is corrupt)");
  if (type == kNoCompression) return as_string(stored);
  if (type == kSnappyCompression) {
    std::string out;
    if (!snappy::Uncompress(reinterpret_cast<const char*>(stored.data()), stored.size(), &out))
      whole.fail("it is not valid snappy data");
    return out;
  }
  whole.fail("its compression type is " + std::to_string(type) + " (expected 0, none, or 1, snappy)");
}

// Appends the block's entries to `out`, checking that keys only grow.
void read_entries(const std::string& block, const BlockHandle& h, const std::string& shown, std::vector<SstableEntry>& out) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(block.data()), block.size());
  const Cursor whole(bytes, shown, block_name(h));
  if (bytes.size() < 4) whole.fail("it is shorter than its restart count");
  const std::uint64_t restarts = le32(bytes.last(4));
  if (restarts == 0 || restarts > (bytes.size() - 4) / 4)
    whole.fail("its restart count " + std::to_string(restarts) + " does not fit its " + std::to_string(bytes.size()) + " bytes");
  Cursor cursor(bytes.first(bytes.size() - 4 - 4 * static_cast<std::size_t>(restarts)), shown, block_name(h));
  std::string key;
  bool first = true;
  while (!cursor.done()) {
    const std::uint64_t shared = cursor.varint("an entry's shared key length");
    const std::uint64_t unshared = cursor.varint("an entry's key length");
    const std::uint64_t value_size = cursor.varint("an entry's value length");
    if (shared > key.size())
      cursor.fail("an entry shares " + std::to_string(shared) + " bytes with a key of " + std::to_string(key.size()));
    std::string next = key.substr(0, static_cast<std::size_t>(shared)) + as_string(cursor.take(unshared, "a key"));
    if (!first && next <= key) cursor.fail("key \"" + next + "\" does not sort after \"" + key + "\"");
    key = std::move(next);
    first = false;
    out.push_back({key, as_string(cursor.take(value_size, "a value"))});
  }
}

}  // namespace

std::vector<SstableEntry> read_sstable(std::span<const std::byte> file, const std::string& shown) {
  if (file.size() < kSstableFooterBytes)
    throw Error(ErrorCode::bad_model, shown + " is not a valid tensor-bundle index: it has " + std::to_string(file.size()) +
                                          " bytes, fewer than a table footer's " + std::to_string(kSstableFooterBytes));
  const auto footer = file.last(kSstableFooterBytes);
  const std::uint64_t magic = le32(footer.subspan(40)) | std::uint64_t{le32(footer.subspan(44))} << 32;
  if (magic != kSstableMagic)
    throw Error(ErrorCode::bad_model, shown + " is not a valid tensor-bundle index: it does not end in the leveldb table "
                                              "magic (truncated, or another kind of file)");
  Cursor cursor(footer.first(40), shown, "its footer");
  read_handle(cursor);  // the metaindex: TensorFlow writes it empty
  const BlockHandle index_handle = read_handle(cursor);

  const std::string index = read_block(file, index_handle, shown);
  std::vector<SstableEntry> data_handles;
  read_entries(index, index_handle, shown, data_handles);

  std::vector<SstableEntry> entries;
  for (const SstableEntry& handle_entry : data_handles) {
    const std::span<const std::byte> value(reinterpret_cast<const std::byte*>(handle_entry.value.data()),
                                           handle_entry.value.size());
    Cursor handle_cursor(value, shown, "the index entry for \"" + handle_entry.key + "\"");
    const BlockHandle h = read_handle(handle_cursor);
    const std::size_t before = entries.size();
    read_entries(read_block(file, h, shown), h, shown, entries);
    if (before > 0 && entries.size() > before && entries[before].key <= entries[before - 1].key)
      throw Error(ErrorCode::bad_model, shown + " is not a valid tensor-bundle index: key \"" + entries[before].key +
                                            "\" does not sort after \"" + entries[before - 1].key + "\"");
  }
  return entries;
}

}  // namespace deepimage::engine::tf
