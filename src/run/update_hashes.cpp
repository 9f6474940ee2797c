// update_hashes: the sha256 of every file the rdf names, written into the rdf's text.
//
// The rdf is edited as text, not re-emitted, so comments, key order and quoting stay as they were:
// an existing sha256 value is replaced where yaml-cpp's marks say it stands; a missing one is added
// after its `source` (a new line at the key's indentation in a block mapping, ", sha256: ..." in a
// flow mapping {source: x}). The edited text is parsed again and every hash checked before anything
// is written. A folder's rdf is replaced through a temporary file; a zip is copied to the output with
// its rdf entry replaced.
#include <zip.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "deepimage/error.hpp"
#include "deepimage/validate.hpp"
#include "io/temp_file.hpp"
#include "model/bundle.hpp"
#include "run/rdf_hashes.hpp"

namespace deepimage {
namespace {

namespace fs = std::filesystem;

// A file with a sha256 field: the mapping holding `source` (and maybe `sha256`).
struct HashedFile {
  std::string path;  // of the mapping, e.g. "weights.torchscript"
  YAML::Node entry;
};

std::vector<HashedFile> hashed_files(const YAML::Node& root, bool v05) {
  std::vector<HashedFile> files;
  if (root["weights"] && root["weights"].IsMap())
    for (const auto& kv : root["weights"])
      if (kv.second.IsMap() && kv.second["source"]) files.push_back({"weights." + kv.first.Scalar(), kv.second});
  if (!v05) return files;  // 0.4 names test tensors and attachments without hashes
  for (const char* list : {"inputs", "outputs"}) {
    if (!root[list] || !root[list].IsSequence()) continue;
    for (std::size_t i = 0; i < root[list].size(); ++i)
      for (const char* key : {"test_tensor", "sample_tensor"}) {
        const YAML::Node e = root[list][i][key];
        if (e && e.IsMap() && e["source"])
          files.push_back({std::string(list) + "[" + std::to_string(i) + "]." + key, e});
      }
  }
  if (root["attachments"] && root["attachments"].IsSequence())
    for (std::size_t i = 0; i < root["attachments"].size(); ++i) {
      const YAML::Node e = root["attachments"][i];
      if (e.IsMap() && e["source"]) files.push_back({"attachments[" + std::to_string(i) + "]", e});
    }
  return files;
}

// Where a scalar's text ends in the document (after its closing quote when quoted).
std::size_t scalar_end(const std::string& text, const YAML::Node& scalar) {
  const std::size_t at = static_cast<std::size_t>(scalar.Mark().pos);
  if (at < text.size() && (text[at] == '"' || text[at] == '\'')) {
    const std::size_t close = text.find(text[at], at + 1);
    return close == std::string::npos ? text.size() : close + 1;
  }
  return at + scalar.Scalar().size();
}

struct Edit {
  std::size_t at, length;
  std::string text;
};

std::string apply(std::string text, std::vector<Edit> edits) {
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.at > b.at; });
  for (const Edit& e : edits) text.replace(e.at, e.length, e.text);
  return text;
}

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

// The zip entry name of the rdf (bundles may be zipped with their folder: "model/rdf.yaml").
std::string zip_entry_of(zip_t* archive, const std::string& rdf_name) {
  const zip_int64_t n = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const std::string name = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0);
    if (name == rdf_name || (name.size() > rdf_name.size() && name.ends_with("/" + rdf_name) &&
                             name.find('/') == name.size() - rdf_name.size() - 1))
      return name;
  }
  throw Error(ErrorCode::internal, "the rdf \"" + rdf_name + "\" was not found again in the zip");
}

void write_zip_copy(const fs::path& input, const fs::path& output, const std::string& rdf_name, const std::string& text) {
  io::check_output_folder(output);
  const fs::path temp = io::claim_temp_path(output);
  fs::copy_file(input, temp, fs::copy_options::overwrite_existing);
  int err = 0;
  zip_t* archive = zip_open(temp.c_str(), 0, &err);
  const auto give_up = [&](const std::string& why) {
    if (archive) zip_discard(archive);
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw Error(ErrorCode::io, "cannot write \"" + output.string() + "\": " + why);
  };
  if (!archive) give_up("libzip error " + std::to_string(err));
  const std::string entry = zip_entry_of(archive, rdf_name);
  const zip_int64_t index = zip_name_locate(archive, entry.c_str(), 0);
  // libzip reads the buffer at zip_close, so `text` must outlive it (it does: it is the caller's).
  zip_source_t* source = zip_source_buffer(archive, text.data(), text.size(), 0);
  if (index < 0 || !source || zip_file_replace(archive, static_cast<zip_uint64_t>(index), source, 0) != 0) {
    if (source) zip_source_free(source);
    give_up(zip_strerror(archive));
  }
  if (zip_close(archive) != 0) give_up(zip_strerror(archive));
  archive = nullptr;
  std::error_code ec;
  fs::rename(temp, output, ec);
  if (ec) give_up(ec.message());
}

}  // namespace

