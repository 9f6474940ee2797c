#include "pull/zip_unpack.hpp"

#include <sys/stat.h>
#include <zip.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "deepimage/error.hpp"
#include "model/bundle.hpp"
#include "model/zip_entry_check.hpp"

namespace deepimage::pull {
namespace {

namespace fs = std::filesystem;

struct Entry {
  zip_uint64_t index = 0;
  std::string name;  // clean, relative
  std::uint64_t size = 0;
};

// The type bits of an entry's Unix mode (a zip made on Unix keeps st_mode in the high 16 bits of its
// external attributes); 0 when the zip does not say, as for zips made on Windows.
unsigned unix_file_type(zip_t* archive, zip_uint64_t index) {
  zip_uint8_t system = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(archive, index, 0, &system, &attributes) != 0 || system != ZIP_OPSYS_UNIX)
    return 0;
  return (attributes >> 16) & S_IFMT;
}

std::string zip_open_error(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string message = zip_error_strerror(&error);
  zip_error_fini(&error);
  return message;
}

// All checks that need no decompression, over every entry, before anything is written.
std::vector<Entry> checked_entries(zip_t* archive, const std::string& shown, std::uint64_t zip_bytes) {
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  if (count < 0 || static_cast<std::uint64_t>(count) > kMaxZipEntries)
    throw Error(ErrorCode::bad_model, shown + " holds " + std::to_string(count) + " entries, more than the " +
                                          std::to_string(kMaxZipEntries) + " allowed");
  std::vector<Entry> entries;
  std::set<std::string> names;
  std::uint64_t total = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    const auto index = static_cast<zip_uint64_t>(i);
    zip_stat_t st;
    if (zip_stat_index(archive, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME))
      throw Error(ErrorCode::io, "cannot read entry " + std::to_string(i) + " of " + shown + ": " + zip_strerror(archive));
    const std::string raw = st.name;
    const std::string entry = shown + ": entry \"" + raw + "\"";
    if (raw.find('\\') != std::string::npos)
      throw Error(ErrorCode::bad_model, entry + " has a \"\\\" in its name; bundle entries use \"/\"");
    const std::string name = model::normalised_entry(raw, shown);  // refuses ".." and absolute names
    const unsigned type = unix_file_type(archive, index);
    if (type == S_IFLNK) throw Error(ErrorCode::bad_model, entry + " is a symbolic link; bundles hold plain files only");
    if (type != 0 && type != S_IFREG && type != S_IFDIR)
      throw Error(ErrorCode::bad_model, entry + " is a special file (mode " + std::to_string(type) + "); bundles hold plain files only");
    if (!raw.empty() && raw.back() == '/') continue;  // a folder: made when a file needs it
    model::check_zip_entry(st, entry, model::kMaxEntryBytes, zip_bytes, "unzip it with yours and zip it again without one");
    total += st.size;
    if (total > kMaxUnpackedBytes)
      throw Error(ErrorCode::bad_model, shown + " unpacks to more than the " + std::to_string(kMaxUnpackedBytes) +
                                            " bytes allowed (a zip bomb?)");
    if (!names.insert(name).second) throw Error(ErrorCode::bad_model, entry + " appears twice");
    entries.push_back({index, name, st.size});
  }
  return entries;
}

// "unet/" when every entry is under that one folder, else "".
std::string common_folder(const std::vector<Entry>& entries) {
  if (entries.empty()) return "";
  const std::string first = entries.front().name.substr(0, entries.front().name.find('/'));
  for (const auto& e : entries)
    if (e.name.find('/') == std::string::npos || e.name.compare(0, first.size() + 1, first + "/") != 0) return "";
  return first + "/";
}

void write_entry(zip_t* archive, const Entry& e, const fs::path& target, const std::string& shown) {
  const std::string entry = "\"" + e.name + "\" in " + shown;
  const std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> in(zip_fopen_index(archive, e.index, 0), zip_fclose);
  if (!in) throw Error(ErrorCode::io, "cannot read " + entry + ": " + zip_strerror(archive));
  fs::create_directories(target.parent_path());
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(ErrorCode::io, "cannot write \"" + target.string() + "\"");
  std::vector<char> buffer(std::size_t{1} << 20);
  std::uint64_t written = 0;
  for (;;) {
    const zip_int64_t got = zip_fread(in.get(), buffer.data(), buffer.size());
    if (got < 0) throw Error(ErrorCode::io, "cannot decompress " + entry + ": " + zip_error_strerror(zip_file_get_error(in.get())));
    if (got == 0) break;
    written += static_cast<std::uint64_t>(got);
    if (written > e.size)  // the declared size was a lie: stop before it costs more disk
      throw Error(ErrorCode::bad_model, entry + " holds more than the " + std::to_string(e.size) + " bytes it declares");
    out.write(buffer.data(), got);
    if (!out) throw Error(ErrorCode::io, "cannot write \"" + target.string() + "\" (disk full?)");
  }
  if (written < e.size)
    throw Error(ErrorCode::io, entry + " is truncated: it declares " + std::to_string(e.size) + " bytes but holds " +
                                   std::to_string(written));
  out.close();
  if (!out) throw Error(ErrorCode::io, "cannot write \"" + target.string() + "\" (disk full?)");
}

}  // namespace

std::size_t unpack_zip(const fs::path& zip, const fs::path& folder, const std::string& source) {
  const std::string shown = "\"" + (source.empty() ? zip.string() : source) + "\"";
  int code = 0;
  const std::unique_ptr<zip_t, void (*)(zip_t*)> archive(zip_open(zip.c_str(), ZIP_RDONLY, &code), zip_discard);
  if (!archive) throw Error(ErrorCode::io, "cannot open " + shown + " as a zip: " + zip_open_error(code));
  const std::vector<Entry> entries = checked_entries(archive.get(), shown, fs::file_size(zip));
  const std::string prefix = common_folder(entries);
  for (const auto& e : entries) write_entry(archive.get(), e, folder / e.name.substr(prefix.size()), shown);
  return entries.size();
}

}  // namespace deepimage::pull
