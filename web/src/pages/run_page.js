// Page "/run?model=ID": choose a model and an image (drop it on the page or pick a file), optionally the
// advanced settings `deepimage run` has (tile, halo, axes, channels, padding) and objects (run --objects:
// threshold, split, minimum size), start the run and follow its progress; when it is done, a link opens
// the viewer. Empty fields leave the model's defaults.

import {api, modelPath, postForm} from '../api.js';
import {errorBox, fill, h} from '../dom.js';
import {axesText, describeShape} from '../format.js';
import {runProgress} from '../run_progress.js';

const ACCEPTED = '.tif,.tiff,.npy,.png,.jpg,.jpeg';

function field(id, label, input, hint) {
  input.id = id;
  return h('div', {className: 'field'}, h('label', {for: id}, label), input, hint ? h('small', {id: `${id}-hint`}, hint) : null);
}

// The halo the model asks for, as the placeholder of the halo field ("y=16,x=16").
function modelHalo(card) {
  const halos = [];
  for (const t of card.outputs || []) {
    for (const a of t.axis_details || []) if (a.halo) halos.push(`${a.id}=${a.halo}`);
  }
  return halos.join(',');
}

export function runPage(page, query, navigate) {
  const error = errorBox();
  const modelSelect = h('select', {name: 'model', required: true});
  const modelFacts = h('div', {className: 'model-facts', 'aria-live': 'polite'});
  const fileInput = h('input', {type: 'file', name: 'image', accept: ACCEPTED});
  const useExample = h('input', {type: 'checkbox', name: 'example', id: 'use-example'});
  const drop = h('div', {className: 'drop', 'aria-label': 'Drop an image here'},
    h('p', {}, 'Drop an image here (TIFF, .npy, PNG, JPEG), or'),
    field('image-file', 'Choose an image', fileInput));
  const tile = h('input', {type: 'text', name: 'tile', placeholder: 'whole image if allowed', 'aria-describedby': 'tile-hint'});
  const halo = h('input', {type: 'text', name: 'halo', placeholder: "the model's", 'aria-describedby': 'halo-hint'});
  const axes = h('input', {type: 'text', name: 'axes', placeholder: 'from the file', 'aria-describedby': 'axes-hint'});
  const channels = h('input', {type: 'text', name: 'channels', placeholder: 'all, in order', 'aria-describedby': 'channels-hint'});
  const pad = h('select', {name: 'pad'}, h('option', {value: ''}, "default (the model's)"),
    ['reflect', 'symmetric', 'edge', 'zeros'].map((mode) => h('option', {value: mode}, mode)));
  const findObjects = h('input', {type: 'checkbox', name: 'objects', id: 'run-objects'});
  const threshold = h('input', {type: 'text', name: 'threshold', placeholder: "0.5, or a StarDist model's", 'aria-describedby': 'run-threshold-hint'});
  const splitObjects = h('input', {type: 'checkbox', name: 'split', id: 'run-split'});
  const minSize = h('input', {type: 'text', name: 'min_size', placeholder: '0', 'aria-describedby': 'run-min-size-hint'});
  const submit = h('button', {type: 'submit'}, 'Run');
  const progressPlace = h('div', {className: 'progress-place'});

  const form = h('form', {className: 'run-form', 'aria-label': 'Run a model'},
    field('run-model', 'Model', modelSelect),
    modelFacts,
    drop,
    h('div', {className: 'field inline'}, useExample, h('label', {for: 'use-example'}, "Use the model's example image instead")),
    h('details', {className: 'advanced'}, h('summary', {}, 'Advanced'),
      field('run-tile', 'Tile', tile, 'model input size per axis, e.g. y=256,x=256'),
      field('run-halo', 'Halo', halo, 'overlap per side in pixels, e.g. y=32,x=32'),
      field('run-axes', 'Axes', axes, 'axes of the image, e.g. yx, cyx, zyx'),
      field('run-channels', 'Channels', channels, 'image channels to give the model, e.g. 0,2'),
      field('run-pad', 'Padding', pad)),
    h('details', {className: 'advanced'}, h('summary', {}, 'Objects'),
      h('div', {className: 'field inline'}, findObjects,
        h('label', {for: 'run-objects'}, 'Find objects in the result: a label image and a table of measurements')),
      field('run-threshold', 'Threshold', threshold, 'foreground is value > threshold: a number, or otsu'),
      h('div', {className: 'field inline'}, splitObjects, h('label', {for: 'run-split'}, 'Split touching objects (watershed)')),
      field('run-min-size', 'Minimum size', minSize, 'pixels; smaller objects are dropped')),
    submit, error);
  fill(page, h('h1', {}, 'Run a model'), form, progressPlace);

  // Dropping a file anywhere on the drop zone sets it as the chosen file, as choosing it would.
  const showFile = () => {
    if (fileInput.files.length) useExample.checked = false;
  };
  fileInput.addEventListener('change', showFile);
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    if (event.dataTransfer.files.length) {
      fileInput.files = event.dataTransfer.files;
      showFile();
    }
  });

  const showModel = async () => {
    fill(modelFacts);
    halo.placeholder = "the model's";
    if (!modelSelect.value) return;
    try {
      const card = await api(modelPath(modelSelect.value));
      const input = (card.inputs || [])[0];
      fill(modelFacts,
        input ? h('p', {}, `Input ${input.id}: axes ${axesText(input.axes)}, sizes ${describeShape(input)}, ${input.data_type || ''}`) : null,
        (card.inputs || []).length > 1 ? h('p', {className: 'note'}, 'This model takes several inputs; the page gives it one image.') : null,
        card.has_example ? null : h('p', {className: 'note'}, 'This model ships no example image.'));
      const modelsHalo = modelHalo(card);
      if (modelsHalo) halo.placeholder = `the model's: ${modelsHalo}`;
      useExample.disabled = !card.has_example;
    } catch (e) {
      error.show(e.message);
    }
  };
  modelSelect.addEventListener('change', showModel);

  api('/api/models').then((models) => {
    const runnable = (models || []).filter((m) => m.runnable);
    fill(modelSelect,
      h('option', {value: ''}, runnable.length ? 'choose a model' : 'no runnable model installed'),
      runnable.map((m) => h('option', {value: m.id}, `${m.name || m.id} (${m.id})`)));
    const wanted = query.get('model');
    if (wanted && runnable.some((m) => m.id === wanted)) modelSelect.value = wanted;
    else if (wanted) error.show(`model "${wanted}" is not among the runnable models of this server`);
    showModel();
  }, (e) => error.show(e.message));

  let progress = null;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.show('');
    if (!modelSelect.value) return error.show('choose a model first');
    if (!useExample.checked && !fileInput.files.length) return error.show('choose an image, drop one here, or tick "Use the model\'s example image"');
    const body = new FormData();
    body.append('model', modelSelect.value);
    if (useExample.checked) body.append('example', '1');
    else body.append('image', fileInput.files[0], fileInput.files[0].name);
    for (const [name, input] of [['tile', tile], ['halo', halo], ['axes', axes], ['channels', channels], ['pad', pad]]) {
      if (input.value.trim()) body.append(name, input.value.trim());
    }
    if (findObjects.checked) {
      body.append('objects', '1');
      if (threshold.value.trim()) body.append('threshold', threshold.value.trim());
      if (splitObjects.checked) body.append('split', '1');
      if (minSize.value.trim()) body.append('min_size', minSize.value.trim());
    }
    submit.disabled = true;
    try {
      const run = await postForm('/api/runs', body);
      if (progress) progress.dispose();
      progress = runProgress(run.id, {
        onEnd: (status, element) => {
          submit.disabled = false;
          if (status.state === 'done') {
            element.append(h('p', {}, h('a', {className: 'button', href: `/runs/${encodeURIComponent(run.id)}`}, 'Open the result')));
          }
        },
      });
      fill(progressPlace, progress.element);
    } catch (e) {
      error.show(e.message);
      submit.disabled = false;
    }
  });

  return () => progress && progress.dispose();
}
