#include "pull/file_sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <memory>
#include <vector>

#include "deepimage/error.hpp"

namespace deepimage::pull {

std::string file_sha256(const std::filesystem::path& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\"");
  const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
    throw Error(ErrorCode::internal, "OpenSSL could not start a sha256");
  std::vector<unsigned char> buffer(std::size_t{1} << 20);
  for (std::size_t got; (got = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0;)
    EVP_DigestUpdate(context.get(), buffer.data(), got);
  if (std::ferror(file.get())) throw Error(ErrorCode::io, "cannot read \"" + path.string() + "\"");
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += {kHex[digest[i] >> 4], kHex[digest[i] & 15]};
  return hex;
}

void check_sha256(const std::filesystem::path& path, const std::string& expected, const std::string& what) {
  std::string want = expected;
  for (auto& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string actual = file_sha256(path);
  if (actual != want)
    throw Error(ErrorCode::bad_model, what + ": sha256 mismatch (expected " + want + ", got " + actual + ")");
}

}  // namespace deepimage::pull
