#!/usr/bin/python3
"""deepimage end to end against its peers, interleaved in one invocation.

    /usr/bin/python3 bench/compare.py                       # every case below, 5 rounds, 2 threads
    /usr/bin/python3 bench/compare.py example_1024 --rounds 3
    /usr/bin/python3 bench/compare.py example_512 --variant before=/tmp/deepimage-old   # A/B two builds

Contestants, on the same model, image, tiles, padding and thread count:
  deepimage-<weights>  `deepimage run --weights <weights>`, one contestant per weights format that both the
                       build and the model have (--deepimage-weights picks them and their order)
  pytorch              the same job in PyTorch from Python, written here as a reference: whole-image
                       normalisation as the rdf says, the same tiles (the planner's equations), numpy
                       reflect padding, crop and stitch, postprocessing; also checks deepimage's output
  onnxruntime-node     ONNX Runtime (npm onnxruntime-node; bench/setup-onnxruntime.sh) on the same
                       tiles, cut and normalised by this script beforehand (so its wall time is the
                       engine process alone: load + tiles)
Round r runs every contestant once, in the same order (A B C A B C ...), so drift in machine load
hits all of them alike; reported are medians over rounds and the median of per-round ratios to
the first contestant.

Measured per run: wall time of the process; engine time (inside the process, the sum of the
engine's run calls); start to first tile (process spawn to the first tile's result: for deepimage
wall - (total - first_tile) from its report, which also counts process exit; for the others a
CLOCK_MONOTONIC stamp); peak RSS (getrusage of the child, wait4); max |diff| of the output against
deepimage's first contestant.

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from every contestant's environment (they pin
OpenBLAS to a slower kernel on this machine); nothing else is changed, so each runtime uses its own
defaults (deepimage waits passively, PyTorch's OpenMP threads spin), unless --omp-wait-policy sets
one policy for all.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import tifffile
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REALDATA = ROOT.parent / "shared" / "realdata"
OUT = HERE / "out"

CASES = {
    # name: (model folder, source image, side of the square test image, --tile or None)
    "nuclei_broad_2048": (REALDATA / "unet2d_nuclei_broad", REALDATA / "images/stardist_testdata/img2d.tif", 2048, None),
    "example_512": (ROOT / "examples/nuclei_unet2d", REALDATA / "images/stardist_testdata/img2d.tif", 512, None),
    "example_1024": (ROOT / "examples/nuclei_unet2d", REALDATA / "images/stardist_testdata/img2d.tif", 1024, None),
}


WAIT_POLICY = None  # --omp-wait-policy: the same OpenMP wait policy for every contestant


def contestant_env():
    env = dict(os.environ)
    for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(k, None)
    if WAIT_POLICY:
        env["OMP_WAIT_POLICY"] = WAIT_POLICY
    return env


def run_timed(cmd, log_stem):
    """Runs cmd; returns (wall seconds, peak RSS bytes, stdout, spawn time on time.monotonic)."""
    out_path, err_path = Path(f"{log_stem}.out"), Path(f"{log_stem}.err")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, env=contestant_env())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"error: {cmd[0]} exited {proc.returncode}: {err_path.read_text().strip()[-500:]}")
    return wall, usage.ru_maxrss * 1024, out_path.read_text(), t0


# ---------------------------------------------------------------------------------------------
# The model as the reference needs it: rdf, weights, pre/postprocessing, tile geometry.

def load_rdf(model_dir):
    for name in ("rdf.yaml", "bioimageio.yaml"):
        if (model_dir / name).exists():
            return yaml.safe_load((model_dir / name).read_text())
    sys.exit(f"error: no rdf.yaml or bioimageio.yaml in \"{model_dir}\"")


def apply_ops(x, ops):
    """The ops these benchmark models use, per sample over the whole image (float64 statistics)."""
    for op in ops or []:
        kw = op.get("kwargs", {}) or {}
        eps = kw.get("eps", 1e-6)
        if op["id"] == "ensure_dtype":
            x = x.astype(kw["dtype"])
        elif op["id"] == "zero_mean_unit_variance":
            x = ((x - x.mean(dtype=np.float64)) / (x.std(dtype=np.float64) + eps)).astype(np.float32)
        elif op["id"] == "scale_range":
            lo, hi = np.percentile(x, [kw.get("min_percentile", 0.0), kw.get("max_percentile", 100.0)])
            x = ((x - lo) / (hi - lo + eps)).astype(np.float32)
        elif op["id"] == "sigmoid":
            x = (1.0 / (1.0 + np.exp(-x.astype(np.float64)))).astype(np.float32)
        else:
            sys.exit(f"error: the reference does not implement op \"{op['id']}\"")
    return x


def reflect(i, n):
    """numpy 'reflect' (edge pixel not repeated) for any integer coordinates."""
    period = 2 * (n - 1)
    i = np.abs(i) % period
    return np.where(i >= n, period - i, i)


def plan_axis(size, tile, halo, align, count):
    """The planner's equations (docs/how-it-works.md): (read start, write start, write end) per tile."""
    if count == 1:
        return [(-halo, 0, size)]
    stride = math.ceil(math.ceil(size / count) / align) * align
    tiles = []
    for k in range(count):
        w = k * stride
        tiles.append((w - halo, w, size if k == count - 1 else min(size, w + stride)))
    return tiles


