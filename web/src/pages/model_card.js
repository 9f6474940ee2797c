// Page "/models/{id}": a model's card: description, authors, citations, license, its tensors (axes, sizes,
// data type, pre/postprocessing), weight formats, documentation and architecture, and "Try on example",
// which starts a run on the model's own example image and opens it.

import {api, modelPath, postForm} from '../api.js';
import {errorBox, fill, h} from '../dom.js';
import {axesText, describeShape} from '../format.js';

function opsText(ops) {
  return (ops || []).map((op) => {
    const kwargs = op.kwargs && Object.keys(op.kwargs).length ? `(${Object.entries(op.kwargs).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})` : '';
    return `${op.id}${kwargs}`;
  }).join(' → ');
}

function tensorTable(caption, tensors) {
  return h('table', {className: 'tensors'},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ['Name', 'Axes', 'Sizes', 'Data type', 'Processing'].map((c) => h('th', {scope: 'col'}, c)))),
    h('tbody', {}, (tensors || []).map((t) => h('tr', {},
      h('th', {scope: 'row'}, t.id),
      h('td', {}, axesText(t.axes)),
      h('td', {}, describeShape(t)),
      h('td', {}, t.data_type || ''),
      h('td', {}, opsText([...(t.preprocessing || []), ...(t.postprocessing || [])]))))));
}

function citation(c) {
  const link = c.doi ? `https://doi.org/${c.doi}` : c.url;
  return h('li', {}, c.text || '', link ? [' ', h('a', {href: link, rel: 'noopener', target: '_blank'}, c.doi ? `doi:${c.doi}` : c.url)] : null);
}

export function modelCardPage(page, id, navigate) {
  const error = errorBox();
  fill(page, h('p', {}, 'Loading…'), error);
  api(modelPath(id)).then((card) => {
    const tryButton = h('button', {type: 'button', disabled: !card.has_example || !card.runnable}, 'Try on example');
    tryButton.addEventListener('click', async () => {
      tryButton.disabled = true;
      error.show('');
      const form = new FormData();
      form.append('model', card.id);
      form.append('example', '1');
      try {
        const run = await postForm('/api/runs', form);
        navigate(`/runs/${encodeURIComponent(run.id)}`);
      } catch (e) {
        error.show(e.message);
        tryButton.disabled = false;
      }
    });
    const weights = (card.weights || []).map((w) => (typeof w === 'string' ? w : w.format));
    fill(page,
      h('p', {className: 'crumbs'}, h('a', {href: '/'}, 'Models'), ' / ', card.id),
      h('h1', {}, card.name || card.id),
      h('p', {className: 'description'}, card.description || ''),
      h('div', {className: 'actions'},
        tryButton,
        h('a', {className: 'button', href: `/run?model=${encodeURIComponent(card.id)}`}, 'Run on an image…')),
      card.runnable ? null : h('p', {className: 'not-runnable'}, `Does not run here: ${card.why_not_runnable || 'no weights this build can run'}`),
      card.has_example ? null : h('p', {className: 'note'}, 'This model ships no example image.'),
      error,
      h('dl', {className: 'facts'},
        h('dt', {}, 'License'), h('dd', {}, card.license || 'not given'),
        h('dt', {}, 'Weights'), h('dd', {}, weights.join(', ') || 'none')),
      h('section', {'aria-labelledby': 'authors'}, h('h2', {id: 'authors'}, 'Authors'),
        (card.authors || []).length
          ? h('ul', {}, card.authors.map((a) => h('li', {}, a.name, a.affiliation ? ` (${a.affiliation})` : '')))
          : h('p', {}, 'not given')),
      (card.cite || []).length ? h('section', {'aria-labelledby': 'cite'}, h('h2', {id: 'cite'}, 'Cite'), h('ul', {}, card.cite.map(citation))) : null,
      h('section', {'aria-labelledby': 'tensors'}, h('h2', {id: 'tensors'}, 'Inputs and outputs'),
        tensorTable('Inputs', card.inputs), tensorTable('Outputs', card.outputs)),
      card.documentation ? h('section', {'aria-labelledby': 'documentation'}, h('h2', {id: 'documentation'}, 'Documentation'),
        h('pre', {className: 'documentation'}, card.documentation)) : null,
      card.architecture ? h('section', {'aria-labelledby': 'architecture'}, h('h2', {id: 'architecture'}, 'Architecture'),
        h('pre', {className: 'architecture'}, card.architecture)) : null);
    document.title = `${card.name || card.id} – deepimage`;
  }, (e) => {
    fill(page, h('h1', {}, `Model ${id}`), error);
    error.show(e.message);
  });
}
