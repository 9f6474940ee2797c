// The viewer's plane maths against values worked out by hand (numpy's linear percentiles of 0..100 are the
// percentages themselves; a float32 encoded by Node's Buffer decodes to the same number).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {decodePlane, displayWindow, minMax, percentiles, toRgba} from '../../../web/src/viewer/plane.js';

const encode = (values) => {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
  return buffer.toString('base64');
};

test('a plane decodes its little-endian float32 values in row-major order', () => {
  const values = [0, -1.5, 3.25, 1e-7, 65535, NaN];
  const plane = decodePlane({width: 3, height: 2, min: -1.5, max: 65535, axes: 'zyx', shape: [4, 2, 3], data: encode(values)});
  assert.equal(plane.width, 3);
  assert.equal(plane.axes, 'zyx');
  assert.deepEqual(plane.shape, [4, 2, 3]);
  assert.equal(plane.height, 2);
  assert.deepEqual(Array.from(plane.values.slice(0, 5)), values.slice(0, 5).map(Math.fround));
  assert.ok(Number.isNaN(plane.values[5]));
});

test('a plane whose data does not match its size is refused, naming both', () => {
  assert.throws(() => decodePlane({width: 4, height: 2, data: encode([1, 2, 3])}), /12 bytes, expected 32 \(4x2 float32\)/);
  assert.throws(() => decodePlane({width: 0, height: 2, data: ''}), /plane size 0x2/);
});

test('percentiles interpolate linearly between sorted values, as numpy does', () => {
  const values = Float32Array.from({length: 101}, (_, i) => 100 - i); // 100..0, unsorted order
  assert.deepEqual(percentiles(values, [0, 0.5, 50, 99.5, 100]), [0, 0.5, 50, 99.5, 100]);
  // [1, 2, 10, 20]: position 0.5*3 = 1.5 -> halfway between 2 and 10.
  assert.deepEqual(percentiles(Float32Array.of(20, 1, 10, 2), [50]), [6]);
});

test('percentiles and min/max skip NaN and infinities', () => {
  const values = Float32Array.of(NaN, 4, Infinity, 2, -Infinity);
  assert.deepEqual(percentiles(values, [0, 100]), [2, 4]);
  assert.deepEqual(minMax(values), [2, 4]);
  assert.ok(Number.isNaN(percentiles(Float32Array.of(NaN), [50])[0]));
});

test('auto contrast clips the brightest and darkest half percent; off, it spans min to max', () => {
  const values = new Float32Array(1000).fill(10);
  values[0] = -1000; // one dark outlier
  values[999] = 5000; // one bright outlier
  for (let i = 1; i < 999; i++) values[i] = i;
  const plane = {width: 1000, height: 1, values};
  const auto = displayWindow(plane, true);
  assert.ok(auto.lo > 1 && auto.lo < 10, `lo ${auto.lo}`);
  assert.ok(auto.hi > 990 && auto.hi < 999, `hi ${auto.hi}`);
  assert.deepEqual(displayWindow(plane, false), {lo: -1000, hi: 5000});
});

test('pixels map linearly from the window to 0..255, saturate outside it, tinted', () => {
  const plane = {width: 4, height: 1, values: Float32Array.of(-5, 0, 50, 200)};
  const rgba = toRgba(plane, {lo: 0, hi: 100}, [1, 0.5, 0]);
  // 50 -> 50 * 2.55 = 127.49... -> 127 (green half: 63.7 -> 64); 200 saturates at 255 before the tint.
  assert.deepEqual(Array.from(rgba), [0, 0, 0, 255, 0, 0, 0, 255, 127, 64, 0, 255, 255, 128, 0, 255]);
  const nan = toRgba({width: 1, height: 1, values: Float32Array.of(NaN)}, {lo: 0, hi: 1});
  assert.deepEqual(Array.from(nan), [0, 0, 0, 0]);
});
