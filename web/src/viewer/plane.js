// One 2D plane of an image as the API sends it ({width, height, min, max, data: base64 float32 LE}) and how
// it becomes pixels: a display window (auto contrast: percentiles of the plane, as Fiji's "auto" does with
// saturated pixels) mapped linearly to 0..255, grey or tinted. Pure functions, tested in test/plane.test.mjs.

export function decodePlane(json) {
  const {width, height} = json;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`plane size ${width}x${height} is not two positive integers`);
  }
  const binary = atob(json.data || '');
  if (binary.length !== width * height * 4) {
    throw new Error(`plane data holds ${binary.length} bytes, expected ${width * height * 4} (${width}x${height} float32)`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const values = new Float32Array(width * height);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  // axes and shape describe the whole image the plane was cut from (which sliders it needs).
  return {width, height, min: json.min, max: json.max, axes: json.axes, shape: json.shape, values};
}

// Percentiles with numpy's default (linear) interpolation between the sorted finite values. Planes above
// `sampleLimit` values are sampled on a regular stride: the window only has to look right, not be exact.
export function percentiles(values, ps, sampleLimit = 1 << 20) {
  const stride = Math.max(1, Math.ceil(values.length / sampleLimit));
  const finite = [];
  for (let i = 0; i < values.length; i += stride) if (Number.isFinite(values[i])) finite.push(values[i]);
  const sorted = Float64Array.from(finite).sort();
  if (sorted.length === 0) return ps.map(() => NaN);
  return ps.map((p) => {
    const position = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
    const below = Math.floor(position);
    const above = Math.min(sorted.length - 1, below + 1);
    return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
  });
}

export function minMax(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

export function displayWindow(plane, auto) {
  const [lo, hi] = auto ? percentiles(plane.values, [0.5, 99.5]) : minMax(plane.values);
  return {lo, hi};
}

// RGBA bytes of the plane under the window; `tint` [r, g, b] in 0..1 colours it (grey is [1, 1, 1]).
// Values outside the window saturate; NaN is drawn transparent.
export function toRgba(plane, window, tint = [1, 1, 1]) {
  const {lo, hi} = window;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const rgba = new Uint8ClampedArray(plane.values.length * 4);
  for (let i = 0; i < plane.values.length; i++) {
    const v = plane.values[i];
    if (!Number.isFinite(v)) continue;
    const level = hi > lo ? Math.min(255, Math.max(0, (v - lo) * scale)) : v >= hi ? 255 : 0;
    rgba[i * 4] = level * tint[0];
    rgba[i * 4 + 1] = level * tint[1];
    rgba[i * 4 + 2] = level * tint[2];
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}
