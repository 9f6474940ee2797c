// The files an rdf names, which a pull from an rdf URL fetches: checked on the real bioimage.io
// example model in both of its published formats (0.5 and 0.4), listed here by reading the files.
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "deepimage/error.hpp"
#include "pull/rdf_files.hpp"
#include "support/cli.hpp"

namespace deepimage::testing {
namespace {

using Files = std::set<std::pair<std::string, std::string>>;  // (source, sha256)

Files as_set(const std::vector<pull::RdfFile>& files) {
  Files s;
  for (const auto& f : files) s.insert({f.source, f.sha256});
  EXPECT_EQ(s.size(), files.size()) << "a source listed twice";
  return s;
}

TEST(RdfFiles, Format05NamesEveryFileWithItsHash) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto rdf = realdata() / "unet2d_nuclei_broad" / "bioimageio.yaml";
  const Files expected = {
      {"README.md", ""},
      {"cover0.png", ""},
      {"test_input.npy", "92768a2e0f2643c80b57afa5494019a5aafe5b0d92fe36ae740763adf3594a57"},
      {"test_input.png", "8771f558305dd89f4a85fe659e8ef5e116c94d64e668dc23b9282fda3fe9cce8"},
      {"test_output.npy", "39925fb38bc74530902e44bf8e43a8bd0a9e3675aab758d89f47dc66cb9818ed"},
      {"test_output.png", "7bce8b53bcd0a12487a61f953aafe0f3700652848980d1083964c5bcb9555eec"},
      {"weights.onnx", "85f5ac80fa977fea3562ef97c8c5950288be2c4f4cdb5d994807df97008ce088"},
      {"http://files.ilastik.org/bioimageio_test/unet2d_nuclei_broad_weights.torch",
       "e4d3885bccbe41cbf6c1d825f3cd2b707c7021ead5593156007e407a16b27cf2"},
      {"unet2d.py", "d00721e7d00f55222e8cbf90019dd85ce9df0ae42fd46a07f0e6ea45729b310d"},
      {"environment.yaml", "129d589d2ec801398719b1a6d1bf20ea36b3632f14ccb56a24700df7d719fd10"},
      {"weights.pt", "a4b0659a1b48454588b12179855ad0a0c9b69ccaa89b8bb06e6271e8f60b02fe"},
  };
  EXPECT_EQ(as_set(pull::referenced_files(slurp(rdf), rdf.string())), expected);
}

TEST(RdfFiles, Format04NamesTensorListsArchitectureAndConda) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const auto rdf = realdata() / "unet2d_nuclei_broad" / "v0_4_9.bioimageio.yaml";
  const auto files = as_set(pull::referenced_files(slurp(rdf), rdf.string()));
  for (const Files::value_type& f : Files{
           {"README.md", ""},
           {"cover0.png", ""},
           {"test_input.npy", ""},
           {"test_output.npy", ""},
           {"test_input.png", ""},
           {"test_output.png", ""},
           {"unet2d.py", "d00721e7d00f55222e8cbf90019dd85ce9df0ae42fd46a07f0e6ea45729b310d"},
           {"environment.yaml", ""},
           {"weights.pt", "a4b0659a1b48454588b12179855ad0a0c9b69ccaa89b8bb06e6271e8f60b02fe"},
           {"weights.onnx", "85f5ac80fa977fea3562ef97c8c5950288be2c4f4cdb5d994807df97008ce088"},
           {"http://files.ilastik.org/bioimageio_test/unet2d_nuclei_broad_weights.torch",
            "e4d3885bccbe41cbf6c1d825f3cd2b707c7021ead5593156007e407a16b27cf2"},
       })
    EXPECT_EQ(files.count(f), 1u) << f.first << " " << f.second;
  EXPECT_EQ(files.size(), 11u);
}

TEST(RdfFiles, AttachmentsInBothLayoutsAndNoFileForAnImportableArchitecture) {
  const std::string v04 = R"(
format_version: 0.4.9
attachments: {files: [macro.ijm, "./extra/notes.txt"]}
weights:
  pytorch_state_dict: {source: w.pth, architecture: "mypackage.models:UNet", dependencies: "pip:requirements.txt"}
)";
  EXPECT_EQ(as_set(pull::referenced_files(v04, "v04.yaml")),
            (Files{{"macro.ijm", ""}, {"./extra/notes.txt", ""}, {"w.pth", ""}, {"requirements.txt", ""}}));
  const std::string v05 = R"(
format_version: 0.5.4
attachments: [{source: macro.ijm, sha256: abc}]
documentation: README.md
covers: [cover.png, cover.png]
)";
  EXPECT_EQ(as_set(pull::referenced_files(v05, "v05.yaml")),
            (Files{{"macro.ijm", "abc"}, {"README.md", ""}, {"cover.png", ""}}));
}

TEST(RdfFiles, TextThatIsNotAnRdfIsRefusedNamingIt) {
  try {
    pull::referenced_files("<html>not found</html>", "\"https://host/rdf.yaml\"");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_model);
    EXPECT_NE(std::string(e.what()).find("\"https://host/rdf.yaml\" is not a model description"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pull::referenced_files("a: [unclosed", "x"), Error);
}

}  // namespace
}  // namespace deepimage::testing
