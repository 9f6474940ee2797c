// Outputs that cannot be written: a missing or read-only folder, a full disk, an output that exists
// or is the input, a format that cannot hold the result. None may leave a partial file behind.
#include "bad_inputs/catalogue.hpp"

#include "io/npy.hpp"

namespace deepimage::testing {

namespace fs = std::filesystem;

std::vector<Entry> output_entries() {
  const auto example_run = [](const Dirs& d) { return run_args(d, example_model(), example_image()); };
  return {
      {.name = "output_folder_missing",
       .input = "-o into a folder that does not exist",
       .make = example_run,
       .message = {"output folder \"OUT\" does not exist"},
       .output = OutputFolder::missing},
      {.name = "output_folder_read_only",
       .input = "-o into a read-only file system",
       .make = example_run,
       .message = {"cannot write \"OUT/out.tif\": "},
       .output = OutputFolder::read_only},
      {.name = "output_disk_full",
       .input = "-o onto a 64 KiB file system, too small for the 256 KiB output",
       .make = example_run,
       .message = {"cannot write \"OUT/out.tif\" (disk full?)"},
       .output = OutputFolder::full},
      {.name = "output_exists",
       .input = "-o naming a file that exists, without --overwrite",
       .make = example_run,
       .message = {"output \"OUT/out.tif\" already exists (use --overwrite to replace it"},
       .before = [](const Dirs& d) { write_file(d.out / "out.tif", "precious"); }},
      {.name = "output_is_the_input",
       .input = "-o naming the input image, even with --overwrite",
       .make = [](const Dirs& d) {
         fs::copy_file(example_image(), d.in / "image.tif");
         return std::vector<std::string>{"run", example_model().string(), (d.in / "image.tif").string(), "-o",
                                         (d.in / "image.tif").string(), "--overwrite"};
       },
       .message = {"output \"IN/image.tif\" is the input; choose another output path"}},
      {.name = "output_format_unknown",
       .input = "-o out.czi, a format deepimage does not write",
       .make = [](const Dirs& d) {
         return std::vector<std::string>{"run", example_model().string(), example_image().string(), "-o", (d.out / "out.czi").string()};
       },
       .message = {"\"OUT/out.czi\" is not a known image format (known: .tif"}},
      {.name = "output_batch_to_tiff",
       .input = "a batch of 2 written to a TIFF, which has no batch axis",
       .make = [](const Dirs& d) {
         io::write_npy(Tensor(DType::f32, {2, 1, 64, 64}), d.in / "batch2.npy");
         return run_args(d, realdata() / "unet2d_nuclei_broad", d.in / "batch2.npy", {"--axes", "bcyx"});
       },
       .message = {"cannot write axes \"bcyx\" with shape (2, 1, 64, 64) to TIFF \"OUT/out.tif\""},
       .needs_realdata = true},
      {.name = "output_second_input_missing",
       .input = "a two-input model run whose second input does not exist (-o a folder)",
       .make = [](const Dirs& d) {
         const auto m = realdata() / "unet2d_multi_tensor";
         return std::vector<std::string>{"run", m.string(), (m / "test_input_0.npy").string(), (d.in / "missing.npy").string(), "-o",
                                         (d.out / "result").string()};
       },
       .message = {"image file \"IN/missing.npy\" does not exist"},
       .needs_realdata = true},
  };
}

INSTANTIATE_TEST_SUITE_P(Outputs, Catalogue, ::testing::ValuesIn(output_entries()), entry_name);

}  // namespace deepimage::testing
