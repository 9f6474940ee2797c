// Bad images: corrupt and truncated files of every format `run` reads, sizes declared far beyond the
// file, empty images, unsupported dtypes and too many dimensions.
#include "bad_inputs/catalogue.hpp"

#include "io/image.hpp"
#include "io/npy.hpp"
#include "unit/io/hand_tiff.hpp"

namespace deepimage::testing {

namespace fs = std::filesystem;
using io::testing::HandTiffPage;
using io::testing::hand_tiff;
using io::testing::write_hand_tiff;

namespace {

// A run of the example model on one image made by `write` as IN/<file>.
Entry image(std::string name, std::string input, std::string file, std::function<void(const fs::path&)> write,
            std::vector<std::string> message, std::vector<std::string> extra = {}) {
  return {.name = std::move(name),
          .input = std::move(input),
          .make = [file, write, extra](const Dirs& d) {
            write(d.in / file);
            return run_args(d, example_model(), d.in / file, extra);
          },
          .message = std::move(message)};
}

HandTiffPage page(std::uint32_t width, std::uint32_t height, std::size_t bytes) {
  return {.width = width, .height = height, .pixels = std::vector<std::uint8_t>(bytes, 9)};
}

// .zarray text for a 64 x 64 array with the given fields.
std::string zarray(const std::string& chunks, const std::string& dtype, const std::string& compressor = "null") {
  return "{\"zarr_format\": 2, \"shape\": [64, 64], \"chunks\": " + chunks + ", \"dtype\": \"" + dtype +
         "\", \"order\": \"C\", \"fill_value\": 0, \"compressor\": " + compressor + ", \"filters\": null}";
}

}  // namespace

std::vector<Entry> image_file_entries() {
  std::vector<Entry> entries = {
      // --- missing and unknown ---
      image("missing_image", "an input image that does not exist", "missing.tif", [](const fs::path&) {},
            {"image file \"IN/missing.tif\" does not exist"}),
      image("unknown_image_format", "an image in a format deepimage does not read (.czi)", "cells.czi",
            [](const fs::path& p) { write_file(p, "not an image"); }, {"\"IN/cells.czi\" is not a known image format (known: .tif, .tiff, .npy, .zarr, .png, .jpg, .jpeg)"}),

      // --- TIFF ---
      image("tiff_not_a_tiff", "a .tif file that is not a TIFF", "text.tif", [](const fs::path& p) { write_file(p, "hello, I am text\n"); },
            {"\"IN/text.tif\" is not a readable TIFF file (Not a TIFF or MDI file, bad magic number"}),
      image("tiff_empty_file", "a .tif file of 0 bytes", "empty.tif", [](const fs::path& p) { write_file(p, ""); },
            {"\"IN/empty.tif\" is not a readable TIFF file (Cannot read TIFF header)"}),
      image("tiff_truncated", "a real TIFF cut to half its size", "cut.tif",
            [](const fs::path& p) { write_file(p, head_of(example_image(), 0.5)); },
            {"\"IN/cut.tif\" declares 1 uncompressed page(s) of 256x256 1 sample(s) of uint8 (65536 bytes), more than the 32850 bytes "
             "the file holds"}),
      image("tiff_zero_size", "a TIFF page of 0 x 96 pixels", "zero.tif", [](const fs::path& p) { write_hand_tiff(p, {page(0, 96, 0)}); },
            {"\"IN/zero.tif\" is not a readable TIFF file (Computed scanline size is zero; Cannot handle zero scanline size)"}),
      image("tiff_claims_100000x100000", "a 4 KB TIFF whose page claims 100000 x 100000 pixels", "huge.tif",
            [](const fs::path& p) { write_hand_tiff(p, {page(100000, 100000, 4096)}); }, {"\"IN/huge.tif\" declares 1 uncompressed page(s) of 100000x100000 1 sample(s) of uint8 (10000000000 bytes), more than the "
             "4218 bytes the file holds"}),
      image("tiff_deflate_bomb", "a 4 KB TIFF whose deflate-compressed page claims 100000 x 100000 pixels", "bomb.tif",
            [](const fs::path& p) {
              HandTiffPage bomb = page(100000, 100000, 4096);
              bomb.compression = 8;
              write_hand_tiff(p, {bomb});
            },
            {"\"IN/bomb.tif\" declares 1 deflate-compressed page(s) of 100000x100000 1 sample(s) of uint8 (10000000000 bytes), more than "
             "the 4218 bytes the file holds can expand to (deflate: at most 1032:1)"}),
      image("tiff_claims_a_billion_pages", "a one-page TIFF whose ImageJ metadata claims a billion pages", "pages.tif",
            [](const fs::path& p) {
              HandTiffPage one = page(96, 96, 96 * 96);
              one.description = "ImageJ=1.53t\nimages=1000000000\nslices=1000000000\n";
              write_hand_tiff(p, {one});
            },
            {"\"IN/pages.tif\" has 1 pages but its ImageJ metadata says 1 channels x 1000000000 slices x 1 frames"}),
      image("tiff_imagej_counts_overflow", "a TIFF whose ImageJ channel and slice counts multiply past 2^64", "overflow.tif",
            [](const fs::path& p) {
              std::vector<HandTiffPage> pages(3, page(96, 96, 96 * 96));
              pages[0].description = "ImageJ=1.53t\nimages=3\nchannels=4611686018427387905\nslices=4611686018427387907\n";
              write_hand_tiff(p, pages);
            },
            {"\"IN/overflow.tif\" has 3 pages but its ImageJ metadata says"}),
      image("tiff_tile_far_larger_than_page", "a TIFF declaring 16 x 167772176 tiles for a 96 x 96 page", "long_tile.tif",
            [](const fs::path& p) {
              HandTiffPage tiled = page(96, 96, 96 * 96);
              tiled.tile = {{16, 167772176}};
              write_hand_tiff(p, {tiled});
            },
            {"\"IN/long_tile.tif\" declares tiles of 16x167772176 pixels"}),
      image("tiff_12_bit_samples", "a TIFF of 12-bit samples", "twelve.tif",
            [](const fs::path& p) {
              HandTiffPage twelve = page(96, 96, 96 * 96 * 3 / 2);
              twelve.bits = 12;
              write_hand_tiff(p, {twelve});
            },
            {"\"IN/twelve.tif\" has 12-bit samples of sample format 1 (expected 1-bit, 8/16/32/64-bit integers or 32/64-bit floats)"}),

      // --- .npy ---
      image("npy_not_npy", "a .npy file that is not one", "text.npy", [](const fs::path& p) { write_file(p, "hello, I am text\n"); },
            {"\"IN/text.npy\" is not a valid .npy file: it does not start with \"\\x93NUMPY\""}),
      image("npy_truncated_header", "a .npy file cut inside its header", "cut.npy",
            [](const fs::path& p) { write_file(p, head_of(example_model() / "test_input.npy", 0.0003)); },
            {"\"IN/cut.npy\" is not a valid .npy file: the header is truncated"}),
      image("npy_truncated_data", "a real .npy cut to half its size", "cut.npy",
            [](const fs::path& p) { write_file(p, head_of(example_model() / "test_input.npy", 0.5)); },
            {"\"IN/cut.npy\" is not a valid .npy file: the data is truncated: shape (1, 1, 256, 256) needs 65536 float32 values"}),
      image("npy_shape_lies", "a .npy header claiming 100000 x 100000 float32 over 64 bytes of data", "lies.npy",
            [](const fs::path& p) { write_npy_with(p, "<f4", "(100000, 100000)", 64); },
            {"\"IN/lies.npy\" is not a valid .npy file: the data is truncated: shape (100000, 100000) needs 10000000000 float32 values "
             "(40000000000 bytes) but 64 bytes follow the header"}),
      image("npy_shape_wraps_around", "a .npy shape whose byte count wraps around 2^64 to the data's size", "wrap.npy",
            [](const fs::path& p) { write_npy_with(p, "<f4", "(4503599627370497, 64, 64)", 16384); },
            {"\"IN/wrap.npy\" is not a valid .npy file: the header's shape (4503599627370497, 64, 64) of float32 needs more than 2^63 bytes"},
            {"--axes", "zyx"}),
      image("npy_complex64", "a .npy of complex64", "complex.npy", [](const fs::path& p) { write_npy_with(p, "<c8", "(64, 64)", 64 * 64 * 8); },
            {"\"IN/complex.npy\" holds dtype '<c8' (expected bool, (u)int8/16/32/64 or float32/64)"}),
      image("npy_float16", "a .npy of float16", "half.npy", [](const fs::path& p) { write_npy_with(p, "<f2", "(64, 64)", 64 * 64 * 2); },
            {"\"IN/half.npy\" holds dtype '<f2' (expected bool, (u)int8/16/32/64 or float32/64)"}),
      image("npy_object", "a .npy of Python objects (pickled)", "objects.npy", [](const fs::path& p) { write_npy_with(p, "|O", "(4,)", 32); },
            {"\"IN/objects.npy\" holds dtype '|O' (expected bool"}),
      image("npy_structured", "a .npy of a structured dtype", "records.npy",
            [](const fs::path& p) {
              std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
              const std::string header = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }\n";
              write_file(p, bytes + char(header.size()) + char(0) + header + std::string(16, '\0'));
            },
            {"\"IN/records.npy\" is not a valid .npy file: malformed header", "structured dtypes are not supported"}),
      image("npy_nine_dimensions", "a .npy of 9 dimensions", "nine.npy",
            [](const fs::path& p) { write_npy_with(p, "<f4", "(1, 1, 1, 1, 1, 1, 1, 96, 96)", 96 * 96 * 4); },
            {"cannot guess the axes of \"IN/nine.npy\", a 9-d array (1, 1, 1, 1, 1, 1, 1, 96, 96); give them with --axes"}),
      image("npy_zero_size", "a .npy of 0 x 96 pixels", "empty.npy", [](const fs::path& p) { write_npy_with(p, "<f4", "(0, 96)", 0); },
            {"\"IN/empty.npy\" holds no pixels: its shape is (0, 96) (expected at least 1 pixel along every axis)"}),

      // --- PNG and JPEG ---
      image("png_not_a_png", "a .png file that is not a PNG", "text.png", [](const fs::path& p) { write_file(p, "hello, I am text\n"); },
            {"\"IN/text.png\" cannot be decoded: not a readable .png image (it starts with neither the PNG nor the JPEG signature)"}),
      image("png_truncated", "a PNG cut after its header", "cut.png",
            [](const fs::path& p) {
              // The PNG signature and the start of an IHDR chunk, then nothing.
              write_file(p, std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x01\0", 20));
            },
            {"\"IN/cut.png\" cannot be decoded: libpng says \"Read Error\" (a corrupt or truncated PNG)"}),
      image("jpeg_corrupt", "a .jpg that starts like a JPEG and then is noise", "noise.jpg",
            [](const fs::path& p) { write_file(p, std::string("\xff\xd8\xff\xe0\0\x10JFIF\0", 11) + std::string(200, '\x5a')); },
            {"\"IN/noise.jpg\" cannot be decoded: libjpeg says \"Premature end of JPEG file\" (a corrupt or truncated JPEG)"}),

      // --- OME-Zarr ---
      image("zarr_metadata_not_json", "an OME-Zarr array whose .zarray is not JSON", "image.zarr",
            [](const fs::path& p) { write_file(p / ".zarray", "{\"zarr_format\": 2, \"shape\": [64, "); },
            {"\"IN/image.zarr/.zarray\": not valid JSON (", "unexpected end of input"}),
      image("zarr_chunks_of_40_gigabytes", "an OME-Zarr array declaring chunks of 100000 x 100000 float32", "image.zarr",
            [](const fs::path& p) { write_file(p / ".zarray", zarray("[100000, 100000]", "<f4")); },
            {"\"IN/image.zarr/.zarray\": chunks [100000,100000] hold 40000000000 bytes each, more than the 2 GiB a chunk may hold"}),
      image("zarr_complex_dtype", "an OME-Zarr array of complex64", "image.zarr",
            [](const fs::path& p) { write_file(p / ".zarray", zarray("[64, 64]", "<c8")); },
            {"\"IN/image.zarr/.zarray\": dtype \"<c8\" is not supported (expected one of <u1"}),
      image("zarr_blosc_cname_not_text", "an OME-Zarr array whose blosc codec name is a number (a fuzz finding)",
            "image.zarr",
            [](const fs::path& p) {
              write_file(p / ".zarray", zarray("[64, 64]", "|u1", "{\"id\": \"blosc\", \"cname\": 7, \"clevel\": 5}"));
            },
            {"\"IN/image.zarr/.zarray\": blosc \"cname\" 7 is not a codec name"}),
      image("zarr_corrupt_chunk", "an OME-Zarr array whose zlib chunk is noise", "image.zarr",
            [](const fs::path& p) {
              write_file(p / ".zarray", zarray("[64, 64]", "|u1", "{\"id\": \"zlib\", \"level\": 1}"));
              write_file(p / "0.0", std::string(100, '\x5a'));
            },
            {"\"IN/image.zarr/0.0\": chunk does not decompress to 4096 bytes (zlib: corrupt data)"}),
  };
  return entries;
}

INSTANTIATE_TEST_SUITE_P(ImageFiles, Catalogue, ::testing::ValuesIn(image_file_entries()), entry_name);

// Not bad input: a TIFF whose second page links back to the first is two pages (libtiff stops at the
// loop), not endless pages.
TEST(EdgeImages, TiffPageLoopEndsThePageList) {
  TempDir dir;
  std::vector<char> bytes = hand_tiff({page(96, 96, 96 * 96), page(96, 96, 96 * 96)});
  std::copy(bytes.begin() + 4, bytes.begin() + 8, bytes.end() - 4);  // the last "next page" is the first page
  write_file(dir / "loop.tif", std::string(bytes.begin(), bytes.end()));
  const CliResult r = run_cli({"run", example_model().string(), (dir / "loop.tif").string(), "-o", (dir / "out.npy").string(), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(io::read_npy(dir / "out.npy").shape(), (Shape{2, 96, 96}));
}

// Not bad input: a 1x1 image is padded up to the model's smallest tile and gives a 1x1 probability.
TEST(EdgeImages, OneByOneImagesRunToOneByOneOutputs) {
  TempDir dir;
  Tensor one(DType::f32, {1, 1}, "yx");
  one.data<float>()[0] = 7.0f;
  io::write_npy(one, dir / "one.npy");
  write_hand_tiff(dir / "one.tif", {page(1, 1, 1)});
  for (const char* file : {"one.npy", "one.tif"}) {
    const fs::path out = dir / (std::string(file) + ".out.npy");
    const CliResult r = run_cli({"run", example_model().string(), (dir / file).string(), "-o", out.string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << file << ": " << r.err;
    const Tensor p = io::read_npy(out);
    ASSERT_EQ(p.shape(), (Shape{1, 1})) << file;
    const float v = p.converted(DType::f32).data<float>()[0];
    EXPECT_TRUE(v >= 0.0f && v <= 1.0f) << file << ": a probability, got " << v;
  }
}

}  // namespace deepimage::testing
