// Hostile zips, as `run` reads a bundle .zip in place and as `pull` unpacks one into the models folder:
// entries that reach outside (".." or an absolute name), symbolic links, zip bombs, encrypted entries,
// a bundle zip inside a zip, and zips that are cut or not zips at all.
#include "bad_inputs/catalogue.hpp"

#include <sys/stat.h>
#include <zip.h>

#include "support/zip_files.hpp"

namespace deepimage::testing {

namespace fs = std::filesystem;

namespace {

struct ZipEntry {
  std::string name, content;
  bool encrypted = false;  // PKWARE encryption, password "secret"
  bool symlink = false;    // Unix mode S_IFLNK in the external attributes; content is the target
};

void make_hostile_zip(const fs::path& path, const std::vector<ZipEntry>& entries) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  for (const auto& e : entries) {
    zip_source_t* src = zip_source_buffer(z, e.content.data(), e.content.size(), 0);  // read at close; entries outlive it
    const zip_int64_t index = zip_file_add(z, e.name.c_str(), src, ZIP_FL_ENC_UTF_8);
    ASSERT_GE(index, 0) << e.name << ": " << zip_strerror(z);
    const auto i = static_cast<zip_uint64_t>(index);
    if (e.encrypted) {
      ASSERT_EQ(zip_file_set_encryption(z, i, ZIP_EM_TRAD_PKWARE, "secret"), 0) << zip_strerror(z);
    }
    if (e.symlink) {
      ASSERT_EQ(zip_file_set_external_attributes(z, i, 0, ZIP_OPSYS_UNIX, (S_IFLNK | 0777u) << 16), 0);
    }
  }
  ASSERT_EQ(zip_close(z), 0) << zip_strerror(z);
}

// The example model's files as zip entries, with `extra` added.
std::vector<ZipEntry> example_entries(std::vector<ZipEntry> extra = {}) {
  std::vector<ZipEntry> entries;
  for (const char* f : {"rdf.yaml", "weights.pt", "test_input.npy", "test_output.npy"})
    entries.push_back({.name = f, .content = slurp(example_model() / f)});
  entries.insert(entries.end(), extra.begin(), extra.end());
  return entries;
}

std::vector<ZipEntry> bomb_entries() {
  // 100 MiB of zeros deflate to about 100 KB: a thousandfold expansion.
  return {{.name = "rdf.yaml", .content = slurp(example_model() / "rdf.yaml")},
          {.name = "weights.pt", .content = std::string(std::size_t{100} << 20, '\0')}};
}

enum class Via { run, pull };

// The zip made by `make` as IN/model.zip, given to `run` (read in place) or `pull` (unpacked into OUT).
Entry zip_entry(std::string name, std::string input, Via via, std::function<void(const fs::path&)> make,
                std::vector<std::string> message) {
  return {.name = std::move(name),
          .input = std::move(input),
          .make = [via, make](const Dirs& d) {
            make(d.in / "model.zip");
            if (via == Via::run) return run_args(d, d.in / "model.zip", example_image());
            return std::vector<std::string>{"pull", (d.in / "model.zip").string(), "--dir", d.out.string()};
          },
          .message = std::move(message)};
}

std::function<void(const fs::path&)> zip_of(std::function<std::vector<ZipEntry>()> entries) {
  return [entries](const fs::path& p) { make_hostile_zip(p, entries()); };
}

}  // namespace

