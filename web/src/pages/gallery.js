// Page "/": every model of the server's models folder as a card (cover, name, task, tags, weight formats,
// whether it runs here), with a search box that filters by name, id, task, tag or description as one types.

import {api} from '../api.js';
import {errorBox, fill, h} from '../dom.js';

export function matches(model, query) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = [model.id, model.name, model.description, model.task, ...(model.tags || [])].join(' ').toLowerCase();
  return words.every((word) => text.includes(word));
}

function modelCard(model) {
  const link = `/models/${encodeURIComponent(model.id)}`;
  return h('li', {className: 'model'},
    h('a', {href: link, className: 'cover-link', tabindex: -1, 'aria-hidden': 'true'},
      model.cover ? h('img', {src: model.cover, alt: '', loading: 'lazy', className: 'cover'}) : h('div', {className: 'cover none'}, 'no cover')),
    h('h2', {}, h('a', {href: link}, model.name || model.id)),
    h('p', {className: 'id'}, model.id),
    h('p', {className: 'description'}, model.description || ''),
    model.task ? h('p', {className: 'task'}, 'Task: ', model.task) : null,
    h('ul', {className: 'tags', 'aria-label': 'Tags'}, (model.tags || []).map((tag) => h('li', {}, tag))),
    h('p', {className: 'formats'}, 'Weights: ', (model.formats || []).join(', ') || 'none'),
    model.runnable
      ? h('p', {className: 'runnable'}, 'Runs here')
      : h('p', {className: 'not-runnable'}, `Does not run here: ${model.why_not_runnable || 'no weights this build can run'}`));
}

export function galleryPage(page) {
  const error = errorBox();
  const search = h('input', {type: 'search', id: 'model-search', placeholder: 'name, tag or description'});
  const count = h('p', {role: 'status', className: 'count'});
  const list = h('ul', {className: 'gallery', 'aria-label': 'Models'});
  fill(page,
    h('h1', {}, 'Models'),
    h('div', {className: 'search'}, h('label', {for: 'model-search'}, 'Search models'), search),
    count, error, list);

  let models = [];
  const show = () => {
    const shown = models.filter((m) => matches(m, search.value));
    fill(list, shown.map(modelCard));
    count.textContent = models.length === 0
      ? 'No models in the server\'s models folder yet: install one.'
      : `${shown.length} of ${models.length} models`;
  };
  search.addEventListener('input', show);

  api('/api/models').then((answer) => {
    models = answer || [];
    show();
  }, (e) => error.show(e.message));
}
