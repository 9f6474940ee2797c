#!/usr/bin/python3
"""Builds the io test fixtures: small TIFF files, each with a .npy of the pixel values numpy holds
(the reference the reader is compared with), and .npy files in every header variant, some broken.

Run with Debian's Python (numpy + tifffile):  /usr/bin/python3 tests/data/io/make_fixtures.py
Deterministic (fixed seed): rerunning rewrites identical files.

Expected axes of each TIFF follow from its name: the prefix is the axes our reader must report
(a subsequence of "tzcyx"), the .npy holds the array in exactly those axes.

tifffile here has no imagecodecs, so it writes only uncompressed and deflate data; the LZW and
PackBits files, and the file without a Compression tag, come from the small writer below, whose
encoders follow the TIFF 6.0 specification (section 9 PackBits, section 13 LZW).
"""
import io
import os
import re
import struct
import zlib

import numpy as np
import tifffile

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240607)


def path(name):
    return os.path.join(HERE, name)


def save_pair(name, data, writer):
    """Writes name.tif with `writer` and name.npy with the values it must read back."""
    writer(path(name + ".tif"))
    np.save(path(name + ".npy"), np.ascontiguousarray(data))


def rand(dtype, shape):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return (rng.standard_normal(shape) * 100).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


# --- a minimal TIFF writer for what tifffile cannot write here -------------------------------------

def packbits(row: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(row):
        run = 1
        while i + run < len(row) and run < 128 and row[i + run] == row[i]:
            run += 1
        if run >= 2:
            out += bytes([257 - run, row[i]])
            i += run
            continue
        start = i
        while i < len(row) and i - start < 128 and not (i + 1 < len(row) and row[i + 1] == row[i]):
            i += 1
        if i == start:
            i += 1
        out += bytes([i - start - 1]) + row[start:i]
    return bytes(out)


def lzw(data: bytes) -> bytes:
    """TIFF LZW: MSB-first codes, 9 to 12 bits, Clear=256, EOI=257, the width grows once the next
    free code no longer fits (the decoder, one entry behind, sees this as the "early change")."""
    codes, width = [], 9
    table = {bytes([i]): i for i in range(256)}
    next_code = 258
    out = [(256, 9)]

    def emit(code):
        nonlocal width, next_code
        out.append((code, width))

    w = b""
    for b in data:
        wc = w + bytes([b])
        if wc in table:
            w = wc
            continue
        emit(table[w])
        table[wc] = next_code
        next_code += 1
        if next_code > (1 << width) - 1:
            width += 1
        assert next_code < 4094, "fixture too large for this LZW writer (no table reset)"
        w = bytes([b])
    if w:
        emit(table[w])
        next_code += 1
        if next_code > (1 << width) - 1:
            width += 1
    emit(257)
    bits = "".join(format(code, "0%db" % n) for code, n in out)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def write_plain_tiff(filename, image, compression, rows_per_strip):
    """Single-sample little-endian TIFF, IFD first, then the strips. compression None omits the tag."""
    h, w = image.shape
    kinds = {"u": 1, "i": 2, "f": 3}
    strips = []
    for y in range(0, h, rows_per_strip):
        raw = np.ascontiguousarray(image[y:y + rows_per_strip]).astype(image.dtype.newbyteorder("<")).tobytes()
        if compression == 5:
            raw = lzw(raw)
        elif compression == 32773:
            row_bytes = w * image.dtype.itemsize
            raw = b"".join(packbits(raw[i:i + row_bytes]) for i in range(0, len(raw), row_bytes))
        strips.append(raw)
    tags = [(256, 4, [w]), (257, 4, [h]), (258, 3, [image.dtype.itemsize * 8])]
    if compression is not None:
        tags.append((259, 3, [compression]))
    tags += [(262, 3, [1]), (273, 4, [0] * len(strips)), (277, 3, [1]), (278, 4, [rows_per_strip]),
             (279, 4, [len(s) for s in strips]), (339, 3, [kinds[image.dtype.kind]])]
    ifd_size = 2 + 12 * len(tags) + 4
    extra_at = 8 + ifd_size
    extra = bytearray()
    # Arrays longer than 4 bytes live after the IFD; strip offsets need the final layout first.
    array_offsets = {}
    for tag, typ, values in tags:
        if len(values) * (2 if typ == 3 else 4) > 4:
            array_offsets[tag] = extra_at + len(extra)
            extra += b"\0" * (4 * len(values))
    data_at = extra_at + len(extra)
    offsets, at = [], data_at
    for s in strips:
        offsets.append(at)
        at += len(s)
    tags = [(t, ty, offsets if t == 273 else v) for t, ty, v in tags]
    out = bytearray(b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(tags)))
    for tag, typ, values in tags:
        if tag in array_offsets:
            out += struct.pack("<HHII", tag, typ, len(values), array_offsets[tag])
            start = array_offsets[tag] - extra_at
            extra[start:start + 4 * len(values)] = struct.pack("<%dI" % len(values), *values)
        elif typ == 3:
            out += struct.pack("<HHIHH", tag, typ, 1, values[0], 0)
        else:
            out += struct.pack("<HHII", tag, typ, 1, values[0])
    out += struct.pack("<I", 0) + extra + b"".join(strips)
    with open(filename, "wb") as f:
        f.write(out)