def alignment(axis):
    size = axis["size"]
    if isinstance(size, dict):
        return size.get("step", 1) or 1
    a = 16
    while a > 1 and size % a:
        a //= 2
    return a


def describe(model_dir, deepimage, image, tile):
    """Model facts plus deepimage's own plan for this image (run --plan --json)."""
    rdf = load_rdf(model_dir)
    cmd = [deepimage, "run", model_dir, image, "--plan", "--json"] + (["--tile", tile] if tile else [])
    plan = json.loads(subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True).stdout)
    inp, out = rdf["inputs"][0], rdf["outputs"][0]
    spatial = [a for a in inp["axes"] if a.get("type") == "space"]
    weights = rdf["weights"]
    return {
        "name": rdf["name"],
        "pre": inp.get("preprocessing"),
        "post": out.get("postprocessing"),
        "tile_shape": plan["tiling"]["tile_shape"],
        "grid": plan["tiling"]["grid"],
        "halo": plan["tiling"]["halo"],
        "align": [alignment(a) for a in spatial],
        "torchscript": str(model_dir / weights["torchscript"]["source"]) if "torchscript" in weights else None,
        "onnx": str(model_dir / weights["onnx"]["source"]) if "onnx" in weights else None,
    }


def tile_boxes(job, shape):
    ys = plan_axis(shape[0], job["tile_shape"][0], job["halo"][0], job["align"][0], job["grid"][0])
    xs = plan_axis(shape[1], job["tile_shape"][1], job["halo"][1], job["align"][1], job["grid"][1])
    return [(y, x) for y in ys for x in xs]


def cut_tiles(x, job):
    """Normalised whole image -> list of padded tiles (1, 1, T, T)."""
    ty, tx = job["tile_shape"]
    tiles = []
    for (ry, _, _), (rx, _, _) in tile_boxes(job, x.shape):
        iy = reflect(np.arange(ry, ry + ty), x.shape[0])
        ix = reflect(np.arange(rx, rx + tx), x.shape[1])
        tiles.append(np.ascontiguousarray(x[np.ix_(iy, ix)])[None, None])
    return tiles


def stitch(results, job, shape):
    out = np.zeros(shape, np.float32)
    for r, ((ry, wy0, wy1), (rx, wx0, wx1)) in zip(results, tile_boxes(job, shape)):
        out[wy0:wy1, wx0:wx1] = r[0, 0, wy0 - ry:wy1 - ry, wx0 - rx:wx1 - rx]
    return out


# ---------------------------------------------------------------------------------------------
# The PyTorch contestant, run as its own process (python3 compare.py --torch-worker JOB.json).

def torch_worker(job_path):
    job = json.loads(Path(job_path).read_text())
    import torch  # imported here: its import time is part of this contestant's start-up
    torch.set_num_threads(job["threads"])
    torch.set_num_interop_threads(1)
    t0 = time.monotonic()
    module = torch.jit.load(job["torchscript"], map_location="cpu").eval()
    load_s = time.monotonic() - t0
    image = tifffile.imread(job["image"])
    x = apply_ops(image, job["pre"])
    engine_s, first_tile, results = 0.0, None, []
    with torch.inference_mode():
        for t in cut_tiles(x, job):
            s = time.monotonic()
            y = module(torch.from_numpy(t))
            engine_s += time.monotonic() - s
            results.append(y.numpy())
            if first_tile is None:
                first_tile = time.monotonic()
    out = apply_ops(stitch(results, job, x.shape), job["post"])
    np.save(job["output"], out)
    print(json.dumps({"load_s": load_s, "engine_s": engine_s, "first_tile_monotonic": first_tile,
                      "torch": torch.__version__}))


# ---------------------------------------------------------------------------------------------

def make_image(source, side, path):
    """A side x side image mirrored out of a real one (numpy symmetric), so it has real content."""
    a = tifffile.imread(source)
    reps = math.ceil(side / a.shape[0]), math.ceil(side / a.shape[1])
    big = np.pad(a, ((0, reps[0] * a.shape[0] - a.shape[0]), (0, reps[1] * a.shape[1] - a.shape[1])), mode="symmetric")
    tifffile.imwrite(path, np.ascontiguousarray(big[:side, :side]))


