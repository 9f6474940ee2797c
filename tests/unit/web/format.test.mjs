// How the pages write sizes, durations, percentages and tensor sizes, against strings worked out by hand.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {axesText, describeShape, formatBytes, formatSeconds, percent} from '../../../web/src/format.js';
import {matches} from '../../../web/src/pages/gallery.js';

test('bytes read in binary units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(300 * 1024 * 1024), '300 MiB');
  assert.equal(formatBytes(2.25 * 1024 ** 3), '2.3 GiB');
  assert.equal(formatBytes(undefined), '–');
});

test('durations read in s, min and h (whole minutes past the hour)', () => {
  assert.equal(formatSeconds(0.42), '0.4 s');
  assert.equal(formatSeconds(42), '42 s');
  assert.equal(formatSeconds(65), '1 min 05 s');
  assert.equal(formatSeconds(3 * 3600 + 7 * 60 + 30), '3 h 07 min');
  assert.equal(formatSeconds(-1), '–');
});

test('the bar shows 100 % only when the run is complete', () => {
  assert.equal(percent(0), 0);
  assert.equal(percent(0.999), 99);
  assert.equal(percent(1), 100);
  assert.equal(percent(0.5), 50);
  assert.equal(percent(NaN), 0);
});

test('tensor sizes read from axis details, a list, or a min/step rule', () => {
  assert.equal(describeShape({axis_details: [{id: 'y', size: '64+16n'}, {id: 'x', size: '64+16n'}]}), 'y=64+16n, x=64+16n');
  assert.equal(describeShape({axis_details: [{id: 'y', size: 'input0.y', halo: 16}, {id: 'c', size: '2'}]}), 'y=input0.y (halo 16), c=2');
  assert.equal(describeShape({axes: 'bcyx', shape: [1, 1, 256, 256]}), 'b=1, c=1, y=256, x=256');
  assert.equal(describeShape({axes: 'byx', shape: {min: [1, 64, 64], step: [0, 16, 16]}}), 'b=1, y=64+16n, x=64+16n');
  assert.equal(axesText([{id: 'batch'}, {type: 'space', id: 'y'}, 'x']), 'batchyx');
});

test('the gallery search matches every word in name, id, tags or description', () => {
  const model = {id: 'unet2d_nuclei_broad', name: 'UNet 2D Nuclei Broad', description: 'segments nuclei', task: 'segmentation', tags: ['fluorescence', 'unet']};
  assert.ok(matches(model, 'nuclei'));
  assert.ok(matches(model, 'FLUOR unet'));
  assert.ok(matches(model, 'segmentation nuclei'));
  assert.ok(matches(model, ''));
  assert.ok(!matches(model, 'nuclei membrane'));
});
