// docs/reliability.md lists the catalogue: one table row per entry, named by the entry, and no row
// for an entry that no longer exists.
#include "bad_inputs/catalogue.hpp"

#include <set>

namespace deepimage::testing {
namespace {

std::vector<std::string> all_entry_names() {
  std::vector<std::string> names;
  for (const auto& list : {image_file_entries(), model_file_entries(), weights_file_entries(), zip_file_entries(), argument_entries(),
                           output_entries()})
    for (const auto& e : list) names.push_back(e.name);
  for (const auto& n : signal_entry_names()) names.push_back(n);
  return names;
}

TEST(CatalogueDocs, ReliabilityMdListsEveryEntryOnce) {
  const std::string doc = slurp(source_dir() / "docs/reliability.md");
  const auto begin = doc.find("## The catalogue of bad inputs");
  ASSERT_NE(begin, std::string::npos);
  const auto end = doc.find("\n## ", begin + 1);
  const std::string section = doc.substr(begin, end == std::string::npos ? std::string::npos : end - begin);

  std::multiset<std::string> rows;  // the first cell of each table row: | `name` | ...
  for (std::size_t at = section.find("\n| `"); at != std::string::npos; at = section.find("\n| `", at + 1)) {
    const auto close = section.find('`', at + 4);
    rows.insert(section.substr(at + 4, close - at - 4));
  }
  const auto names = all_entry_names();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size()) << "two entries share a name";
  for (const auto& n : names) EXPECT_EQ(rows.count(n), 1u) << "docs/reliability.md: no row (or several) for " << n;
  for (const auto& r : rows)
    EXPECT_NE(std::find(names.begin(), names.end(), r), names.end()) << "docs/reliability.md lists " << r << ", which is no entry";
  EXPECT_GE(names.size(), 40u);
}

}  // namespace
}  // namespace deepimage::testing
