// crc32c — the Castagnoli CRC that leveldb tables and TensorFlow tensor bundles store, masked.
//
//   if (unmask_crc32c(stored) != crc32c(bytes)) ...   // a corrupt block
//
// leveldb masks a stored CRC (rotate right 15, add a constant) because a CRC of data that itself holds
// CRCs is weak; TensorFlow's bundle entries store the tensor bytes' CRC masked the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace deepimage::engine::tf {

std::uint32_t crc32c(std::span<const std::byte> bytes, std::uint32_t crc = 0);  // crc: to extend a running one
std::uint32_t mask_crc32c(std::uint32_t crc);
std::uint32_t unmask_crc32c(std::uint32_t masked);

}  // namespace deepimage::engine::tf
