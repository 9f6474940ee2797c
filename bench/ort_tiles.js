// ONNX Runtime (npm onnxruntime-node, CPU) on tiles that bench/compare.py already cut and
// normalised, so the only thing this process adds is the engine.
//
//   node bench/ort_tiles.js MODEL.onnx TILES.json THREADS
//
// TILES.json: {"tiles": "tiles.f32", "outputs": "out.f32", "shape": [1, 1, 512, 512], "count": 25}
// tiles.f32 holds `count` float32 tensors of `shape`, one after the other; the outputs are written
// the same way. Prints one JSON line: load_s, engine_s (sum of session.run), first_tile_monotonic
// (process.hrtime, CLOCK_MONOTONIC on Linux, the clock of Python's time.monotonic), output_shape.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

async function main() {
  const [modelPath, metaPath, threadsText] = process.argv.slice(2);
  if (!modelPath || !metaPath || !threadsText) {
    console.error('usage: node ort_tiles.js MODEL.onnx TILES.json THREADS');
    process.exit(2);
  }
  const seconds = () => Number(process.hrtime.bigint()) / 1e9;
  const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
  const threads = Number(threadsText);
  const t0 = seconds();
  // The same thread rule as deepimage and the PyTorch reference: intra-op threads as asked, one
  // inter-op thread, all graph optimisations on (ONNX Runtime's default level for CPU).
  // ONNX Runtime has its own thread pool, not OpenMP: OMP_WAIT_POLICY=PASSIVE (compare.py
  // --omp-wait-policy) is mapped to its switch for the same behaviour, idle threads that sleep.
  const passive = (process.env.OMP_WAIT_POLICY || '').toUpperCase() === 'PASSIVE';
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    ...(passive ? {extra: {session: {intra_op: {allow_spinning: '0'}}}} : {}),
  });
  const loadS = seconds() - t0;
  const raw = fs.readFileSync(path.resolve(path.dirname(metaPath), meta.tiles));
  const tiles = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const perTile = meta.shape.reduce((a, b) => a * b, 1);
  const input = session.inputNames[0], output = session.outputNames[0];
  let engineS = 0, firstTile = 0, outShape = null, out = null;
  for (let k = 0; k < meta.count; ++k) {
    const feeds = {[input]: new ort.Tensor('float32', tiles.subarray(k * perTile, (k + 1) * perTile), meta.shape)};
    const s = seconds();
    const result = await session.run(feeds);
    engineS += seconds() - s;
    const y = result[output];
    if (k === 0) {
      firstTile = seconds();
      outShape = y.dims;
      out = new Float32Array(y.data.length * meta.count);
    }
    out.set(y.data, k * y.data.length);
  }
  fs.writeFileSync(path.resolve(path.dirname(metaPath), meta.outputs), Buffer.from(out.buffer));
  console.log(JSON.stringify({load_s: loadS, engine_s: engineS, first_tile_monotonic: firstTile,
                              output_shape: outShape, onnxruntime: require(path.join(__dirname, 'node_modules',
                              'onnxruntime-node', 'package.json')).version}));
}

main().catch((e) => {
  console.error('error: ' + (e && e.message ? e.message.split('\n')[0] : e));
  process.exit(1);
});
