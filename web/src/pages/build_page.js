// Page "/build": a form over `deepimage build` (docs/build.md): weights and an example image in, a tested
// bioimage.io model out, added to the server's models folder. The files go as the multipart fields
// weights, example and documentation; everything else as "spec", the build.yaml object (build_spec.js).

import {postForm} from '../api.js';
import {buildSpec} from '../build_spec.js';
import {errorBox, fill, h} from '../dom.js';

// [name, label, hint, multi-line]
const TEXT_FIELDS = [
  ['name', 'Name', 'a short model name, e.g. Nuclei U-Net 2D'],
  ['description', 'Description', 'one or two sentences on what the model does'],
  ['license', 'License', 'an SPDX id, e.g. MIT, BSD-3-Clause, CC-BY-4.0'],
  ['authors', 'Authors', 'one per line: NAME; AFFILIATION; GITHUB USER', true],
  ['cite', 'Citations', 'one per line: TEXT; DOI or URL', true],
  ['tags', 'Tags', 'comma-separated, e.g. unet2d, nuclei'],
];
const TENSOR_FIELDS = [
  ['example_axes', 'Example axes', "only when the example's file does not say, e.g. yx, cyx"],
  ['input_id', 'Input id', "default: the graph's name, else input"],
  ['input_axes', 'Input axes', 'e.g. bcyx (default for ONNX, Keras, SavedModel: from the graph)'],
  ['input_size', 'Input size', 'per axis: y=256 (fixed) or y=64/16 (min/step), e.g. y=64/16,x=64/16'],
  ['preprocessing', 'Preprocessing', 'one op per line: ID or ID:{kwargs as JSON}', true],
  ['output_id', 'Output id', "default: the graph's name, else output"],
  ['output_axes', 'Output axes', 'default: as the input axes'],
  ['output_size', 'Output size', 'y=ref (default), y=ref*2, y=ref-16 or y=64'],
  ['halo', 'Halo', 'pixels per side per output axis, e.g. y=32,x=32'],
  ['postprocessing', 'Postprocessing', 'one op per line: ID or ID:{kwargs as JSON}', true],
  ['weights_version', 'Weights version', 'pytorch / opset / tensorflow version; required for Keras'],
];

function labelled(id, label, control, hint) {
  control.id = id;
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', {className: 'field'}, h('label', {for: id}, label), control, hint ? h('small', {id: `${id}-hint`}, hint) : null);
}

const textControl = ([name, label, hint, multiline]) =>
  labelled(`build-${name.replace(/_/g, '-')}`, label, multiline ? h('textarea', {name, rows: 2}) : h('input', {type: 'text', name}), hint);

export function buildPage(page) {
  const error = errorBox();
  const weights = h('input', {type: 'file', name: 'weights', accept: '.pt,.pth,.onnx,.h5,.hdf5,.zip'});
  const example = h('input', {type: 'file', name: 'example', accept: '.tif,.tiff,.npy,.png,.jpg,.jpeg'});
  const documentation = h('input', {type: 'file', name: 'documentation', accept: '.md'});
  const format = h('select', {name: 'weights_format'}, h('option', {value: ''}, 'detect from the file'),
    ['torchscript', 'onnx', 'keras_hdf5', 'tensorflow_saved_model_bundle'].map((f) => h('option', {value: f}, f)));
  const submit = h('button', {type: 'submit'}, 'Build');
  const result = h('p', {role: 'status', className: 'result'});
  const form = h('form', {'aria-label': 'Build a model', className: 'build-form'},
    labelled('build-weights', 'Weights file', weights, 'TorchScript .pt, ONNX .onnx, Keras .h5, or a TF1 SavedModel .zip'),
    labelled('build-weights-format', 'Weights format', format),
    labelled('build-example', 'Example image', example, 'the image the model is run on for its test tensors and cover'),
    TEXT_FIELDS.map(textControl),
    h('details', {}, h('summary', {}, 'Tensors, processing and documentation'),
      TENSOR_FIELDS.map(textControl),
      labelled('build-documentation', 'Documentation', documentation, 'Markdown .md (default: a README.md is generated)')),
    submit, result, error);
  fill(page, h('h1', {}, 'Build a model'),
    h('p', {}, 'Packs weights into a bioimage.io model, tests it on the example, and adds it to the models of this server.'),
    form);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.show('');
    if (!weights.files.length) return error.show('choose the weights file');
    if (!example.files.length) return error.show('choose an example image');
    const fields = {};
    for (const [name] of [...TEXT_FIELDS, ...TENSOR_FIELDS]) fields[name] = form.elements[name].value;
    fields.weights_format = format.value;
    let spec;
    try {
      spec = buildSpec(fields);
    } catch (e) {
      return error.show(e.message);
    }
    const body = new FormData();
    body.append('spec', JSON.stringify(spec));
    body.append('weights', weights.files[0], weights.files[0].name);
    body.append('example', example.files[0], example.files[0].name);
    if (documentation.files.length) body.append('documentation', documentation.files[0], documentation.files[0].name);
    submit.disabled = true;
    fill(result, 'Building and testing…');
    try {
      const answer = await postForm('/api/build', body);
      fill(result, 'Built ', h('a', {href: `/models/${encodeURIComponent(answer.id)}`}, answer.id), '.');
    } catch (e) {
      fill(result);
      error.show(e.message);
    } finally {
      submit.disabled = false;
    }
  });
}
