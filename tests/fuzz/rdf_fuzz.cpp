// Feeds an rdf.yaml (model description, format 0.3, 0.4 or 0.5; the version field picks the reader)
// to parse_rdf.
#include <string>

#include "fuzz/fuzz_targets.hpp"
#include "model/rdf.hpp"

namespace deepimage::fuzz {

void fuzz_rdf(Bytes bytes) {
  model::parse_rdf(std::string(bytes.begin(), bytes.end()), "fuzz/rdf.yaml");
}

}  // namespace deepimage::fuzz
