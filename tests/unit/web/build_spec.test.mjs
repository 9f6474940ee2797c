// The build form's fields become the build.yaml object of docs/build.md, written out here by hand.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {axisMap, buildSpec, citations} from '../../../web/src/build_spec.js';

test('a filled form becomes build.yaml keys, empty fields left out', () => {
  const spec = buildSpec({
    name: ' Nuclei U-Net 2D ', description: 'Segments nuclei.', license: 'MIT', weights_format: '',
    authors: 'Jane Doe; EMBL Heidelberg; janedoe\n\nJohn Roe',
    cite: 'Ronneberger et al. U-Net; 10.1007/978-3-319-24574-4_28\nSome page; https://example.org/unet',
    tags: 'unet2d, nuclei,', input_axes: 'bcyx', input_size: 'y=64/16, x=64/16',
    preprocessing: 'zero_mean_unit_variance:{"axes": ["y", "x"]}', output_size: '', halo: 'y=32,x=32', postprocessing: 'sigmoid',
  });
  assert.deepEqual(spec, {
    name: 'Nuclei U-Net 2D',
    description: 'Segments nuclei.',
    license: 'MIT',
    authors: [{name: 'Jane Doe', affiliation: 'EMBL Heidelberg', github: 'janedoe'}, {name: 'John Roe'}],
    cite: [{text: 'Ronneberger et al. U-Net', doi: '10.1007/978-3-319-24574-4_28'}, {text: 'Some page', url: 'https://example.org/unet'}],
    tags: ['unet2d', 'nuclei'],
    input: {axes: 'bcyx', size: {y: '64/16', x: '64/16'}, preprocessing: [{id: 'zero_mean_unit_variance', kwargs: {axes: ['y', 'x']}}]},
    output: {halo: {y: 32, x: 32}, postprocessing: [{id: 'sigmoid'}]},
  });
});

test('an empty form gives an empty spec (the build names what is missing)', () => {
  assert.deepEqual(buildSpec({}), {});
});

test('malformed fields are refused naming the build.yaml key and the value', () => {
  assert.throws(() => axisMap('y64', 'input.size'), /input.size "y64": "y64" is not AXIS=VALUE/);
  assert.throws(() => buildSpec({halo: 'y=3.5'}), /output.halo "y=3.5": "3.5" is not a whole number/);
  assert.throws(() => buildSpec({postprocessing: 'sigmoid:{bad'}), /output.postprocessing "sigmoid:\{bad": the kwargs after "sigmoid:" are not JSON/);
  assert.deepEqual(citations('Only a text'), [{text: 'Only a text'}]);
});
