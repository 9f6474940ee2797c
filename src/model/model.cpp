#include "model/model.hpp"

#include <cctype>
#include <iostream>

#include "deepimage/error.hpp"
#include "model/deepimagej_config.hpp"
#include "model/rdf.hpp"

namespace deepimage::model {

Model open_model(const std::filesystem::path& path) {
  Bundle bundle = Bundle::open(path);
  const std::string shown = bundle.is_zip() || !std::filesystem::is_directory(path)
                                ? path.string()
                                : (path / bundle.rdf_name()).string();
  const std::string text = bundle.read_text(bundle.rdf_name());
  ModelSpec spec = bundle.rdf_name() == kDeepImageJConfigName ? parse_deepimagej_config(text, shown, bundle)
                                                              : parse_rdf(text, shown);
  return {std::move(bundle), std::move(spec)};
}

std::vector<std::byte> read_checked(const Model& model, const std::string& name, const std::string& sha256) {
  std::vector<std::byte> bytes = model.bundle.read(name);
  if (sha256.empty()) return bytes;
  const std::string actual = sha256_hex(bytes);
  std::string expected = sha256;
  for (auto& ch : expected) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (actual == expected) return bytes;
  const std::string message = name + ": sha256 mismatch (expected " + expected + ", got " + actual + ")";
  if (model.spec.format_version.rfind("0.3", 0) == 0) {
    std::cerr << "warning: " << message << "; accepted because rdf format 0.3 did not verify hashes\n";
    return bytes;
  }
  throw Error(ErrorCode::bad_model, message + "; the file was changed or the rdf is stale");
}

}  // namespace deepimage::model
