// Page "/build": a form over `deepimage build` (docs/build.md): weights and an example image in, a tested
// bioimage.io model out, added to the server's models folder. Each field is sent under the name of the
// command's option (--input-axes -> input_axes); repeated options (author, cite, tag, preprocess,
// postprocess) are one line each in their text box and sent once per line.

import {postForm} from '../api.js';
import {errorBox, fill, h} from '../dom.js';

const TEXT_FIELDS = [
  ['name', 'Name', 'e.g. Nuclei U-Net'],
  ['description', 'Description', 'what the model does'],
  ['license', 'License', 'SPDX id, e.g. MIT, CC-BY-4.0'],
  ['example_axes', 'Example axes', "when the example's file does not say, e.g. yx, cyx"],
  ['input_axes', 'Input axes', 'e.g. bcyx (default for ONNX, Keras: from the graph)'],
  ['input_size', 'Input size', 'y=256 (fixed) or y=64/16 (min/step)'],
  ['output_axes', 'Output axes', 'default: as the input axes'],
  ['output_size', 'Output size', 'y=ref (default), y=ref*2, y=ref-16 or y=64'],
  ['halo', 'Halo', 'pixels per side per output axis, e.g. y=32,x=32'],
];
const LIST_FIELDS = [
  ['author', 'Authors', 'one per line: NAME; AFFILIATION; GITHUB USER'],
  ['cite', 'Citations', 'one per line: TEXT; DOI or URL'],
  ['tag', 'Tags', 'one per line'],
  ['preprocess', 'Preprocessing', 'one op per line: ID or ID:{kwargs as JSON}'],
  ['postprocess', 'Postprocessing', 'one op per line: ID or ID:{kwargs as JSON}'],
];

function labelled(id, label, control, hint) {
  control.id = id;
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', {className: 'field'}, h('label', {for: id}, label), control, hint ? h('small', {id: `${id}-hint`}, hint) : null);
}

export function buildPage(page) {
  const error = errorBox();
  const weights = h('input', {type: 'file', name: 'weights', required: true, accept: '.pt,.pth,.onnx,.h5,.hdf5,.zip'});
  const example = h('input', {type: 'file', name: 'example', required: true, accept: '.tif,.tiff,.npy,.png,.jpg,.jpeg'});
  const format = h('select', {name: 'weights_format'}, h('option', {value: ''}, 'detect from the file'),
    ['torchscript', 'onnx', 'keras_hdf5', 'tensorflow_saved_model_bundle'].map((f) => h('option', {value: f}, f)));
  const texts = TEXT_FIELDS.map(([name, label, hint]) => [name, labelled(`build-${name}`, label, h('input', {type: 'text', name}), hint)]);
  const lists = LIST_FIELDS.map(([name, label, hint]) => [name, labelled(`build-${name}`, label, h('textarea', {name, rows: 2}), hint)]);
  const submit = h('button', {type: 'submit'}, 'Build');
  const result = h('p', {role: 'status', className: 'result'});
  const form = h('form', {'aria-label': 'Build a model', className: 'build-form'},
    labelled('build-weights', 'Weights file', weights, 'TorchScript .pt, ONNX .onnx, Keras .h5, or a TF1 SavedModel .zip'),
    labelled('build-weights-format', 'Weights format', format),
    labelled('build-example', 'Example image', example, 'the image the model is run on for its test tensors and cover'),
    texts.map(([, element]) => element),
    h('details', {}, h('summary', {}, 'Authors, citations, tags and processing'), lists.map(([, element]) => element)),
    submit, result, error);
  fill(page, h('h1', {}, 'Build a model'),
    h('p', {}, 'Packs weights into a bioimage.io model, tests it on the example, and adds it to the models of this server.'),
    form);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.show('');
    const body = new FormData();
    if (!weights.files.length) return error.show('choose the weights file');
    if (!example.files.length) return error.show('choose an example image');
    body.append('weights', weights.files[0], weights.files[0].name);
    body.append('example', example.files[0], example.files[0].name);
    if (format.value) body.append('weights_format', format.value);
    for (const [name] of TEXT_FIELDS) {
      const value = form.elements[name].value.trim();
      if (value) body.append(name, value);
    }
    for (const [name] of LIST_FIELDS) {
      for (const line of form.elements[name].value.split('\n').map((l) => l.trim()).filter(Boolean)) body.append(name, line);
    }
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