std::string with_file_hashes(const std::string& text, const model::Bundle& bundle, bool stale_only, std::vector<HashUpdate>& updates) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::bad_model, bundle.rdf_name() + ": not valid YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  const std::string version = root.IsMap() && root["format_version"] ? root["format_version"].Scalar() : "";
  const bool v05 = version.rfind("0.5", 0) == 0;

  std::vector<Edit> edits;
  std::vector<std::string> expected;  // per hashed file, in order
  const auto files = hashed_files(root, v05);
  for (const HashedFile& f : files) {
    const YAML::Node source = f.entry["source"];
    if (!source.IsScalar() || is_url(source.Scalar())) {
      expected.emplace_back();
      continue;
    }
    const YAML::Node old = f.entry["sha256"];
    if (stale_only && (!old || !bundle.contains(source.Scalar()))) {
      expected.emplace_back();
      continue;
    }
    std::string sha;
    try {
      sha = bundle.sha256(source.Scalar());
    } catch (const Error& e) {
      throw Error(e.code(), "cannot hash " + f.path + ".source: " + e.what());
    }
    expected.push_back(sha);
    if (old && old.IsScalar()) {
      if (old.Scalar() == sha) continue;
      const std::size_t at = static_cast<std::size_t>(old.Mark().pos);
      const bool quoted = text[at] == '"' || text[at] == '\'';
      edits.push_back({at, scalar_end(text, old) - at, quoted ? std::string(1, text[at]) + sha + text[at] : sha});
    } else {
      const std::size_t end = scalar_end(text, source);
      if (f.entry.Style() == YAML::EmitterStyle::Flow) {
        edits.push_back({end, 0, ", sha256: " + sha});
      } else {
        std::size_t column = 0;
        for (const auto& kv : f.entry)
          if (kv.first.Scalar() == "source") column = static_cast<std::size_t>(kv.first.Mark().column);
        const std::size_t line_end = text.find('\n', end);
        const std::string line = std::string(column, ' ') + "sha256: " + sha + "\n";
        if (line_end == std::string::npos) edits.push_back({text.size(), 0, "\n" + line});
        else edits.push_back({line_end + 1, 0, line});
      }
    }
    updates.push_back({f.path + ".sha256", source.Scalar(), old && old.IsScalar() ? old.Scalar() : "", sha});
  }
  const std::string updated = apply(text, edits);

  // The edit must leave a document whose hashes are exactly the computed ones.
  YAML::Node check;
  try {
    check = YAML::Load(updated);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::internal, "updating the hashes broke the rdf's YAML (a bug of deepimage): " + e.msg);
  }
  const auto again = hashed_files(check, v05);
  for (std::size_t i = 0; i < again.size() && i < expected.size(); ++i)
    if (!expected[i].empty() && (!again[i].entry["sha256"] || again[i].entry["sha256"].Scalar() != expected[i]))
      throw Error(ErrorCode::internal, "updating the hashes left " + again[i].path + ".sha256 wrong (a bug of deepimage)");
  if (again.size() != expected.size()) throw Error(ErrorCode::internal, "updating the hashes changed the rdf's files (a bug of deepimage)");
  return updated;
}

HashUpdateReport update_hashes(const HashUpdateOptions& options) {
  const model::Bundle bundle = model::Bundle::open(options.model);
  std::error_code ec;
  if (bundle.is_zip()) {
    if (options.output.empty())
      throw Error(ErrorCode::invalid_argument, "\"" + options.model.string() + "\" is a zip, which is never changed in place: give -o "
                                               "NEW.zip for a copy with updated hashes");
    if (options.output.extension() != ".zip")
      throw Error(ErrorCode::invalid_argument, "\"" + options.output.string() + "\" does not end in .zip; a zip bundle is written as a new .zip");
    if (fs::exists(options.output, ec) && fs::equivalent(options.output, options.model, ec))
      throw Error(ErrorCode::invalid_argument, "\"" + options.output.string() + "\" is the input zip; give another -o");
  }
  const fs::path folder = fs::is_directory(options.model) ? options.model : options.model.parent_path();
  const fs::path rdf_path = (folder.empty() ? fs::path(".") : folder) / bundle.rdf_name();
  const fs::path target = options.output.empty() ? rdf_path : options.output;
  const bool in_place = !bundle.is_zip() && fs::exists(target, ec) && fs::equivalent(target, rdf_path, ec);
  if (!in_place && fs::exists(target, ec) && !options.overwrite)
    throw Error(ErrorCode::invalid_argument, "\"" + target.string() + "\" exists; pass --overwrite to replace it");

  const std::string text = bundle.read_text(bundle.rdf_name());
  HashUpdateReport report;
  const std::string updated = with_file_hashes(text, bundle, false, report.updates);
  if (bundle.is_zip()) write_zip_copy(options.model, target, bundle.rdf_name(), updated);
  else io::write_file_via_temp(target, updated);
  report.written = target;
  return report;
}

}  // namespace deepimage