# --- TIFF fixtures -------------------------------------------------------------------------------

for dtype in ["u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8"]:
    a = rand(dtype, (12, 10))
    name = "yx_%s_12x10" % np.dtype(dtype).name
    save_pair(name, a, lambda p, a=a: tifffile.imwrite(p, a, photometric="minisblack"))

a = rand("u2", (2, 24, 32))
save_pair("cyx_u16_2x24x32_imagej", a, lambda p: tifffile.imwrite(p, a, imagej=True, metadata={"axes": "CYX"}))

a = rand("u1", (3, 4, 2, 16, 20))
save_pair("tzcyx_u8_3x4x2x16x20_imagej", a, lambda p: tifffile.imwrite(
    p, a, imagej=True, resolution=(1 / 0.5, 1 / 0.25),
    metadata={"axes": "TZCYX", "unit": "micron", "spacing": 2.0, "finterval": 0.125}))

a = rand("f4", (3, 16, 20))
save_pair("tyx_f32_3x16x20_imagej", a, lambda p: tifffile.imwrite(p, a, imagej=True, metadata={"axes": "TYX"}))

a = rand("u2", (5, 16, 20))
save_pair("zyx_u16_5x16x20_pages", a, lambda p: tifffile.imwrite(p, a, photometric="minisblack", metadata=None))

a = rand("u1", (24, 32, 3))
save_pair("cyx_u8_rgb_contig_3x24x32", a.transpose(2, 0, 1), lambda p: tifffile.imwrite(
    p, a, photometric="rgb", planarconfig="contig", rowsperstrip=5))

a = rand("u2", (3, 24, 32))
save_pair("cyx_u16_rgb_separate_3x24x32", a, lambda p: tifffile.imwrite(
    p, a, photometric="rgb", planarconfig="separate", rowsperstrip=7))

a = rand("u2", (40, 56))
save_pair("yx_u16_tiled_40x56", a, lambda p: tifffile.imwrite(p, a, photometric="minisblack", tile=(16, 16)))

a = rand("f4", (20, 28, 3))
save_pair("cyx_f32_rgb_tiled_3x20x28", a.transpose(2, 0, 1), lambda p: tifffile.imwrite(
    p, a, photometric="rgb", tile=(16, 16)))

a = rand("u2", (24, 32))
save_pair("yx_u16_deflate_24x32", a, lambda p: tifffile.imwrite(
    p, a, photometric="minisblack", compression="zlib", rowsperstrip=8))

a = rand("u2", (24, 32))
save_pair("yx_u16_deflate_predictor_24x32", a, lambda p: tifffile.imwrite(
    p, a, photometric="minisblack", compression="zlib", predictor=True, rowsperstrip=8))

