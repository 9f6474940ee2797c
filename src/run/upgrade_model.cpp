// upgrade_model: the file side of `validate --upgrade` (the conversion itself is model/rdf_upgrade.cpp).
#include <filesystem>

#include "deepimage/error.hpp"
#include "deepimage/validate.hpp"
#include "io/temp_file.hpp"
#include "model/bundle.hpp"
#include "model/rdf.hpp"
#include "model/rdf_upgrade.hpp"
#include "run/rdf_hashes.hpp"

namespace deepimage {

namespace fs = std::filesystem;

UpgradeReport upgrade_model(const UpgradeOptions& options) {
  if (options.output.empty()) throw Error(ErrorCode::invalid_argument, "upgrading needs an output file for the 0.5 rdf");
  const model::Bundle bundle = model::Bundle::open(options.model);
  std::error_code ec;
  if (!bundle.is_zip()) {
    const fs::path folder = fs::is_directory(options.model) ? options.model : options.model.parent_path();
    const fs::path input = (folder.empty() ? fs::path(".") : folder) / bundle.rdf_name();
    if (fs::exists(options.output, ec) && fs::equivalent(options.output, input, ec))
      throw Error(ErrorCode::invalid_argument, "\"" + options.output.string() + "\" is the rdf being upgraded; the input is never "
                                               "changed: give another -o");
  }
  if (fs::exists(options.output, ec) && !options.overwrite)
    throw Error(ErrorCode::invalid_argument, "\"" + options.output.string() + "\" exists; pass --overwrite to replace it");
  const std::string text = bundle.read_text(bundle.rdf_name());
  UpgradeReport report;
  report.from_version = model::parse_rdf(text, bundle.rdf_name()).format_version;
  std::string upgraded = model::upgrade_rdf(text, bundle.rdf_name(), report.notes);
  // What we write must read back: a failure here is a bug of the conversion, and nothing is written.
  try {
    report.to_version = model::parse_rdf(upgraded, options.output.string()).format_version;
  } catch (const Error& e) {
    throw Error(ErrorCode::internal, std::string("the upgraded rdf does not read back (a bug of deepimage): ") + e.what());
  }
  if (report.from_version.rfind("0.3", 0) == 0) {
    // rdf 0.3 tools never checked hashes and published bundles carry stale ones; 0.5 readers check
    // them, so the upgraded rdf gets the hashes of the files the bundle holds.
    std::vector<HashUpdate> stale;
    upgraded = with_file_hashes(upgraded, bundle, true, stale);
    for (const auto& u : stale)
      report.notes.push_back(u.path + ": the 0.3 hash " + u.old_sha256 + " was not that of \"" + u.file + "\"; replaced by its sha256 " +
                             u.new_sha256 + " (format 0.3 tools did not check hashes)");
  }
  io::write_file_via_temp(options.output, upgraded);
  const fs::path folder = fs::is_directory(options.model) ? options.model : options.model.parent_path();
  if (bundle.is_zip() || fs::weakly_canonical(fs::absolute(options.output)).parent_path() != fs::weakly_canonical(fs::absolute(folder)))
    report.notes.push_back("file names in the rdf are relative to it: it belongs in the bundle, beside the files it names");
  return report;
}

}  // namespace deepimage
