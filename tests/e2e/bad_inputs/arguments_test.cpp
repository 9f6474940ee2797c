// Bad command-line values: axes that do not fit the image, tiles and halos the model cannot take or
// beyond all bounds, channels that do not exist. Values the option parser refuses are usage errors
// (exit 2); values that only the image or model shows to be wrong are errors (exit 1).
#include "bad_inputs/catalogue.hpp"

#include "io/image.hpp"

namespace deepimage::testing {

namespace fs = std::filesystem;

namespace {

// `run` of the example model on the example image with `extra` options.
Entry options(std::string name, std::string input, std::vector<std::string> extra, std::vector<std::string> message, int exit_code = 1) {
  return {.name = std::move(name),
          .input = std::move(input),
          .make = [extra](const Dirs& d) { return run_args(d, example_model(), example_image(), extra); },
          .message = std::move(message),
          .exit_code = exit_code};
}

}  // namespace

std::vector<Entry> argument_entries() {
  return {
      options("axes_do_not_fit", "--axes zyx for a 2-D image", {"--axes", "zyx"},
              {"--axes \"zyx\" has 3 letters but \"SRC/examples/images/nuclei_bbbc038_0bf4b1.tif\" has 2 dimensions (256, 256)"}),
      options("axes_seven_for_two", "--axes of seven letters for a 2-D image", {"--axes", "btczyxq"},
              {"--axes \"btczyxq\": expected distinct letters from b, i, t, c, z, y, x"}),
      options("tile_not_a_valid_size", "--tile y=101 for a model that takes 88 + 8n", {"--tile", "y=101,x=96"},
              {"tile size 101 along \"y\" is not a valid size for this model (min 88, step 8); nearest valid sizes: 96, 104"}),
      options("tile_beyond_bounds", "--tile y=99999999999", {"--tile", "y=99999999999,x=96"},
              {"--tile: \"y=99999999999\" is more than 1048576 pixels (the largest accepted)"}, 2),
      options("tile_int64_max", "--tile y=9223372036854775807", {"--tile", "y=9223372036854775807"},
              {"--tile: \"y=9223372036854775807\" is more than 1048576 pixels (the largest accepted)"}, 2),
      options("tile_not_a_number", "--tile y=abc", {"--tile", "y=abc"}, {"--tile: \"y=abc\" is not axis=size (e.g. y=256,x=256"}, 2),
      options("halo_int64_max", "--halo y=9223372036854775807 (an absurd halo)", {"--halo", "y=9223372036854775807"},
              {"--halo: \"y=9223372036854775807\" is more than 4096 pixels (the largest accepted)"}, 2),
      options("halo_negative", "--halo y=-8", {"--halo", "y=-8"}, {"--halo: \"y=-8\" is not axis=size"}, 2),
      options("halo_swallows_the_tile", "--halo y=48,x=48 with --tile y=96,x=96 (nothing left of the tile)",
              {"--tile", "y=96,x=96", "--halo", "y=48,x=48"},
              {"tile size 96 along \"y\" leaves no valid region: a halo of 48 on each side leaves 0 pixels", "the smallest tile that works is 104"}),
      options("channels_that_do_not_exist", "--channels 5 for an image without channels", {"--channels", "5"},
              {"--channels: \"SRC/examples/images/nuclei_bbbc038_0bf4b1.tif\" has no channel axis (axes \"yx\")"}),
      options("weights_format_unknown", "--weights caffe", {"--weights", "caffe"}, {"--weights: caffe not in {"}, 2),
      {.name = "tile_on_fixed_size_model",
       .input = "--tile y=256,x=256 for a model of fixed size 512 x 512",
       .make = [](const Dirs& d) { return run_args(d, realdata() / "unet2d_nuclei_broad", example_image(), {"--tile", "y=256,x=256"}); },
       .message = {"tile size 256 along \"y\" is not a valid size for this model (fixed size 512); nearest valid size: 512"},
       .needs_realdata = true},
      {.name = "channel_count_mismatch",
       .input = "a 3-channel TIFF for a 1-channel model",
       .make = [](const Dirs& d) {
         io::write_image({Tensor(DType::u8, {3, 40, 48}, "cyx"), std::nullopt}, d.in / "three_channels.tif");
         return run_args(d, example_model(), d.in / "three_channels.tif");
       },
       .message = {"\"IN/three_channels.tif\" (axes \"cyx\", shape (3, 40, 48)) has 3 channels but model input \"raw\" expects 1 channel"}},
  };
}

INSTANTIATE_TEST_SUITE_P(Arguments, Catalogue, ::testing::ValuesIn(argument_entries()), entry_name);

}  // namespace deepimage::testing
