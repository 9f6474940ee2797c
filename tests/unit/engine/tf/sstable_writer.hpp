// A leveldb-format table writer for tests: blocks of prefix-compressed keys with restart points every
// `restart_interval` entries, a new data block when one reaches `block_bytes`, optional snappy, masked
// crc32c trailers, the index block and the 48-byte footer — written from the format's description so
// read_sstable can be checked on layouts the real files do not show (many blocks, restarts, snappy).
#pragma once

#include <snappy.h>

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/tf/crc32c.hpp"
#include "engine/tf/sstable.hpp"

namespace deepimage::testing {

struct TableLayout {
  int restart_interval = 16;
  std::size_t block_bytes = 4096;
  bool snappy = false;
};

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

inline void put_fixed32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval) : interval_(restart_interval) {}
  void add(const std::string& key, const std::string& value) {
    std::size_t shared = 0;
    if (count_ % interval_ == 0) restarts_.push_back(static_cast<std::uint32_t>(body_.size()));
    else
      while (shared < key.size() && shared < last_.size() && key[shared] == last_[shared]) ++shared;
    put_varint(body_, shared);
    put_varint(body_, key.size() - shared);
    put_varint(body_, value.size());
    body_ += key.substr(shared) + value;
    last_ = key;
    ++count_;
  }
  std::size_t size() const { return body_.size(); }
  bool empty() const { return count_ == 0; }
  std::string finish() {
    std::string out = body_;
    if (restarts_.empty()) restarts_.push_back(0);
    for (const std::uint32_t r : restarts_) put_fixed32(out, r);
    put_fixed32(out, static_cast<std::uint32_t>(restarts_.size()));
    body_.clear();
    restarts_.clear();
    last_.clear();
    count_ = 0;
    return out;
  }

 private:
  int interval_;
  std::string body_, last_;
  std::vector<std::uint32_t> restarts_;
  int count_ = 0;
};

// Appends `block` with its trailer to `file`; returns its handle as varints.
inline std::string append_block(std::string& file, const std::string& block, bool snappy, int type_override = -1) {
  std::string stored = block;
  char type = 0;
  if (snappy) {
    snappy::Compress(block.data(), block.size(), &stored);
    type = 1;
  }
  if (type_override >= 0) type = static_cast<char>(type_override);
  std::string handle;
  put_varint(handle, file.size());
  put_varint(handle, stored.size());
  file += stored;
  const auto* p = reinterpret_cast<const std::byte*>(stored.data());
  const std::byte type_byte{static_cast<unsigned char>(type)};
  const std::uint32_t crc = engine::tf::crc32c(std::span(&type_byte, 1), engine::tf::crc32c(std::span(p, stored.size())));
  file.push_back(type);
  put_fixed32(file, engine::tf::mask_crc32c(crc));
  return handle;
}

// The 48-byte footer after the metaindex and index handles.
inline std::string footer_of(std::string handles) {
  handles.resize(40, '\0');
  put_fixed32(handles, static_cast<std::uint32_t>(engine::tf::kSstableMagic & 0xffffffffu));
  put_fixed32(handles, static_cast<std::uint32_t>(engine::tf::kSstableMagic >> 32));
  return handles;
}

inline std::string write_table(const std::vector<std::pair<std::string, std::string>>& sorted, const TableLayout& layout = {}) {
  std::string file;
  BlockBuilder data(layout.restart_interval), index(1);
  std::string last_key;
  for (const auto& [key, value] : sorted) {
    data.add(key, value);
    last_key = key;
    if (data.size() >= layout.block_bytes) index.add(last_key, append_block(file, data.finish(), layout.snappy));
  }
  if (!data.empty()) index.add(last_key, append_block(file, data.finish(), layout.snappy));
  BlockBuilder meta(1);
  std::string footer = append_block(file, meta.finish(), false);
  footer += append_block(file, index.finish(), false);
  return file + footer_of(footer);
}

}  // namespace deepimage::testing
