// TiffDirectory — one TIFF image file directory (IFD) encoded by hand, little-endian, classic or BigTIFF,
// for a writer that decides where every byte of the file goes.
//
//   TiffDirectory d(/*big=*/false);
//   d.add_long(256, width);  d.add_ascii(270, description);  d.add_offsets(273, strip_offsets);
//   std::vector<std::byte> bytes = d.encode(/*at=*/8, /*next=*/0);   // d.size() bytes, written at offset 8
//
// Why not libtiff: ImageJ reads an ImageJ TIFF with images=N as ONE block of N contiguous images that
// starts at the first page's data (it ignores the other directories), and tifffile does the same when
// the pages look contiguous. libtiff always appends a page's directory right after that page's data,
// so the pixel data of a stack written page by page is never contiguous: ImageJ then shows garbage for
// every page but the first. This encoder lets the writer put all pixel data in one block (see
// tiff_write.cpp for the layout).
//
// Layout of what encode() returns: entry count, the entries sorted by tag, the next-IFD offset, then
// the values too large for an entry, each on a word boundary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deepimage::io {

class TiffDirectory {
 public:
  explicit TiffDirectory(bool big) : big_(big) {}

  void add_short(std::uint16_t tag, std::uint16_t value);
  void add_long(std::uint16_t tag, std::uint32_t value);
  void add_ascii(std::uint16_t tag, const std::string& text);           // NUL added
  void add_rational(std::uint16_t tag, std::uint32_t numerator, std::uint32_t denominator);
  void add_offsets(std::uint16_t tag, const std::vector<std::uint64_t>& values);  // LONG, or LONG8 in BigTIFF
  void add_bytes(std::uint16_t tag, const std::vector<std::byte>& bytes);        // BYTE
  void add_longs(std::uint16_t tag, const std::vector<std::uint32_t>& values);   // LONG

  // Bytes encode() returns (the same whatever the offsets given to it).
  std::uint64_t size() const;
  std::vector<std::byte> encode(std::uint64_t at, std::uint64_t next) const;
  // Where the value of `tag` lies in the file when the directory is encoded at `at`.
  std::uint64_t value_offset(std::uint16_t tag, std::uint64_t at) const;

  // The file header pointing at the first directory.
  static std::vector<std::byte> header(bool big, std::uint64_t first_directory);
  static std::uint64_t header_size(bool big) { return big ? 16 : 8; }

 private:
  struct Entry {
    std::uint16_t type = 0;
    std::uint64_t count = 0;
    std::vector<std::byte> value;  // little-endian
  };
  void add(std::uint16_t tag, std::uint16_t type, std::uint64_t count, std::vector<std::byte> value);
  std::uint64_t inline_room() const { return big_ ? 8 : 4; }
  std::uint64_t table_size() const;

  bool big_;
  std::map<std::uint16_t, Entry> entries_;
};

}  // namespace deepimage::io