a = (np.arange(24 * 32).reshape(24, 32) // 7 % 50).astype(np.uint16)  # repetitive, so LZW does work
save_pair("yx_u16_lzw_24x32", a, lambda p: write_plain_tiff(p, a, 5, 8))

a = np.repeat(rand("u1", (20, 8)), 4, axis=1)  # runs of 4 equal bytes plus literals
save_pair("yx_u8_packbits_20x32", a, lambda p: write_plain_tiff(p, a, 32773, 6))

a = rand("u1", (18, 22))
save_pair("yx_u8_no_compression_tag_18x22", a, lambda p: write_plain_tiff(p, a, None, 18))

a = rand("u2", (3, 8, 10))
save_pair("zyx_u16_bigtiff_3x8x10", a, lambda p: tifffile.imwrite(p, a, photometric="minisblack", bigtiff=True))

a = rand("i2", (24, 32))
save_pair("yx_i16_bigendian_24x32", a, lambda p: tifffile.imwrite(p, a, photometric="minisblack", byteorder=">"))

a = rng.integers(0, 2, size=(19, 21)).astype(bool)
save_pair("yx_u8_bilevel_19x21", a.astype(np.uint8), lambda p: tifffile.imwrite(p, a, photometric="minisblack"))


def two_sizes(p):
    with tifffile.TiffWriter(p) as t:
        t.write(rand("u1", (8, 8)), photometric="minisblack", metadata=None)
        t.write(rand("u1", (8, 9)), photometric="minisblack", metadata=None)


two_sizes(path("broken_pages_of_two_sizes.tif"))
# ImageJ metadata promising 4 slices over 3 pages.
tifffile.imwrite(path("broken_imagej_4_slices_in_3_pages.tif"), rand("u1", (3, 8, 8)), photometric="minisblack",
                 description="ImageJ=1.11a\nimages=4\nslices=4\n", metadata=None)
with open(path("broken_not_a_tiff.tif"), "wb") as f:
    f.write(b"this is a text file, not a TIFF\n")

# --- npy fixtures --------------------------------------------------------------------------------


def save_npy(name, array, version=None):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, version=version)
    with open(path(name), "wb") as f:
        f.write(buf.getvalue())


base = rand("f4", (3, 4, 5))
save_npy("npy_v1_f4_3x4x5.npy", base, (1, 0))
save_npy("npy_v2_f4_3x4x5.npy", base, (2, 0))
save_npy("npy_v3_f4_3x4x5.npy", base, (3, 0))
save_npy("npy_fortran_f4_3x4x5.npy", np.asfortranarray(base))
save_npy("npy_bigendian_f8_3x4x5.npy", base.astype(">f8"))
save_npy("npy_bigendian_i4_6x7.npy", rand("i4", (6, 7)).astype(">i4"))
save_npy("npy_bigendian_u2_fortran_6x7.npy", np.asfortranarray(rand("u2", (6, 7)).astype(">u2")))
save_npy("npy_bool_5x6.npy", rng.integers(0, 2, size=(5, 6)).astype(bool))
for dtype in ["u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f8"]:
    save_npy("npy_%s_4x3.npy" % np.dtype(dtype).name, rand(dtype, (4, 3)))
save_npy("npy_scalar_f8.npy", np.array(2.5))
save_npy("npy_1d_i2_7.npy", rand("i2", (7,)))

good = io.BytesIO()
np.lib.format.write_array(good, rand("f4", (4, 4)))
good = good.getvalue()
with open(path("broken_npy_bad_magic.npy"), "wb") as f:
    f.write(b"\x93NUMPZ" + good[6:])
with open(path("broken_npy_truncated.npy"), "wb") as f:
    f.write(good[:-10])
with open(path("broken_npy_extra_data.npy"), "wb") as f:
    f.write(good + b"\0" * 16)
with open(path("broken_npy_malformed_header.npy"), "wb") as f:
    f.write(good.replace(b"'shape': (4, 4)", b"'shape': [4, 4]"))
save_npy("broken_npy_complex64.npy", np.zeros((2, 2), np.complex64))
save_npy("broken_npy_float16.npy", np.zeros((2, 2), np.float16))
with open(path("broken_npy_object.npy"), "wb") as f:
    np.save(f, np.array([1, "a"], dtype=object), allow_pickle=True)

# --- fixtures added later (after the others, so their random values stay as they were) -------

# OME-TIFF and tifffile's shaped description: the axes come from their metadata, not ImageJ's.
def imwrite_ome(p, data, **kwargs):
    """tifffile.imwrite(ome=True) with the random UUID it writes replaced by a fixed one (same length)."""
    tifffile.imwrite(p, data, ome=True, **kwargs)
    with open(p, "rb") as f:
        content = f.read()
    content = re.sub(rb"urn:uuid:[0-9a-f-]{36}", b"urn:uuid:00000000-0000-4000-8000-000000000000", content)
    with open(p, "wb") as f:
        f.write(content)


