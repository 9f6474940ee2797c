// Page "/runs/{id}": a run's result. While the run is queued or running it shows its progress; once done, the
// input and an output side by side or as an overlay (output in green over the input, with an opacity
// slider), sliders for z, t and c when the images have them, auto contrast, zoom with the wheel and pan by
// dragging (both views move together), the pixel values under the cursor, and download links.

import {api, runPath} from '../api.js';
import {errorBox, fill, h} from '../dom.js';
import {runProgress} from '../run_progress.js';
import {decodePlane, displayWindow} from '../viewer/plane.js';
import {PlaneCanvas} from '../viewer/plane_canvas.js';
import {ViewTransform} from '../viewer/view_transform.js';

const CANVAS_SIZE = 512;
const GREEN = [0.2, 1, 0.2];
const LOOPED = {z: 'Slice (z)', t: 'Frame (t)'};

// The size of each of z, t and c in an image described by its axes ("tczyx") and shape.
function loopSizes(description) {
  const sizes = {};
  const axes = (description && description.axes) || '';
  const shape = (description && description.shape) || [];
  for (const axis of ['z', 't', 'c']) {
    const i = axes.indexOf(axis);
    if (i >= 0 && Number.isInteger(shape[i])) sizes[axis] = shape[i];
  }
  return sizes;
}

const sliceKey = (name) => name.replace(/\.(ome\.)?tiff?$/i, '');

function slider(id, label, max, onInput) {
  const input = h('input', {type: 'range', id, min: 0, max, step: 1, value: 0});
  const shown = h('output', {for: id}, `1 / ${max + 1}`);
  input.addEventListener('input', () => {
    shown.textContent = `${Number(input.value) + 1} / ${max + 1}`;
    onInput();
  });
  return {input, element: h('div', {className: 'field slider'}, h('label', {for: id}, label), input, shown)};
}