def deepimage_formats(deepimage):
    engines = json.loads(subprocess.run([str(deepimage), "engines", "--json"], check=True, capture_output=True, text=True).stdout)
    return [f for e in engines for f in e["weight_formats"]]


def run_case(name, args):
    model_dir, source, side, tile = CASES[name]
    case_dir = OUT / name
    case_dir.mkdir(parents=True, exist_ok=True)
    image = case_dir / f"image_{side}.tif"
    if not image.exists():
        make_image(source, side, image)
    job = describe(model_dir, args.deepimage, image, tile)
    job.update({"threads": args.threads, "image": str(image), "output": str(case_dir / "pytorch.npy")})
    (case_dir / "job.json").write_text(json.dumps(job))

    # The ONNX Runtime contestant gets the tiles cut and normalised once, here.
    x = apply_ops(tifffile.imread(image), job["pre"])
    tiles = cut_tiles(x, job)
    np.concatenate([t.ravel() for t in tiles]).astype(np.float32).tofile(case_dir / "tiles.f32")
    (case_dir / "tiles.json").write_text(json.dumps({"tiles": "tiles.f32", "outputs": "ort_out.f32",
                                                     "shape": list(tiles[0].shape), "count": len(tiles)}))

    contestants = []
    variants = [("deepimage", args.deepimage)] + [tuple(v.split("=", 1)) for v in args.variant]
    for label, binary in variants:
        runnable = deepimage_formats(binary)
        for fmt in args.deepimage_weights or runnable:
            if fmt not in runnable:
                print(f"note: {binary} does not run \"{fmt}\" weights (runs: {', '.join(runnable)}); left out", file=sys.stderr)
            elif job.get(fmt):
                contestants.append((f"{label}-{fmt}", "deepimage", binary, fmt))
    if job["torchscript"]:
        contestants.append(("pytorch", "pytorch", None, "torchscript"))
    ort_ready = (HERE / "node_modules/onnxruntime-node").exists()
    if job["onnx"] and ort_ready:
        contestants.append(("onnxruntime-node", "ort", None, "onnx"))
    elif job["onnx"]:
        print("note: bench/node_modules has no onnxruntime-node; run bench/setup-onnxruntime.sh to include it", file=sys.stderr)

    runs = {c[0]: [] for c in contestants}
    outputs = {}
    for r in range(args.rounds):
        for label, kind, binary, fmt in contestants:
            stem = case_dir / f"{label}_{r}"
            if kind == "deepimage":
                out_tif = case_dir / f"{label}.tif"
                cmd = [binary, "run", model_dir, image, "-o", out_tif, "--weights", fmt, "--threads", args.threads,
                       "--overwrite", "--json"] + (["--tile", tile] if tile else [])
                wall, rss, text, _ = run_timed(cmd, stem)
                s = json.loads(text)["seconds"]
                # Builds older than the engine/first_tile report fields (a --variant from before them):
                # inference time (engine + padding views + stitching), no first tile.
                runs[label].append({"wall_s": wall, "engine_s": s.get("engine", s["inference"]), "rss": rss,
                                    "first_tile_s": wall - (s["total"] - s["first_tile"]) if "first_tile" in s else math.nan})
                outputs[label] = lambda p=out_tif: tifffile.imread(p).astype(np.float32)
            elif kind == "pytorch":
                wall, rss, text, t0 = run_timed([sys.executable, __file__, "--torch-worker", case_dir / "job.json"], stem)
                j = json.loads(text)
                runs[label].append({"wall_s": wall, "engine_s": j["engine_s"], "rss": rss,
                                    "first_tile_s": j["first_tile_monotonic"] - t0})
                outputs[label] = lambda p=job["output"]: np.load(p)
            else:
                wall, rss, text, t0 = run_timed(["node", HERE / "ort_tiles.js", job["onnx"], case_dir / "tiles.json",
                                                 args.threads], stem)
                j = json.loads(text)
                runs[label].append({"wall_s": wall, "engine_s": j["engine_s"], "rss": rss,
                                    "first_tile_s": j["first_tile_monotonic"] - t0})
                shape = [len(tiles)] + j["output_shape"][1:]
                outputs[label] = lambda s=shape, p=case_dir / "ort_out.f32": apply_ops(
                    stitch(list(np.fromfile(p, np.float32).reshape(s)[:, None]), job, x.shape), job["post"])
        print(f"  {name}: round {r + 1}/{args.rounds} done", file=sys.stderr)

    first = contestants[0][0]
    reference = outputs[first]()
    rows = []
    for label, *_ in contestants:
        rs = runs[label]
        med = {k: statistics.median(v[k] for v in rs) for k in ("wall_s", "engine_s", "rss", "first_tile_s")}
        ratio = statistics.median(a["wall_s"] / b["wall_s"] for a, b in zip(rs, runs[first]))
        engine_ratio = statistics.median(a["engine_s"] / b["engine_s"] for a, b in zip(rs, runs[first]))
        diff = float(np.max(np.abs(outputs[label]() - reference)))
        rows.append({"contestant": label, **med, "wall_ratio": ratio, "engine_ratio": engine_ratio,
                     "max_abs_diff": diff, "runs": rs})
    return {"case": name, "model": job["name"], "image": f"{side}x{side}", "tiles": len(tiles),
            "tile_shape": job["tile_shape"], "halo": job["halo"], "threads": args.threads, "rounds": args.rounds,
            "rows": rows}


