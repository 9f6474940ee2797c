// Classic little-endian TIFF files assembled byte by byte from the TIFF 6.0 description, independent
// of libtiff and of our writer, so tests can declare what no honest writer would (a tile length of
// 167772176, ImageJ counts that overflow, 20,000 pages).
//
//   HandTiffPage page{.width = 4, .height = 3, .pixels = std::vector<std::uint8_t>(12, 7)};
//   write_hand_tiff(path, {page, page});   // two pages of uint8, one strip each
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deepimage::io::testing {

struct HandTiffPage {
  std::uint32_t width = 1, height = 1;
  std::uint16_t bits = 8, samples = 1;  // declared only: pixels are written as given
  std::vector<std::uint8_t> pixels;  // uint8, one sample: one strip, or the one tile's bytes
  std::string description;           // ImageDescription when not empty (first page: ImageJ metadata)
  std::optional<std::pair<std::uint32_t, std::uint32_t>> tile;  // TileWidth, TileLength: one tile
  std::uint16_t compression = 1;     // declared only: 1 none, 8 deflate, 5 LZW, ...
};

inline std::vector<char> hand_tiff(const std::vector<HandTiffPage>& pages) {
  std::vector<char> out = {'I', 'I', 42, 0, 0, 0, 0, 0};  // first IFD offset patched below
  const auto put = [&out](std::size_t at, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  const auto append = [&out](std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  std::size_t link = 4;  // where the offset of the next IFD goes
  for (const auto& p : pages) {
    const auto data_at = out.size();
    out.insert(out.end(), p.pixels.begin(), p.pixels.end());
    const auto text_at = out.size();
    if (!p.description.empty()) out.insert(out.end(), p.description.begin(), p.description.end()), out.push_back('\0');
    if (out.size() % 2) out.push_back('\0');  // IFDs start on a word boundary
    struct Entry { std::uint16_t tag, type; std::uint32_t count, value; };
    const std::uint16_t kShort = 3, kLong = 4, kAscii = 2;
    std::vector<Entry> entries = {{256, kLong, 1, p.width}, {257, kLong, 1, p.height}, {258, kShort, 1, p.bits},
                                  {259, kShort, 1, p.compression}, {262, kShort, 1, 1}};
    if (p.description.size() > 3)  // shorter text would sit in the entry itself; tests need none
      entries.push_back({270, kAscii, static_cast<std::uint32_t>(p.description.size() + 1), static_cast<std::uint32_t>(text_at)});
    const auto size = static_cast<std::uint32_t>(p.pixels.size());
    if (p.tile) {
      entries.push_back({277, kShort, 1, p.samples});
      entries.push_back({322, kLong, 1, p.tile->first});
      entries.push_back({323, kLong, 1, p.tile->second});
      entries.push_back({324, kLong, 1, static_cast<std::uint32_t>(data_at)});
      entries.push_back({325, kLong, 1, size});
    } else {
      entries.push_back({273, kLong, 1, static_cast<std::uint32_t>(data_at)});
      entries.push_back({277, kShort, 1, p.samples});
      entries.push_back({278, kLong, 1, p.height});
      entries.push_back({279, kLong, 1, size});
    }
    put(link, out.size(), 4);
    append(entries.size(), 2);
    for (const auto& e : entries) {
      append(e.tag, 2);
      append(e.type, 2);
      append(e.count, 4);
      append(e.value, 4);  // SHORT values sit in the first two bytes, little endian: the same bytes
    }
    link = out.size();
    append(0, 4);  // no next IFD (yet)
  }
  return out;
}

inline void write_hand_tiff(const std::filesystem::path& path, const std::vector<HandTiffPage>& pages) {
  const auto bytes = hand_tiff(pages);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace deepimage::io::testing
