// Writing the sha256 of a bundle's files into its rdf text (update_hashes.cpp; `validate --update-hashes`,
// and `--upgrade` of rdf 0.3, whose published hashes are often stale).
//
//   std::vector<HashUpdate> changed;
//   std::string text = with_file_hashes(rdf_text, bundle, false, changed);
//
// Only hash values are edited: comments, order and quoting of the rest of the text stay as they were.
#pragma once

#include <string>
#include <vector>

#include "deepimage/validate.hpp"
#include "model/bundle.hpp"

namespace deepimage {

// Every file with a sha256 field (weights; 0.5: test and sample tensors, attachments) hashed and its
// sha256 written (replaced, or added after `source`); throws for a file the bundle lacks. With
// `stale_only`, only hashes present and wrong are replaced, and missing files are skipped.
std::string with_file_hashes(const std::string& text, const model::Bundle& bundle, bool stale_only, std::vector<HashUpdate>& updates);

}  // namespace deepimage
