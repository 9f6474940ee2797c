#!/usr/bin/python3
"""Engine time per tile: deepimage's native executor (bench/native_tile_bench) against ONNX Runtime
(npm onnxruntime-node, bench/setup-onnxruntime.sh) on the same ONNX file and tile, interleaved round
by round so both see the same load. Reports wall and CPU milliseconds per tile (steady state: the
first tile of each process is left out) and their ratios; passive waiting for both.

  bench/native_vs_ort.py ../shared/realdata/unet2d_nuclei_broad/weights.onnx 1,1,512,512 \
      --bench build/bench/native_tile_bench --threads 2 --rounds 5 --tiles 20
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

import numpy as np

ORT_SCRIPT = r"""
'use strict';
const path = require('path');
const ort = require(path.join(process.argv[2], 'node_modules', 'onnxruntime-node'));
async function main() {
  const [, , , model, shapeText, threads, tiles] = process.argv;
  const shape = shapeText.split(',').map(Number);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads), interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all', extra: {session: {intra_op: {allow_spinning: '0'}}}});
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; ++i) data[i] = ((i * 7919) % 1000) / 1000;
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', data, shape)};
  await session.run(feeds);  // first tile: not counted, as for the native executor
  const walls = [];
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < Number(tiles); ++k) {
    const s = process.hrtime.bigint();
    await session.run(feeds);
    walls.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  const cpu = process.cpuUsage(cpu0);
  walls.sort((a, b) => a - b);
  console.log(JSON.stringify({ms_per_tile: walls[Math.floor(walls.length / 2)],
                              ms_per_tile_mean: walls.reduce((a, b) => a + b, 0) / walls.length,
                              cpu_ms_per_tile: (cpu.user + cpu.system) / 1e3 / Number(tiles)}));
}
main().catch((e) => { console.error(e); process.exit(1); });
"""


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("shape")
    p.add_argument("--bench", default=os.path.join(here, "..", "build", "bench", "native_tile_bench"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--tiles", type=int, default=20)
    p.add_argument("--precision", default="fp32")
    a = p.parse_args()
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "ort_tile_times.js")
        with open(script, "w") as f:
            f.write(ORT_SCRIPT)
        rows = []
        for r in range(a.rounds):
            native = json.loads(subprocess.run(
                [a.bench, a.model, a.shape, "--threads", str(a.threads), "--rounds", str(a.tiles),
                 "--precision", a.precision], env=env, check=True, capture_output=True, text=True).stdout)
            ort = json.loads(subprocess.run(
                ["node", script, here, a.model, a.shape, str(a.threads), str(a.tiles)], env=env, check=True,
                capture_output=True, text=True).stdout)
            row = {"round": r, "load": os.getloadavg()[0],
                   "native_ms": native["ms_per_tile_mean"], "ort_ms": ort["ms_per_tile_mean"],
                   "native_cpu_ms": native["cpu_ms_per_tile"], "ort_cpu_ms": ort["cpu_ms_per_tile"]}
            row["wall_ratio"] = row["native_ms"] / row["ort_ms"]
            row["cpu_ratio"] = row["native_cpu_ms"] / row["ort_cpu_ms"]
            rows.append(row)
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
        print(json.dumps({"median_wall_ratio": round(statistics.median(r["wall_ratio"] for r in rows), 3),
                          "median_cpu_ratio": round(statistics.median(r["cpu_ratio"] for r in rows), 3),
                          "native_first_tile_ms": native["first_tile_ms"], "native_build_ms": native["build_ms"]}))


if __name__ == "__main__":
    main()