a = rand("u2", (2, 3, 16, 20))
save_pair("zcyx_u16_ome_2x3x16x20", a, lambda p: imwrite_ome(p, a, metadata={
    "axes": "ZCYX", "PhysicalSizeX": 250.0, "PhysicalSizeXUnit": "nm", "PhysicalSizeY": 0.5, "PhysicalSizeZ": 2.0,
    "TimeIncrement": 1500.0, "TimeIncrementUnit": "ms"}))

a = rand("f4", (3, 2, 16, 20))  # DimensionOrder XYZCT: z fastest
save_pair("czyx_f32_ome_3x2x16x20", a, lambda p: imwrite_ome(p, a, metadata={"axes": "CZYX"}))

a = rand("u1", (4, 16, 20, 3))
save_pair("tcyx_u8_ome_rgb_4x3x16x20", a.transpose(0, 3, 1, 2), lambda p: imwrite_ome(
    p, a, photometric="rgb", metadata={"axes": "TYXS"}))

a = rand("u2", (3, 2, 16, 20))
save_pair("zcyx_u16_shaped_3x2x16x20", a, lambda p: tifffile.imwrite(
    p, a, photometric="minisblack", metadata={"axes": "ZCYX"}))

a = rand("u1", (2, 3, 16, 20))  # 3 channels before YX: tifffile stores them as planar samples
save_pair("zcyx_u8_shaped_planar_2x3x16x20", a, lambda p: tifffile.imwrite(p, a, metadata={"axes": "ZCYX"}))

# tifffile's shaped description promising 4 slices over 3 pages.
tifffile.imwrite(path("broken_shaped_4_slices_in_3_pages.tif"), rand("u1", (3, 8, 8)), photometric="minisblack",
                 description='{"shape": [4, 8, 8], "axes": "ZYX"}', metadata=None)


# --- PNG and JPEG ----------------------------------------------------------------------------------
# PNGs come from the small writer below (PNG specification: signature, IHDR, one zlib IDAT with
# filter 0 on every row, IEND; samples big-endian), so every colour type and depth is covered; the
# .npy holds the array written. JPEGs are lossy: Pillow writes them and its decoding is the .npy.

