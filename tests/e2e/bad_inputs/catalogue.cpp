#include "bad_inputs/catalogue.hpp"

#include <csignal>
#include <cstring>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>

#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "model/bundle.hpp"

namespace deepimage::testing {
namespace {

namespace fs = std::filesystem;

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

// The placeholders of an entry's message, longest first: realdata lies under the source tree's parent.
// A bare folder name is expanded only before a quote ("OUT"), where no other word can end.
std::vector<std::pair<std::string, std::string>> placeholders(const Dirs& d) {
  return {{d.in.string() + "/", "IN/"},
          {d.out.string() + "/", "OUT/"},
          {d.in.string() + "\"", "IN\""},
          {d.out.string() + "\"", "OUT\""},
          {realdata().string() + "/", "REAL/"},
          {source_dir().string() + "/", "SRC/"},
          {d.in.string(), "IN"},
          {d.out.string(), "OUT"}};
}

std::string expand(std::string text, const Dirs& d) {
  for (const auto& [path, mark] : placeholders(d))
    if (mark.back() == '/' || mark.back() == '"') replace_all(text, mark, path);
  return text;
}

std::string shorten(std::string text, const Dirs& d) {
  for (const auto& [path, mark] : placeholders(d)) replace_all(text, path, mark);
  return text;
}

// FNV-1a: enough to notice any change to a file between before and after.
std::uint64_t content_hash(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::uint64_t h = 1469598103934665603ull;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    for (std::streamsize i = 0; i < in.gcount(); ++i) h = (h ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ull;
    if (!in) break;
  }
  return h;
}

// Every file, folder and link under `root` (or `root` itself) with what it holds.
void snapshot(const fs::path& root, std::map<std::string, std::string>& into) {
  const auto describe = [&](const fs::path& p) {
    const auto st = fs::symlink_status(p);
    if (fs::is_symlink(st)) return "link to " + fs::read_symlink(p).string();
    if (fs::is_directory(st)) return std::string("folder");
    return "file " + std::to_string(fs::file_size(p)) + " bytes, hash " + std::to_string(content_hash(p));
  };
  if (!fs::exists(fs::symlink_status(root))) return;
  into[root.string()] = describe(root);
  if (fs::is_directory(fs::symlink_status(root)))
    for (const auto& e : fs::recursive_directory_iterator(root)) into[e.path().string()] = describe(e.path());
}

bool under(const fs::path& p, const fs::path& root) {
  const std::string s = p.lexically_normal().string(), r = root.lexically_normal().string();
  return s.size() >= r.size() && s.compare(0, r.size(), r) == 0;
}

// The inputs an entry can reach: its input folder, and each argument that names an existing path
// outside the output folder (for a file, its whole folder, where a stray temporary file would go).
std::map<std::string, std::string> inputs_of(const Dirs& d, const std::vector<std::string>& args) {
  std::map<std::string, std::string> all;
  snapshot(d.in, all);
  for (const auto& a : args) {
    const fs::path p(a);
    if (!p.is_absolute() || under(p, d.out) || under(p, d.in) || !fs::exists(fs::symlink_status(p))) continue;
    snapshot(fs::is_directory(p) ? p : p.parent_path(), all);
  }
  return all;
}

// The output folder's files and what they hold; "(no folder)" when it does not exist.
std::map<std::string, std::string> listing(const fs::path& dir) {
  if (!fs::exists(dir)) return {{"(no folder)", ""}};
  std::map<std::string, std::string> all;
  snapshot(dir, all);
  all.erase(dir.string());
  return all;
}

// The output folder as the entry wants it, for the duration of the command.
class OutputFolderGuard {
 public:
  OutputFolderGuard(const fs::path& dir, OutputFolder kind) : dir_(dir) {
    if (kind == OutputFolder::missing) return;
    fs::create_directories(dir);
    if (kind == OutputFolder::plain) return;
    const unsigned long flags = kind == OutputFolder::read_only ? MS_RDONLY : 0;
    if (::mount("tmpfs", dir.c_str(), "tmpfs", flags, "size=64k") == 0) {
      mounted_ = true;
      return;
    }
    // No mount (not root, or a container that refuses it): a file size limit stands in for a full
    // disk (SIGXFSZ ignored, so writes fail with EFBIG as they would with ENOSPC), and permission
    // bits for a read-only folder where they count.
    if (kind == OutputFolder::full) {
      ::getrlimit(RLIMIT_FSIZE, &saved_limit_);
      rlimit small = saved_limit_;
      small.rlim_cur = 64 << 10;
      ::setrlimit(RLIMIT_FSIZE, &small);
      saved_sigxfsz_ = std::signal(SIGXFSZ, SIG_IGN);
      limited_ = true;
    } else if (::geteuid() != 0) {
      fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    } else {
      skip_ = "cannot mount a read-only tmpfs here, and root ignores permission bits";
    }
  }
  ~OutputFolderGuard() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    if (limited_) {
      ::setrlimit(RLIMIT_FSIZE, &saved_limit_);
      std::signal(SIGXFSZ, saved_sigxfsz_);
    }
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
  }
  OutputFolderGuard(const OutputFolderGuard&) = delete;
  OutputFolderGuard& operator=(const OutputFolderGuard&) = delete;
  const std::string& skip() const { return skip_; }

