#include "io/png_jpeg.hpp"

#include <array>
#include <fstream>

#include "deepimage/error.hpp"

namespace deepimage::io {

Image read_png_jpeg(const std::filesystem::path& path) {
  // By content, not by name: a JPEG saved as .png still reads.
  std::array<unsigned char, 8> head{};
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\"");
  file.read(reinterpret_cast<char*>(head.data()), head.size());
  constexpr std::array<unsigned char, 8> png_signature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (file.gcount() == 8 && head == png_signature) return read_png(path);
  if (file.gcount() >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff) return read_jpeg(path);
  throw Error(ErrorCode::io, "\"" + path.string() + "\" cannot be decoded: not a readable " + path.extension().string() +
                                 " image (it starts with neither the PNG nor the JPEG signature)");
}

}  // namespace deepimage::io