std::vector<Entry> zip_file_entries() {
  const auto dotdot = zip_of([] { return example_entries({{.name = "../escaped.txt", .content = "out"}}); });
  const auto absolute = zip_of([] { return example_entries({{.name = "/tmp/escaped.txt", .content = "out"}}); });
  const auto symlink = zip_of([] { return example_entries({{.name = "passwd", .content = "/etc/passwd", .symlink = true}}); });
  const auto encrypted = zip_of([] {
    auto entries = example_entries();
    for (auto& e : entries) e.encrypted = true;
    return entries;
  });
  const auto nested = [](const fs::path& p) {
    const fs::path inner = p.parent_path() / "inner.zip";
    make_hostile_zip(inner, example_entries());
    make_hostile_zip(p, {{.name = "nuclei_unet2d.zip", .content = slurp(inner)}});
    fs::remove(inner);
  };
  const auto truncated = [](const fs::path& p) {
    make_hostile_zip(p, example_entries());
    write_file(p, head_of(p, 0.5));
  };
  return {
      zip_entry("zip_not_a_zip", "a model .zip that is text", Via::run, [](const fs::path& p) { write_file(p, "not a zip\n"); },
                {"cannot open \"IN/model.zip\" as a zip: Not a zip archive"}),
      zip_entry("zip_truncated", "a bundle .zip cut in half", Via::run, truncated,
                {"cannot open \"IN/model.zip\" as a zip: Not a zip archive"}),
      zip_entry("zip_dotdot_entry", "a bundle .zip with an entry \"../escaped.txt\"", Via::run, dotdot,
                {"IN/model.zip: entry \"../escaped.txt\" reaches outside the bundle with \"..\""}),
      zip_entry("zip_absolute_entry", "a bundle .zip with an entry \"/tmp/escaped.txt\"", Via::run, absolute,
                {"IN/model.zip: entry \"/tmp/escaped.txt\" is an absolute path; bundle entries must be relative"}),
      zip_entry("zip_bomb", "a bundle .zip whose 100 KB weights.pt expands to 100 MiB", Via::run, zip_of(bomb_entries),
                {"\"weights.pt\" in \"IN/model.zip\" expands", "to 104857600 (more than 100 times: a zip bomb?)"}),
      zip_entry("zip_rdf_declares_a_gigabyte", "a bundle .zip whose rdf.yaml entry declares 1 GiB", Via::run,
                [](const fs::path& p) {
                  make_zip(p, {{"rdf.yaml", slurp(example_model() / "rdf.yaml")}});
                  declare_size(p, "rdf.yaml", 1u << 30);
                },
                {"\"rdf.yaml\" in \"IN/model.zip\" is 1073741824 bytes, more than the 16777216 allowed for a model description"}),
      zip_entry("zip_encrypted", "a bundle .zip whose entries are encrypted", Via::run, encrypted,
                {"\"rdf.yaml\" in \"IN/model.zip\" is encrypted; bundles are read without a password"}),
      zip_entry("zip_inside_a_zip", "a .zip holding only a bundle .zip", Via::run, nested,
                {"\"IN/model.zip\" holds no model description", "but holds \"nuclei_unet2d.zip\": a bundle zipped inside? give that .zip instead"}),
      zip_entry("pull_zip_dotdot_entry", "`pull` of a .zip with an entry \"../escaped.txt\"", Via::pull, dotdot,
                {"\"IN/model.zip\": entry \"../escaped.txt\" reaches outside the bundle with \"..\""}),
      zip_entry("pull_zip_absolute_entry", "`pull` of a .zip with an entry \"/tmp/escaped.txt\"", Via::pull, absolute,
                {"\"IN/model.zip\": entry \"/tmp/escaped.txt\" is an absolute path; bundle entries must be relative"}),
      zip_entry("pull_zip_symlink_entry", "`pull` of a .zip with a symbolic link to /etc/passwd", Via::pull, symlink,
                {"IN/model.zip\": entry \"passwd\" is a symbolic link; bundles hold plain files only"}),
      zip_entry("pull_zip_bomb", "`pull` of a .zip whose 100 KB weights.pt expands to 100 MiB", Via::pull, zip_of(bomb_entries),
                {"\"IN/model.zip\": entry \"weights.pt\" expands", "bytes to 104857600 (more than 100 times: a zip bomb?)"}),
      zip_entry("pull_zip_encrypted", "`pull` of a .zip whose entries are encrypted", Via::pull, encrypted,
                {"\"IN/model.zip\": entry \"rdf.yaml\" is encrypted; bundles are read without a password"}),
      zip_entry("pull_zip_inside_a_zip", "`pull` of a .zip holding only a bundle .zip", Via::pull, nested,
                {"\"IN/model.zip\" holds no model description", "but holds \"nuclei_unet2d.zip\": a bundle zipped inside? give that .zip instead"}),
      zip_entry("pull_zip_truncated", "`pull` of a bundle .zip cut in half", Via::pull, truncated,
                {"cannot open \"IN/model.zip\" as a zip: Not a zip archive"}),
      {.name = "validate_zip_dotdot_entry",
       .input = "`validate` of a bundle .zip with an entry \"../escaped.txt\"",
       .make = [dotdot](const Dirs& d) {
         dotdot(d.in / "model.zip");
         return std::vector<std::string>{"validate", (d.in / "model.zip").string()};
       },
       .message = {"IN/model.zip: entry \"../escaped.txt\" reaches outside the bundle with \"..\""}},
  };
}

INSTANTIATE_TEST_SUITE_P(ZipFiles, Catalogue, ::testing::ValuesIn(zip_file_entries()), entry_name);

}  // namespace deepimage::testing
