#!/usr/bin/env python3
"""Seed corpora of the fuzz targets (tests/fuzz), built at run time from tests/data and ../shared/realdata.

    /usr/bin/python3 scripts/fuzz_seeds.py OUT_DIR TARGET...   # writes OUT_DIR/TARGET/<seed files>

Files are used as they are where a target reads one file (tiff, npy, rdf, ...); targets that take
several files from one input (ome_zarr, tf_saved_model, tf_tensor_bundle) get them joined by the
separator line of tests/fuzz/fuzz_targets.hpp (kPartSeparator); bundles are zipped here. Nothing is
committed: the seeds are rebuilt on every run (scripts/fuzz.sh). Files over MAX_BYTES are left out
(libFuzzer would only use their first -max_len bytes).
"""
import io
import json
import pathlib
import sys
import zipfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
REAL = ROOT.parent / "shared" / "realdata"
SEPARATOR = b"\n----\n"
MAX_BYTES = 1 << 20


def small_files(folder, patterns):
    if not folder.is_dir():
        return []
    found = set()
    for pattern in patterns:
        found.update(p for p in folder.rglob(pattern) if p.is_file() and p.stat().st_size <= MAX_BYTES)
    return sorted(found)


def copies(patterns):
    def make(out):
        for k, path in enumerate(small_files(DATA, patterns) + small_files(REAL, patterns)):
            (out / f"{k:04d}_{path.name}").write_bytes(path.read_bytes())
    return make


def bundles(out):
    # Each tiny model folder of tests/data/models, and the real bundles' descriptions, zipped.
    folders = sorted(p.parent for p in (DATA / "models").rglob("rdf.yaml"))
    folders += sorted(p.parent for p in REAL.rglob("*.yaml")) + sorted(p.parent for p in REAL.rglob("config.xml"))
    for k, folder in enumerate(dict.fromkeys(folders)):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(folder.iterdir()):
                if f.is_file() and f.stat().st_size <= 64 << 10:
                    z.write(f, f.name)
        (out / f"{k:04d}_{folder.name}.zip").write_bytes(buffer.getvalue())
    for k, path in enumerate(small_files(REAL, ["*.zip"])):
        (out / f"real_{k:04d}_{path.name}").write_bytes(path.read_bytes())


def saved_models(with_graph):
    def make(out):
        for k, pb in enumerate(sorted(REAL.rglob("saved_model.pb"))):
            index = pb.parent / "variables" / "variables.index"
            data = pb.parent / "variables" / "variables.data-00000-of-00001"
            files = [index, data] if index.is_file() and data.is_file() else []
            if not with_graph and not files:
                continue
            parts = ([pb.read_bytes()] if with_graph else []) + [f.read_bytes() for f in files]
            if sum(len(p) for p in parts) > MAX_BYTES:
                continue
            (out / f"{k:04d}_{pb.parent.parent.name}_{pb.parent.name}").write_bytes(SEPARATOR.join(parts))
    return make


def ome_zarr(out):
    # .zattrs, .zarray, first chunk: a few layouts, dtypes and compressors, each chunk filled so that it
    # decodes to the declared size.
    import numpy
    try:
        import numcodecs
    except ImportError:
        numcodecs = None
    cases = [
        ("yx", [24, 32], [16, 16], "<u2", None, "C", "."),
        ("cyx", [2, 20, 28], [2, 8, 8], "|u1", "zlib", "C", "/"),
        ("tczyx", [1, 1, 3, 16, 20], [1, 1, 1, 16, 20], "<f4", "blosc", "C", "/"),
        ("zyx", [4, 10, 12], [2, 5, 6], ">i2", "gzip", "F", "."),
        ("yx", [9, 7], [9, 7], "<f8", None, "C", "."),
        ("yx", [5, 6], [4, 4], "|b1", None, "C", "."),
    ]
    kinds = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
    for k, (axes, shape, chunks, dtype, compressor, order, separator) in enumerate(cases):
        zattrs = {"multiscales": [{"version": "0.4", "axes": [{"name": a, "type": kinds[a]} for a in axes],
                                   "datasets": [{"path": "0", "coordinateTransformations": [
                                       {"type": "scale", "scale": [0.5] * len(axes)}]}]}]}
        chunk = (numpy.arange(int(numpy.prod(chunks))) % 7).astype(numpy.dtype(dtype)).reshape(chunks)
        raw = chunk.tobytes(order=order)
        if compressor is None:
            codec, data = None, raw
        elif compressor == "zlib":
            codec, data = {"id": "zlib", "level": 1}, zlib.compress(raw)
        elif compressor == "gzip":
            import gzip
            codec, data = {"id": "gzip", "level": 1}, gzip.compress(raw)
        elif numcodecs is not None:
            codec = {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}
            data = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1).encode(raw)
        else:
            continue
        zarray = {"zarr_format": 2, "shape": shape, "chunks": chunks, "dtype": dtype, "compressor": codec,
                  "fill_value": 0, "order": order, "filters": None, "dimension_separator": separator}
        parts = [json.dumps(zattrs).encode(), json.dumps(zarray).encode(), data]
        (out / f"{k:04d}_{axes}_{dtype.strip('<>|')}_{compressor}").write_bytes(SEPARATOR.join(parts))


SEEDS = {
    "tiff": copies(["*.tif", "*.tiff"]),
    "npy": copies(["*.npy"]),
    "ome_zarr": ome_zarr,
    "rdf": copies(["*.yaml"]),
    "bundle": bundles,
    "deepimagej_config": copies(["config.xml"]),
    "onnx": copies(["*.onnx"]),
    "tf_saved_model": saved_models(with_graph=True),
    "tf_tensor_bundle": saved_models(with_graph=False),
    "keras": copies(["*.h5"]),
}


def main():
    if len(sys.argv) < 3 or any(t not in SEEDS for t in sys.argv[2:]):
        sys.exit(f"usage: {sys.argv[0]} OUT_DIR TARGET...  (targets: {' '.join(SEEDS)})")
    for target in sys.argv[2:]:
        out = pathlib.Path(sys.argv[1]) / target
        out.mkdir(parents=True, exist_ok=True)
        for old in out.iterdir():
            old.unlink()
        SEEDS[target](out)
        print(f"{target}: {sum(1 for _ in out.iterdir())} seeds")


if __name__ == "__main__":
    main()