function renderViewer(page, status) {
  const error = errorBox();
  const outputs = status.outputs || [];
  if (!outputs.length) {
    fill(page, h('h1', {}, `Run ${status.id}`), h('p', {}, 'This run wrote no output.'));
    return () => {};
  }
  const transform = new ViewTransform();
  const readout = h('p', {className: 'readout'}, 'Point at the image to read its values.');
  const outputSelect = h('select', {id: 'viewer-output'}, outputs.map((o, i) => h('option', {value: i}, o.name)));
  const auto = h('input', {type: 'checkbox', id: 'viewer-auto', checked: true});
  const opacity = h('input', {type: 'range', id: 'viewer-opacity', min: 0, max: 100, value: 50});
  const sideBySide = h('input', {type: 'radio', name: 'viewer-mode', id: 'mode-side', value: 'side', checked: true});
  const overlay = h('input', {type: 'radio', name: 'viewer-mode', id: 'mode-overlay', value: 'overlay'});
  const fitButton = h('button', {type: 'button'}, 'Fit to window');
  const sliders = h('div', {className: 'sliders'});

  const canvas = (label) => h('canvas', {width: CANVAS_SIZE, height: CANVAS_SIZE, 'aria-label': label, role: 'img'});
  const inputCanvas = canvas('Input image');
  const outputCanvas = canvas('Output image');
  const overlayCanvas = canvas('Overlay of the output on the input');
  const names = (values) => {
    const [inputValue, outputValue] = values;
    const show = (v) => (v === null || v === undefined ? '–' : Number(v).toPrecision(5));
    return `input ${show(inputValue)}, output ${show(outputValue)}`;
  };
  const pointer = ({x, y, values}) => {
    readout.textContent = `x ${x}, y ${y}: ${names(values)}`;
  };
  // Each canvas reports both planes: the side-by-side pair through an overlay-like lookup of their own layer.
  const views = {
    input: new PlaneCanvas(inputCanvas, transform, ({x, y}) => pointer({x, y, values: valuesAt(x, y)})),
    output: new PlaneCanvas(outputCanvas, transform, ({x, y}) => pointer({x, y, values: valuesAt(x, y)})),
    overlay: new PlaneCanvas(overlayCanvas, transform, pointer),
  };
  const sidePair = h('div', {className: 'side-by-side'},
    h('figure', {}, inputCanvas, h('figcaption', {}, `Input: ${status.input ? status.input.name : ''}`)),
    h('figure', {}, outputCanvas, h('figcaption', {className: 'output-caption'}, 'Output')));
  const overlayFigure = h('figure', {className: 'overlay', hidden: true}, overlayCanvas,
    h('figcaption', {}, 'Output (green) over the input (grey)'));
  const opacityField = h('div', {className: 'field', hidden: true}, h('label', {for: 'viewer-opacity'}, 'Overlay opacity'), opacity);

  const objects = status.objects;
  const downloads = h('ul', {className: 'downloads', 'aria-label': 'Downloads'},
    outputs.map((o) => h('li', {}, h('a', {href: o.url, download: o.name}, `Download ${o.name}`))),
    objects ? h('li', {}, h('a', {href: objects.table, download: 'objects.csv'}, 'Download the objects table (objects.csv)')) : null,
    status.input ? h('li', {}, h('a', {href: status.input.url, download: status.input.name}, 'Download the input')) : null);

  fill(page,
    h('p', {className: 'crumbs'}, h('a', {href: `/models/${encodeURIComponent(status.model)}`}, status.model), ' / run ', status.id),
    h('h1', {}, `Result of ${status.model}`),
    objects ? h('p', {className: 'objects-summary'},
      `${objects.count} object${objects.count === 1 ? '' : 's'} (${objects.star_convex ? 'star-convex, ' : ''}threshold ${Number(objects.threshold).toPrecision(3)}` +
      `${objects.threshold_method === 'otsu' ? ', Otsu' : ''}${objects.rules_from ? `, from ${objects.rules_from}` : ''}); the label image is ${outputs[outputs.length - 1].name}`) : null,
    downloads,
    h('div', {className: 'viewer-controls'},
      outputs.length > 1 ? h('div', {className: 'field'}, h('label', {for: 'viewer-output'}, 'Output'), outputSelect) : null,
      h('fieldset', {className: 'mode'}, h('legend', {}, 'Display'),
        sideBySide, h('label', {for: 'mode-side'}, 'Side by side'),
        overlay, h('label', {for: 'mode-overlay'}, 'Overlay')),
      opacityField,
      h('div', {className: 'field inline'}, auto, h('label', {for: 'viewer-auto'}, 'Auto contrast (0.5–99.5 percentiles)')),
      fitButton,
      sliders),
    error, sidePair, overlayFigure, readout);

  let planes = {input: null, output: null};
  let fitted = false;
  let controls = {};
  const valuesAt = (x, y) => [planes.input, planes.output].map((plane) => {
    if (!plane) return null;
    const extent = planes.input || planes.output;
    const px = Math.floor((x * plane.width) / extent.width);
    const py = Math.floor((y * plane.height) / extent.height);
    return px >= 0 && py >= 0 && px < plane.width && py < plane.height ? plane.values[py * plane.width + px] : null;
  });

  const output = () => outputs[Number(outputSelect.value)];
  // The input's axes and shape: from the status if it says them, else from its first plane (each plane
  // names the image it was cut from). Until then, z and t are asked of the input as of the output: they
  // are the axes a run loops over, which the input has.
  let inputDescription = status.input && status.input.axes ? status.input : null;
  const inputSizes = () => {
    if (inputDescription) return loopSizes(inputDescription);
    const {z, t} = loopSizes(output());
    return {z, t};
  };

  // z and t move input and output together; c is each image's own.
  const buildSliders = () => {
    const outputSizes = loopSizes(output());
    const inSizes = inputSizes();
    controls = {};
    const items = [];
    for (const axis of ['z', 't']) {
      const size = Math.max(outputSizes[axis] || 1, inSizes[axis] || 1);
      if (size > 1) {
        controls[axis] = slider(`viewer-${axis}`, LOOPED[axis], size - 1, load);
        items.push(controls[axis].element);
      }
    }
    if ((inSizes.c || 1) > 1) {
      controls.inputC = slider('viewer-input-c', 'Input channel (c)', inSizes.c - 1, load);
      items.push(controls.inputC.element);
    }
    if ((outputSizes.c || 1) > 1) {
      controls.outputC = slider('viewer-output-c', 'Output channel (c)', outputSizes.c - 1, load);
      items.push(controls.outputC.element);
    }
    fill(sliders, items);
  };

  const query = (sizes, channel) => {
    const params = new URLSearchParams();
    for (const axis of ['z', 't']) if (sizes[axis] && controls[axis]) params.set(axis, Math.min(Number(controls[axis].input.value), sizes[axis] - 1));
    if (sizes.c && channel) params.set('c', channel.input.value);
    return params.toString();
  };

  const fetchPlane = async (key, params) => decodePlane(await api(`${runPath(status.id)}/slices/${encodeURIComponent(key)}${params ? `?${params}` : ''}`));

  let loading = 0;
  async function load() {
    const ticket = ++loading;
    error.show('');
    sidePair.setAttribute('aria-busy', 'true');
    try {
      const [inputPlane, outputPlane] = await Promise.all([
        status.input ? fetchPlane('input', query(inputSizes(), controls.inputC)) : null,
        fetchPlane(sliceKey(output().name), query(loopSizes(output()), controls.outputC)),
      ]);
      if (ticket !== loading) return;
      if (!inputDescription && inputPlane && inputPlane.axes) {
        inputDescription = {axes: inputPlane.axes, shape: inputPlane.shape};
        buildSliders();
      }
      planes = {input: inputPlane, output: outputPlane};
      draw();
      sidePair.setAttribute('aria-busy', 'false');
    } catch (e) {
      if (ticket === loading) error.show(e.message);
    }
  }

  function draw() {
    const extent = planes.input || planes.output;
    const layer = (plane, tint, opacityValue) => plane && {plane, window: displayWindow(plane, auto.checked), tint, opacity: opacityValue};
    views.input.setLayers(planes.input ? [layer(planes.input, [1, 1, 1], 1)] : [], extent);
    views.output.setLayers([layer(planes.output, [1, 1, 1], 1)], extent);
    views.overlay.setLayers([layer(planes.input, [1, 1, 1], 1), layer(planes.output, GREEN, Number(opacity.value) / 100)].filter(Boolean), extent);
    if (!fitted) {
      transform.fit(extent.width, extent.height, CANVAS_SIZE, CANVAS_SIZE);
      fitted = true;
    }
  }

  const setMode = () => {
    const isOverlay = overlay.checked;
    sidePair.hidden = isOverlay;
    overlayFigure.hidden = !isOverlay;
    opacityField.hidden = !isOverlay;
  };
  sideBySide.addEventListener('change', setMode);
  overlay.addEventListener('change', setMode);
  opacity.addEventListener('input', () => views.overlay.setOpacity(planes.input ? 1 : 0, Number(opacity.value) / 100));
  auto.addEventListener('change', () => planes.output && draw());
  fitButton.addEventListener('click', () => {
    const extent = planes.input || planes.output;
    if (extent) transform.fit(extent.width, extent.height, CANVAS_SIZE, CANVAS_SIZE);
  });
  outputSelect.addEventListener('change', () => {
    page.querySelector('.output-caption').textContent = `Output: ${output().name}`;
    buildSliders();
    load();
  });
  page.querySelector('.output-caption').textContent = `Output: ${output().name}`;
  buildSliders();
  load();
  return () => Object.values(views).forEach((v) => v.dispose());
}

export function viewerPage(page, runId) {
  const error = errorBox();
  let dispose = () => {};
  fill(page, h('h1', {}, `Run ${runId}`), error);
  api(runPath(runId)).then((status) => {
    if (status.state === 'done') {
      dispose = renderViewer(page, status);
      return;
    }
    const progress = runProgress(runId, {
      onEnd: async (final) => {
        if (final.state !== 'done') return;
        try {
          dispose = renderViewer(page, await api(runPath(runId)));
        } catch (e) {
          error.show(e.message);
        }
      },
    });
    dispose = progress.dispose;
    fill(page, h('p', {className: 'crumbs'}, h('a', {href: `/models/${encodeURIComponent(status.model)}`}, status.model), ' / run ', runId),
      h('h1', {}, `Run ${runId}`), progress.element, error);
  }, (e) => error.show(e.message));
  return () => dispose();
}
