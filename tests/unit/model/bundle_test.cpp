// Bundles as folders and zips (zips are built here with libzip), and the refusal of entries that
// would reach outside the bundle.
#include <gtest/gtest.h>

#include <zip.h>

#include <fstream>
#include <functional>

#include "deepimage/error.hpp"
#include "model/bundle.hpp"
#include "support/cli.hpp"

namespace deepimage::model {
namespace {

using deepimage::testing::TempDir;

void make_zip(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  ASSERT_NE(z, nullptr);
  std::vector<std::string> keep;  // libzip reads the buffers at close
  keep.reserve(entries.size());
  for (const auto& [name, content] : entries) {
    keep.push_back(content);
    zip_source_t* src = zip_source_buffer(z, keep.back().data(), keep.back().size(), 0);
    ASSERT_GE(zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8), 0) << name;
  }
  ASSERT_EQ(zip_close(z), 0);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Bundle, ZipIsReadInPlace) {
  TempDir dir;
  make_zip(dir / "m.zip", {{"rdf.yaml", "format_version: 0.5.4\n"}, {"weights.pt", "1234"}});
  const Bundle b = Bundle::open(dir / "m.zip");
  EXPECT_TRUE(b.is_zip());
  EXPECT_EQ(b.rdf_name(), "rdf.yaml");
  EXPECT_EQ(b.read_text("./weights.pt"), "1234");
  EXPECT_TRUE(b.contains("weights.pt"));
  EXPECT_FALSE(b.contains("other.pt"));
  // sha256("1234"), from `printf 1234 | sha256sum`
  EXPECT_EQ(b.sha256("weights.pt"), "03ac674216f3e15c761ee1a5e255f067953623c8b388b4459e13f978d7c846f4");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);  // nothing unpacked
}

TEST(Bundle, ZipWithOneTopFolder) {
  TempDir dir;
  make_zip(dir / "m.zip", {{"model/bioimageio.yaml", "x: 1\n"}, {"model/w.pt", "w"}});
  const Bundle b = Bundle::open(dir / "m.zip");
  EXPECT_EQ(b.rdf_name(), "bioimageio.yaml");
  EXPECT_EQ(b.read_text("w.pt"), "w");
}

TEST(Bundle, ZipEntriesOutsideTheBundleAreRefused) {
  TempDir dir;
  make_zip(dir / "evil.zip", {{"rdf.yaml", "x: 1\n"}, {"../evil.txt", "x"}});
  EXPECT_NE(error_of([&] { Bundle::open(dir / "evil.zip"); }).find("\"../evil.txt\" reaches outside"), std::string::npos);
  make_zip(dir / "abs.zip", {{"rdf.yaml", "x: 1\n"}, {"/etc/evil", "x"}});
  EXPECT_NE(error_of([&] { Bundle::open(dir / "abs.zip"); }).find("absolute"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path().parent_path() / "evil.txt"));
}

TEST(Bundle, NamesReachingOutsideAFolderAreRefused) {
  TempDir dir;
  std::filesystem::create_directories(dir / "m");
  std::ofstream(dir / "m" / "rdf.yaml") << "x: 1\n";
  const Bundle b = Bundle::open(dir / "m");
  EXPECT_NE(error_of([&] { b.read("../secret"); }).find("reaches outside"), std::string::npos);
  EXPECT_NE(error_of([&] { b.read("/etc/passwd"); }).find("absolute"), std::string::npos);
  EXPECT_NE(error_of([&] { b.read("missing.pt"); }).find("missing.pt"), std::string::npos);
}

TEST(Bundle, FolderLookupAndErrors) {
  TempDir dir;
  std::filesystem::create_directories(dir / "empty");
  EXPECT_NE(error_of([&] { Bundle::open(dir / "empty"); }).find("looked for rdf.yaml"), std::string::npos);
  EXPECT_NE(error_of([&] { Bundle::open(dir / "nothing"); }).find("does not exist"), std::string::npos);
  std::filesystem::create_directories(dir / "two");
  std::ofstream(dir / "two" / "a.bioimageio.yaml") << "x: 1\n";
  std::ofstream(dir / "two" / "b.bioimageio.yaml") << "x: 1\n";
  EXPECT_NE(error_of([&] { Bundle::open(dir / "two"); }).find("a.bioimageio.yaml, b.bioimageio.yaml"), std::string::npos);
  // A named rdf file picks one of them.
  EXPECT_EQ(Bundle::open(dir / "two" / "b.bioimageio.yaml").rdf_name(), "b.bioimageio.yaml");
  std::ofstream(dir / "two" / "rdf.yaml") << "x: 1\n";
  EXPECT_EQ(Bundle::open(dir / "two").rdf_name(), "rdf.yaml");  // rdf.yaml ranks first
}

}  // namespace
}  // namespace deepimage::model
