// The files an rdf names, which a pull from an rdf URL fetches beside it:
//   documentation, covers;
//   weights.<format>.source, and its architecture and dependencies files
//     (0.5: {source, sha256}; 0.4: "arch.py:Class" with architecture_sha256, "conda:environment.yaml");
//   0.5: inputs/outputs[*].test_tensor.source, sample_tensor.source, attachments [{source, sha256}];
//   0.4/0.3: test_inputs, test_outputs, sample_inputs, sample_outputs, attachments.files.
// Each comes with its sha256 when the rdf gives one. Values of an unexpected form are skipped: the
// rdf parser judges the rdf afterwards.
//
//   for (const RdfFile& f : referenced_files(yaml_text, "https://host/m/rdf.yaml")) fetch(f.source);
#pragma once

#include <string>
#include <vector>

namespace deepimage::pull {

struct RdfFile {
  std::string source;  // as written: a relative path or an http(s) URL
  std::string sha256;  // may be empty
};

// In the order met, each source once. Throws bad_model (naming `shown`) when the text is not YAML.
std::vector<RdfFile> referenced_files(const std::string& yaml_text, const std::string& shown);

}  // namespace deepimage::pull
