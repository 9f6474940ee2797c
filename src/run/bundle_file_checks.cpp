// check_file: a file the rdf names is in the bundle and matches its sha256.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "deepimage/error.hpp"
#include "run/validation.hpp"

namespace deepimage::run {
namespace {

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

bool is_sha256_text(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

}  // namespace

void check_file(const RdfField& source, const model::Bundle& bundle, Problems& problems,
                const std::optional<RdfField>& sha256, const std::string& sha256_path, bool warn_missing_sha,
                bool stale_sha_is_warning) {
  if (!source.is_scalar() || source.text().empty()) {
    problems.error(source.path(), "expected a file name, got " + shown(source.node()), "a path relative to the rdf, or a URL");
    return;
  }
  const std::string name = source.text();
  if (is_url(name)) {
    problems.warning(source.path(), "\"" + name + "\" is a URL and was not checked",
                     "a file inside the bundle, which validate can check and which works offline");
    return;
  }
  try {
    if (!bundle.contains(name)) {
      // The folder the name is relative to, also when the rdf file itself was given.
      const std::filesystem::path& at = bundle.location();
      std::filesystem::path shown_at = bundle.is_zip() || std::filesystem::is_directory(at) ? at : at.parent_path();
      if (shown_at.empty()) shown_at = ".";
      problems.error(source.path(), "\"" + name + "\" is not in the bundle \"" + shown_at.string() + "\"",
                     "a file inside the bundle, named relative to the rdf");
      return;
    }
  } catch (const Error& e) {  // an absolute name or one with ".."
    problems.error(source.path(), e.what(), "a file inside the bundle, named relative to the rdf");
    return;
  }
  const bool has_sha = sha256 && sha256->present();
  if (!has_sha) {
    if (warn_missing_sha)
      problems.warning(sha256_path, "no sha256 for \"" + name + "\"",
                       "a sha256 lets tools notice a changed or corrupted file (deepimage validate --update-hashes writes it)");
    return;
  }
  std::string expected = sha256->text();
  if (!sha256->is_scalar() || !is_sha256_text(expected)) {
    problems.error(sha256->path(), "expected a sha256, got " + shown(sha256->node()), "64 hexadecimal digits");
    return;
  }
  std::transform(expected.begin(), expected.end(), expected.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string actual;
  try {
    actual = bundle.sha256(name);
  } catch (const Error& e) {  // a link outside the folder, an entry over the size limits
    problems.error(source.path(), e.what(), "a readable file inside the bundle");
    return;
  }
  if (actual != expected && stale_sha_is_warning)
    problems.warning(sha256->path(), "\"" + expected + "\" is not the sha256 of \"" + name + "\", which is \"" + actual + "\"",
                     "format 0.3 tools did not check hashes, so this is accepted; deepimage validate --update-hashes rewrites them");
  else if (actual != expected)
    problems.error(sha256->path(), "\"" + expected + "\" is not the sha256 of \"" + name + "\", which is \"" + actual + "\"",
                   "the file was changed or the rdf is stale; deepimage validate --update-hashes rewrites the hashes");
}

}  // namespace deepimage::run
