#include "pull/rdf_files.hpp"

#include <yaml-cpp/yaml.h>

#include <set>

#include "deepimage/error.hpp"

namespace deepimage::pull {
namespace {

class Collector {
 public:
  void add(const std::string& source, const std::string& sha256 = "") {
    if (source.empty() || !seen_.insert(source).second) return;
    files_.push_back({source, sha256});
  }
  void add_scalar(const YAML::Node& n, const std::string& sha256 = "") {
    if (n && n.IsScalar()) add(n.Scalar(), sha256);
  }
  // 0.5 file descriptions: {source, sha256}
  void add_described(const YAML::Node& n) {
    if (n && n.IsMap()) add_scalar(n["source"], scalar(n["sha256"]));
  }
  void add_list(const YAML::Node& n) {
    if (!n || !n.IsSequence()) return;
    for (const auto& item : n) {
      if (item.IsScalar()) add(item.Scalar());
      else add_described(item);
    }
  }
  static std::string scalar(const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : ""; }
  std::vector<RdfFile> take() { return std::move(files_); }

 private:
  std::set<std::string> seen_;
  std::vector<RdfFile> files_;
};

void add_weights(Collector& c, const YAML::Node& weights) {
  if (!weights || !weights.IsMap()) return;
  for (const auto& kv : weights) {
    const YAML::Node& w = kv.second;
    if (!w.IsMap()) continue;
    c.add_scalar(w["source"], Collector::scalar(w["sha256"]));
    const YAML::Node arch = w["architecture"];
    if (arch && arch.IsMap()) {
      c.add_described(arch);
    } else if (arch && arch.IsScalar()) {  // 0.4: "path/unet.py:UNet" (an importable "pkg.mod:Cls" is no file)
      const std::string a = arch.Scalar();
      const auto colon = a.rfind(':');
      if (colon != std::string::npos && colon >= 3 && a.compare(colon - 3, 3, ".py") == 0)
        c.add(a.substr(0, colon), Collector::scalar(w["architecture_sha256"]));
    }
    const YAML::Node deps = w["dependencies"];
    if (deps && deps.IsMap()) {
      c.add_described(deps);
    } else if (deps && deps.IsScalar()) {  // 0.4: "conda:environment.yaml", "pip:requirements.txt"
      const std::string d = deps.Scalar();
      const auto colon = d.find(':');
      if (colon != std::string::npos && (d.compare(0, colon, "conda") == 0 || d.compare(0, colon, "pip") == 0))
        c.add(d.substr(colon + 1));
    }
  }
}

}  // namespace

std::vector<RdfFile> referenced_files(const std::string& yaml_text, const std::string& shown) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::bad_model, shown + " is not YAML: " + e.msg);
  }
  if (!root.IsMap()) throw Error(ErrorCode::bad_model, shown + " is not a model description: expected a YAML mapping");
  Collector c;
  c.add_scalar(root["documentation"]);
  c.add_list(root["covers"]);
  add_weights(c, root["weights"]);
  for (const char* side : {"inputs", "outputs"}) {
    const YAML::Node tensors = root[side];
    if (!tensors || !tensors.IsSequence()) continue;
    for (const auto& t : tensors) {
      if (!t.IsMap()) continue;
      c.add_described(t["test_tensor"]);
      c.add_described(t["sample_tensor"]);
    }
  }
  for (const char* key : {"test_inputs", "test_outputs", "sample_inputs", "sample_outputs"}) c.add_list(root[key]);
  const YAML::Node attachments = root["attachments"];
  if (attachments && attachments.IsSequence()) c.add_list(attachments);
  else if (attachments && attachments.IsMap()) c.add_list(attachments["files"]);
  return c.take();
}

}  // namespace deepimage::pull