def write_png(filename, array, color_type, bit_depth=None, chunks=()):
    """`chunks`: (kind, data) pairs written between IHDR and IDAT (PLTE, tRNS). bit_depth 1 packs 0/1 values."""
    bit_depth = bit_depth or (16 if array.dtype == np.uint16 else 8)
    h, w = array.shape[:2]
    stored = array.astype(">u2" if bit_depth == 16 else "u1")
    if bit_depth == 1:
        raw = b"".join(b"\0" + np.packbits(stored[y]).tobytes() for y in range(h))
    else:
        raw = b"".join(b"\0" + stored[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    with open(filename, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + b"".join(chunk(k, d) for k, d in chunks) +
                chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def save_png(name, data, color_type, expected=None, bit_depth=None, chunks=()):
    write_png(path(name + ".png"), data, color_type, bit_depth, chunks)
    np.save(path(name + ".npy"), np.ascontiguousarray(data if expected is None else expected))


save_png("yx_u8_png_grey_13x17", rand("u1", (13, 17)), 0)
save_png("yx_u16_png_grey_13x17", rand("u2", (13, 17)), 0)
save_png("yxc_u8_png_rgb_13x17x3", rand("u1", (13, 17, 3)), 2)
save_png("yxc_u16_png_rgb_13x17x3", rand("u2", (13, 17, 3)), 2)
save_png("yxc_u8_png_rgba_13x17x4", rand("u1", (13, 17, 4)), 6)
a = rand("u1", (13, 17, 2))  # grey and alpha: read as RGBA, the grey in R, G and B
save_png("yxc_u8_png_grey_alpha_13x17x4", a, 4, np.stack([a[..., 0]] * 3 + [a[..., 1]], axis=-1))
# Added with the move from OpenCV's imgcodecs to libpng: 16-bit alpha, palettes, tRNS, 1-bit grey.
save_png("yxc_u16_png_rgba_13x17x4", rand("u2", (13, 17, 4)), 6)
a = rand("u2", (13, 17, 2))
save_png("yxc_u16_png_grey_alpha_13x17x4", a, 4, np.stack([a[..., 0]] * 3 + [a[..., 1]], axis=-1))
palette = np.array([[0, 0, 0], [255, 0, 0], [10, 200, 30], [7, 8, 9], [255, 255, 255]], dtype=np.uint8)
indices = rng.integers(0, len(palette), size=(13, 17), dtype=np.uint8)
save_png("yxc_u8_png_palette_13x17x3", indices, 3, palette[indices], chunks=[(b"PLTE", palette.tobytes())])
alpha = np.array([0, 128, 255, 255, 255], dtype=np.uint8)  # tRNS may list fewer entries: the rest are opaque
save_png("yxc_u8_png_palette_trns_13x17x4", indices, 3, np.concatenate([palette[indices], alpha[indices][..., None]], axis=-1),
         chunks=[(b"PLTE", palette.tobytes()), (b"tRNS", alpha[:2].tobytes())])
bits = rng.integers(0, 2, size=(13, 17), dtype=np.uint8)
save_png("yx_u8_png_bilevel_13x17", bits, 0, bits * 255, bit_depth=1)
grey = rng.integers(0, 4, size=(13, 17), dtype=np.uint8)  # grey 2 is the transparent value
save_png("yxc_u8_png_grey_trns_13x17x4", grey, 0, np.stack([grey] * 3 + [np.where(grey == 2, 0, 255).astype(np.uint8)], axis=-1),
         chunks=[(b"tRNS", struct.pack(">H", 2))])
with open(path("yx_u8_png_grey_13x17.png"), "rb") as f:
    png = f.read()
with open(path("broken_png_truncated.png"), "wb") as f:
    f.write(png[:60])

try:
    from PIL import Image as PILImage  # Debian python3-pil
except ImportError:
    PILImage = None
if PILImage is not None:
    smooth = (np.add.outer(np.arange(16), np.arange(24)) * 5).astype(np.uint8)  # JPEG-friendly content
    rgb = np.stack([smooth, smooth[::-1], 255 - smooth], axis=-1)
    for name, data in (("yx_u8_jpeg_grey_16x24", smooth), ("yxc_u8_jpeg_rgb_16x24x3", rgb)):
        PILImage.fromarray(data).save(path(name + ".jpg"), quality=90)
        np.save(path(name + ".npy"), np.asarray(PILImage.open(path(name + ".jpg"))))
    with open(path("yxc_u8_jpeg_rgb_16x24x3.jpg"), "rb") as f:
        jpeg = f.read()
    with open(path("broken_jpeg_truncated.jpg"), "wb") as f:
        f.write(jpeg[: len(jpeg) * 2 // 3])
    PILImage.fromarray(rgb).convert("CMYK").save(path("unsupported_jpeg_cmyk_16x24x4.jpg"), quality=90)
    # The PNGs as Pillow decodes them (it cannot read 16-bit colour PNGs).
    for name, mode in (("yx_u8_png_grey_13x17", None), ("yx_u16_png_grey_13x17", None), ("yxc_u8_png_rgb_13x17x3", None),
                       ("yxc_u8_png_rgba_13x17x4", None), ("yxc_u8_png_grey_alpha_13x17x4", "RGBA"),
                       ("yxc_u8_png_palette_13x17x3", "RGB"), ("yxc_u8_png_palette_trns_13x17x4", "RGBA"),
                       ("yx_u8_png_bilevel_13x17", "L"), ("yxc_u8_png_grey_trns_13x17x4", "RGBA")):
        image = PILImage.open(path(name + ".png"))
        got = np.asarray(image.convert(mode) if mode else image)
        assert (got.astype(np.uint16) == np.load(path(name + ".npy"))).all(), name
else:
    print("JPEG fixtures not written and PNGs not checked: needs Pillow (python3-pil)")

# --- self-check: every TIFF must decode, with tifffile or Pillow's own decoders, as its .npy says --
try:
    from PIL import Image  # Debian python3-pil; decodes LZW and PackBits without libtiff
except ImportError:
    Image = None
for name in sorted(os.listdir(HERE)):
    if not name.endswith(".tif") or name.startswith("broken"):
        continue
    expected = np.load(path(name[:-4] + ".npy"))
    if "lzw" in name or "packbits" in name:
        if Image is None:
            print("not checked (no Pillow):", name)
            continue
        got = np.asarray(Image.open(path(name)))
    else:
        got = tifffile.imread(path(name))
    if "rgb_contig" in name or "rgb_tiled" in name or "ome_rgb" in name:
        got = np.moveaxis(got, -1, -3)
    assert got.shape == expected.shape and (got == expected).all(), name
print("fixtures written to", HERE)