 private:
  fs::path dir_;
  bool mounted_ = false, limited_ = false;
  rlimit saved_limit_{};
  void (*saved_sigxfsz_)(int) = SIG_DFL;
  std::string skip_;
};

// Markdown table text: "|" escaped, control characters (a YAML parser quoting a byte) as \xNN.
std::string table_cell(const std::string& text) {
  std::string cell;
  for (const char c : text) {
    if (c == '|') cell += "\\|";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      cell += std::string("\\x") + "0123456789abcdef"[(c >> 4) & 15] + "0123456789abcdef"[c & 15];
    else cell += c;
  }
  return cell;
}

}  // namespace

std::string entry_name(const ::testing::TestParamInfo<Entry>& info) { return info.param.name; }

void check_entry(const Entry& e) {
  if (e.needs_realdata && !fs::exists(realdata())) GTEST_SKIP() << "../shared/realdata is absent";
  TempDir dir;
  const Dirs d{dir / "in", dir / "out"};
  fs::create_directories(d.in);
  // The entry's files are made before the output folder is (a full tmpfs must not hold them).
  const std::vector<std::string> args = e.make(d);
  if (::testing::Test::HasFatalFailure()) return;
  OutputFolderGuard guard(d.out, e.output);
  if (!guard.skip().empty()) GTEST_SKIP() << guard.skip();
  if (e.before) e.before(d);
  const auto inputs_before = inputs_of(d, args);
  const auto output_before = listing(d.out);

  const CliResult r = run_cli(args);

  EXPECT_EQ(r.exit_code, e.exit_code) << r.err;
  const std::string first_line = r.err.substr(0, r.err.find('\n'));
  if (e.exit_code == 2) {
    // Usage errors come from the option parser: the problem, then a pointer to --help.
    EXPECT_LE(line_count(r.err), 2) << r.err;
  } else {
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_EQ(line_count(r.err), 1) << "not one line: " << r.err;
  }
  for (const auto& part : e.message)
    EXPECT_NE(first_line.find(expand(part, d)), std::string::npos) << "expected \"" << expand(part, d) << "\" in: " << r.err;
  EXPECT_EQ(r.out, "") << "stdout of a failed command";
  EXPECT_EQ(listing(d.out), output_before) << "a file was left in the output folder: " << r.err;
  EXPECT_EQ(inputs_of(d, args), inputs_before) << "an input was changed: " << r.err;

  // The docs' table (docs/reliability.md) is printed from the runs themselves.
  if (const char* table = std::getenv("DEEPIMAGE_CATALOGUE_TABLE")) {
    std::string command = "deepimage";
    for (const auto& a : args) command += " " + (a.find(' ') == std::string::npos ? a : "'" + a + "'");
    std::ofstream(table, std::ios::app) << "| `" << e.name << "` | " << table_cell(e.input) << " | `" << table_cell(shorten(command, d))
                                        << "` | `" << table_cell(shorten(first_line, d)) << "` | " << r.exit_code << " |\n";
  }
}

TEST_P(Catalogue, FailsCleanly) { check_entry(GetParam()); }

fs::path example_model() { return source_dir() / "examples/nuclei_unet2d"; }
fs::path example_image() { return source_dir() / "examples/images/nuclei_bbbc038_0bf4b1.tif"; }

std::vector<std::string> run_args(const Dirs& d, const fs::path& model, const fs::path& input, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"run", model.string(), input.string(), "-o", (d.out / "out.tif").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

void write_file(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string head_of(const fs::path& path, double fraction) {
  const std::string all = slurp(path);
  return all.substr(0, static_cast<std::size_t>(static_cast<double>(all.size()) * fraction));
}

void write_npy_with(const fs::path& path, const std::string& descr, const std::string& shape, std::size_t data_bytes) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');  // data starts at a multiple of 64, as numpy writes
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  write_file(path, bytes + header + std::string(data_bytes, '\0'));
}

void copy_tree(const fs::path& from, const fs::path& to) {
  // File by file, each writable: realdata is read-only, and a copy of its modes would be too.
  fs::create_directories(to);
  for (const auto& e : fs::recursive_directory_iterator(from)) {
    const fs::path target = to / fs::relative(e.path(), from);
    if (e.is_directory()) fs::create_directories(target);
    else fs::copy_file(e.path(), target, fs::copy_options::overwrite_existing);
    fs::permissions(target, e.is_directory() ? fs::perms::owner_all : fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::add);
  }
}

std::string sha256_of(const std::string& bytes) {
  std::vector<std::byte> b(bytes.size());
  std::memcpy(b.data(), bytes.data(), bytes.size());
  return model::sha256_hex(b);
}

fs::path bundle_with(const fs::path& bundle, const fs::path& to, const std::string& rdf,
                     const std::vector<std::pair<std::string, std::string>>& replace) {
  copy_tree(bundle, to);
  std::string yaml = slurp(to / rdf);
  for (const auto& [name, bytes] : replace) {
    const std::string old_sha = sha256_of(slurp(to / name));
    const auto at = yaml.find(old_sha);
    EXPECT_NE(at, std::string::npos) << "no sha256 of " << name << " in " << rdf;
    if (at != std::string::npos) yaml.replace(at, old_sha.size(), sha256_of(bytes));
    write_file(to / name, bytes);
  }
  write_file(to / rdf, yaml);
  return to;
}

fs::path example_model_with(const fs::path& to, const std::string& from, const std::string& to_text) {
  copy_tree(example_model(), to);
  std::string yaml = slurp(to / "rdf.yaml");
  const auto at = yaml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) yaml.replace(at, from.size(), to_text);
  write_file(to / "rdf.yaml", yaml);
  return to;
}

}  // namespace deepimage::testing
