// Page "/install": what `deepimage pull` does, from the browser: a bioimage.io id, a URL of a model zip or
// rdf, or the path of a .zip on the server's machine, installed into the server's models folder.

import {postJson} from '../api.js';
import {errorBox, fill, h} from '../dom.js';

export function installPage(page) {
  const error = errorBox();
  const source = h('input', {type: 'text', id: 'install-source', name: 'source', required: true, size: 60,
    placeholder: 'affable-shark, https://…/model.zip or /data/models/model.zip', 'aria-describedby': 'install-hint'});
  const submit = h('button', {type: 'submit'}, 'Install');
  const result = h('p', {role: 'status', className: 'result'});
  const form = h('form', {'aria-label': 'Install a model'},
    h('div', {className: 'field'},
      h('label', {for: 'install-source'}, 'Model to install'), source,
      h('small', {id: 'install-hint'}, 'A bioimage.io id or DOI, the URL of a model zip or rdf.yaml, or the path of a .zip on the machine the server runs on.')),
    submit, result, error);
  fill(page, h('h1', {}, 'Install a model'), form);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.show('');
    submit.disabled = true;
    fill(result, 'Installing… (a download can take a while)');
    try {
      const answer = await postJson('/api/models/pull', {source: source.value.trim()});
      fill(result, 'Installed as ', h('a', {href: `/models/${encodeURIComponent(answer.id)}`}, answer.id), '.');
    } catch (e) {
      fill(result);
      error.show(e.message);
    } finally {
      submit.disabled = false;
    }
  });
}
