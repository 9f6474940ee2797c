// Temporary output files: recognisable names, and leftovers of killed runs removed by the next writer.
#include <gtest/gtest.h>

#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

#include "io/image.hpp"
#include "io/temp_file.hpp"
#include "io/zarr.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

// The pid of a process that has exited and been reaped: no process has it (until the system reuses it).
pid_t dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

std::filesystem::path temp_of(const std::filesystem::path& target, pid_t pid) {
  return target.parent_path() / ("." + target.filename().string() + ".deepimage-" + std::to_string(pid) + ".tmp");
}

void touch(const std::filesystem::path& p) { std::ofstream(p) << "partial"; }

TEST(TempFile, NameIsHiddenBesideTheTargetWithThePid) {
  EXPECT_EQ(temp_path_for("out/o.tif"), temp_of("out/o.tif", getpid()));
  EXPECT_EQ(temp_file_owner("out/o.tif", temp_of("out/o.tif", 4242)), 4242);
  EXPECT_FALSE(temp_file_owner("out/o.tif", "out/.o.tif.deepimage-42x.tmp"));
  EXPECT_FALSE(temp_file_owner("out/o.tif", "out/.o.tif.deepimage-.tmp"));
  EXPECT_FALSE(temp_file_owner("out/o.tif", "out/.o.tiff.deepimage-42.tmp"));  // another target
  EXPECT_FALSE(temp_file_owner("out/o.tif", "out/o.tif"));
}

TEST(TempFile, ClaimingRemovesLeftoversOfDeadProcessesOnly) {
  testing::ScratchDir dir;
  const auto target = dir / "o.tif";
  const pid_t dead = dead_pid();
  touch(temp_of(target, dead));
  touch(temp_of(target, getppid()));          // a live process may still be writing: kept
  touch(temp_of(dir / "other.tif", dead));    // another output's leftover: not ours to judge now
  touch(dir / ".o.tif.1234.tmp");             // not a name we make
  EXPECT_EQ(claim_temp_path(target), temp_path_for(target));
  EXPECT_FALSE(std::filesystem::exists(temp_of(target, dead)));
  EXPECT_TRUE(std::filesystem::exists(temp_of(target, getppid())));
  EXPECT_TRUE(std::filesystem::exists(temp_of(dir / "other.tif", dead)));
  EXPECT_TRUE(std::filesystem::exists(dir / ".o.tif.1234.tmp"));
}

TEST(TempFile, WriteImageRemovesTheLeftoverOfAKilledRun) {
  testing::ScratchDir dir;
  const auto target = dir / "o.npy";
  touch(temp_of(target, dead_pid()));
  write_image({Tensor(DType::u8, {2, 3}, "yx"), std::nullopt}, target);
  EXPECT_EQ(dir.file_count(), 1u);
  EXPECT_TRUE(std::filesystem::exists(target));
}

// --overwrite of an OME-Zarr folder where the file system cannot swap two names: the old folder goes
// aside as `<temp>.old`, then the new one takes the name. A run killed between the two renames left no
// image under the name; the next claim for it puts the old one back, and removes the new one it never
// committed. Killed after both renames, only the old folder is left over, and is removed.
TEST(TempFile, ClaimingRepairsAnOverwriteKilledBetweenItsRenames) {
  testing::ScratchDir dir;
  const auto target = dir / "o.ome.zarr";
  const Tensor old_pixels(DType::u8, {4, 5}, "yx");
  Tensor new_pixels(DType::u8, {4, 5}, "yx");
  new_pixels.data<std::uint8_t>()[7] = 3;
  const pid_t dead = dead_pid();
  const auto aside = temp_of(target, dead).string() + ".old";
  write_ome_zarr({old_pixels, std::nullopt}, aside);
  write_ome_zarr({new_pixels, std::nullopt}, temp_of(target, dead));
  EXPECT_EQ(temp_file_owner(target, aside), dead);
  claim_temp_path(target);
  EXPECT_TRUE(testing::same_values(read_image(target).pixels, old_pixels));
  EXPECT_EQ(dir.file_count(), 1u);

  write_ome_zarr({old_pixels, std::nullopt}, aside);  // killed after both renames, before the removal
  claim_temp_path(target);
  EXPECT_TRUE(testing::same_values(read_image(target).pixels, old_pixels));
  EXPECT_EQ(dir.file_count(), 1u);

  // Writing over that state: the old image is put back, then replaced as asked.
  write_ome_zarr({old_pixels, std::nullopt}, aside);
  std::filesystem::remove_all(target);
  write_image({new_pixels, std::nullopt}, target);
  EXPECT_TRUE(testing::same_values(read_image(target).pixels, new_pixels));
  EXPECT_EQ(dir.file_count(), 1u);
}

TEST(TempFile, WriteViaTempReplacesTheWholeFileAndLeavesNoTemporary) {
  testing::ScratchDir dir;
  const auto target = dir / "rdf.yaml";
  touch(target);
  write_file_via_temp(target, "format_version: 0.5.4\n");
  std::ifstream in(target);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "format_version: 0.5.4\n");
  EXPECT_FALSE(std::filesystem::exists(temp_of(target, getpid())));
  EXPECT_THROW(write_file_via_temp(dir / "absent" / "rdf.yaml", "x"), Error);
}

}  // namespace
}  // namespace deepimage::io
