// Every input a fuzz target once failed on (tests/data/fuzz/<target>/, saved by scripts/fuzz.sh and
// fixed in the parser) replayed through the same entry function as the fuzzer's: it must be accepted
// or refused with deepimage::Error, never crash or throw anything else. Runs in every build, so a
// regression shows up in the ordinary test suite, sanitizers or not.
#include <gtest/gtest.h>

#include <fstream>
#include <ostream>
#include <iterator>

#include "deepimage/error.hpp"
#include "fuzz/fuzz_targets.hpp"

namespace deepimage::fuzz {

// The target's name in test listings (ctest's test names), not its bytes.
void PrintTo(const FuzzTarget& target, std::ostream* out) { *out << target.name; }

namespace {

const std::filesystem::path kFindings = std::filesystem::path(DEEPIMAGE_SOURCE_DIR) / "tests" / "data" / "fuzz";

std::vector<std::uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The targets with a folder of saved findings; a target no fuzz run has failed on has none.
std::vector<FuzzTarget> targets_with_findings() {
  std::vector<FuzzTarget> found;
  for (const FuzzTarget& target : fuzz_targets())
    if (std::filesystem::is_directory(kFindings / target.name)) found.push_back(target);
  return found;
}

class FuzzRegressions : public testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzRegressions, SavedFindingsAreAcceptedOrRefusedWithAnError) {
  const FuzzTarget& target = GetParam();
  const auto folder = kFindings / target.name;
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (!entry.is_regular_file() || entry.path().filename() == "README.md") continue;
    SCOPED_TRACE(entry.path().string());
    const std::vector<std::uint8_t> bytes = read_file(entry.path());
    try {
      target.run(bytes);
    } catch (const Error& e) {
      // Refused: with one line (a message, not a dump).
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
    ++count;
  }
  EXPECT_GT(count, 0);
}

// A folder of findings is replayed only under a target's exact name: one named otherwise (a typo, a
// renamed target) would silently replay nothing.
TEST(FuzzRegressionFolders, EachNamesAFuzzTarget) {
  for (const auto& entry : std::filesystem::directory_iterator(kFindings)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    // Checked against the sources, not fuzz_targets(): a build without the native engine lacks its targets.
    const auto source = std::filesystem::path(DEEPIMAGE_SOURCE_DIR) / "tests" / "fuzz" / (name + "_fuzz.cpp");
    EXPECT_TRUE(std::filesystem::is_regular_file(source)) << entry.path() << " is not the name of a fuzz target (no " << source << ")";
  }
}

// The harness's own helpers: parts of an input, and the box a region read takes.
TEST(FuzzHarness, SplitsInputsIntoParts) {
  const std::string joined = std::string("a") + kPartSeparator + "bc" + kPartSeparator + "d" + kPartSeparator + "e";
  const Bytes bytes(reinterpret_cast<const std::uint8_t*>(joined.data()), joined.size());
  const std::vector<Bytes> parts = split(bytes, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(std::string(parts[0].begin(), parts[0].end()), "a");
  EXPECT_EQ(std::string(parts[1].begin(), parts[1].end()), "bc");
  EXPECT_EQ(std::string(parts[2].begin(), parts[2].end()), std::string("d") + kPartSeparator + "e");
  EXPECT_EQ(split(Bytes(), 2).size(), 2u);
}

TEST(FuzzHarness, BoxesStayInsideTheShapeAndBelowTheLimit) {
  const Shape shape{3, 100000, 100000};
  for (std::uint8_t k = 0; k < 50; ++k) {
    const std::uint8_t key[] = {k, static_cast<std::uint8_t>(k * 7)};
    const Box box = box_from(key, shape, 1 << 20);
    ASSERT_EQ(box.rank(), 3u);
    std::int64_t elements = 1;
    for (std::size_t d = 0; d < 3; ++d) {
      EXPECT_GE(box.begin[d], 0);
      EXPECT_LT(box.begin[d], box.end[d]);
      EXPECT_LE(box.end[d], shape[d]);
      elements *= box.extent(d);
    }
    EXPECT_LE(elements, 1 << 20);
  }
  EXPECT_EQ(box_from({}, {4, 0}, 10).rank(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressions, testing::ValuesIn(targets_with_findings()),
                         [](const testing::TestParamInfo<FuzzTarget>& target) { return std::string(target.param.name); });

}  // namespace
}  // namespace deepimage::fuzz