def markdown(result):
    lines = [f"**{result['case']}**: {result['model']}, {result['image']} image, {result['tiles']} tiles of "
             f"{'x'.join(map(str, result['tile_shape']))} (halo {result['halo'][0]}), {result['threads']} threads, "
             f"{result['rounds']} rounds (medians; ratios are medians of per-round ratios to the first row)",
             "",
             "| contestant | wall s | ratio | engine s | ratio | start to first tile s | peak RSS MiB | max abs diff |",
             "|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['contestant']} | {r['wall_s']:.2f} | {r['wall_ratio']:.2f} | {r['engine_s']:.2f} | "
                     f"{r['engine_ratio']:.2f} | {r['first_tile_s']:.2f} | {r['rss'] / 2**20:.0f} | {r['max_abs_diff']:.2g} |")
    return "\n".join(lines)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--torch-worker":
        return torch_worker(sys.argv[2])
    p = argparse.ArgumentParser(description="deepimage end to end against PyTorch and ONNX Runtime, interleaved")
    p.add_argument("cases", nargs="*", default=list(CASES), help=f"cases to run (default all: {', '.join(CASES)})")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--deepimage", default=str(ROOT / "build-bench/apps/cli/deepimage"), help="the deepimage binary")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=BINARY",
                   help="another deepimage build to run in the same rounds (before/after comparisons)")
    p.add_argument("--deepimage-weights", type=lambda v: [f for f in v.split(",") if f], metavar="FORMAT,...",
                   help="weights formats to run deepimage with, in this order, the first being the reference of "
                        "the ratios (default: every format the build runs, in its order of preference); a format "
                        "the build or the model lacks is left out")
    p.add_argument("--omp-wait-policy", choices=["PASSIVE", "ACTIVE"],
                   help="set OMP_WAIT_POLICY for every contestant, and ONNX Runtime's matching allow_spinning "
                        "(default: each runtime's own)")
    p.add_argument("--max-diff", type=float, default=1e-4,
                   help="exit 1 when any contestant's output differs from deepimage's by more (default 1e-4: "
                        "float rounding between runtimes, far below any tiling or normalisation mistake)")
    p.add_argument("--json", help="also write all results and every run to this file")
    args = p.parse_args()
    global WAIT_POLICY
    WAIT_POLICY = args.omp_wait_policy
    for c in args.cases:
        if c not in CASES:
            sys.exit(f"error: unknown case \"{c}\" (known: {', '.join(CASES)})")
    if args.rounds < 1 or args.threads < 1:
        sys.exit("error: --rounds and --threads must be at least 1")
    for c in args.cases:
        if not CASES[c][1].exists():
            print(f"skipped: \"{CASES[c][1]}\" is absent (../shared/realdata)", file=sys.stderr)
            sys.exit(77)  # CTest's skip code (SKIP_RETURN_CODE)
    if not Path(args.deepimage).exists():
        sys.exit(f"error: no deepimage binary at \"{args.deepimage}\" (build it, or pass --deepimage)")
    results = []
    print(f"load average before: {os.getloadavg()}; OMP_WAIT_POLICY for all: {WAIT_POLICY or 'each its own default'}",
          file=sys.stderr)
    for c in args.cases:
        results.append(run_case(c, args))
        print(markdown(results[-1]) + "\n", flush=True)
    print(f"load average after: {os.getloadavg()}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps({"loadavg_end": os.getloadavg(), "results": results}, indent=1))
    disagree = [f"{r['case']}: {row['contestant']} max |diff| {row['max_abs_diff']:.3g}"
                for r in results for row in r["rows"] if not row["max_abs_diff"] <= args.max_diff]
    if disagree:
        sys.exit("error: outputs disagree with deepimage beyond --max-diff " + str(args.max_diff) + ": " + "; ".join(disagree))


if __name__ == "__main__":
    main()
