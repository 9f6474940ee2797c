// sstable — the key/value pairs of a leveldb-format table held in memory, as TensorFlow writes its
// tensor-bundle index (variables/variables.index).
//
//   for (const SstableEntry& e : read_sstable(bytes, "\"variables/variables.index\" in \"model.zip\""))
//     use(e.key, e.value);
//
// The format, from the end of the file:
//
//   [data block 0][trailer] ... [data block n][trailer] [metaindex block][trailer] [index block][trailer] [footer]
//
//   footer (48 bytes): metaindex handle, index handle (each a BlockHandle: varint64 offset, varint64
//                      size), zero padding to 40 bytes, then the magic 0xdb4775248b80fb57 little-endian.
//   trailer (5 bytes): compression type (0 none, 1 snappy), then the masked crc32c of the stored block
//                      and that type byte.
//   block:             entries, then uint32 restart offsets, then their count (uint32). An entry is
//                      varint32 shared, varint32 unshared, varint32 value size, the key's unshared
//                      suffix (the first `shared` bytes repeat the previous key), the value. A restart
//                      point's entry shares nothing, so a reader could seek; this one reads straight on.
//   index block:       one entry per data block: key >= that block's last key, value its BlockHandle.
//
// Every length is checked against the bytes there before use, so a truncated or hostile index is
// refused with one line naming `shown` (bad_model), never read past.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace deepimage::engine::tf {

struct SstableEntry {
  std::string key;
  std::string value;
};

inline constexpr std::size_t kSstableFooterBytes = 48;
inline constexpr unsigned long long kSstableMagic = 0xdb4775248b80fb57ull;

// All entries in the table's (sorted) order.
std::vector<SstableEntry> read_sstable(std::span<const std::byte> file, const std::string& shown);

}  // namespace deepimage::engine::tf
