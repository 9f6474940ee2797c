// The live progress of one run: a bar, elapsed time, tiles n/N, slice, ETA, memory and its peak, and a
// Cancel button. It follows the run's server-sent events (event "progress" per tile, then "end" with the
// final status); if the stream breaks, it asks for the status once a second instead until the run ends.

import {api, runPath} from './api.js';
import {errorBox, fill, h} from './dom.js';
import {formatBytes, formatSeconds, percent} from './format.js';

const FINISHED = new Set(['done', 'failed', 'cancelled']);

export function runProgress(runId, {onEnd} = {}) {
  const bar = h('div', {className: 'bar-fill'});
  const barLabel = h('span', {className: 'bar-label'}, '0 %');
  const progressbar = h('div', {role: 'progressbar', 'aria-label': 'Run progress', 'aria-valuemin': 0,
    'aria-valuemax': 100, 'aria-valuenow': 0, className: 'bar'}, bar, barLabel);
  const state = h('p', {role: 'status', className: 'run-state'}, 'starting…');
  const facts = h('dl', {className: 'facts progress-facts'});
  const error = errorBox();
  const cancel = h('button', {type: 'button', className: 'danger', onclick: () => cancelRun()}, 'Cancel');
  const element = h('section', {className: 'run-progress', 'aria-label': 'Progress of the run'},
    h('h2', {}, `Run ${runId}`), progressbar, state, facts, cancel, error);

  let source = null;
  let poller = null;
  let finished = false;

  const show = (progress) => {
    if (!progress) return;
    const p = percent(progress.fraction);
    bar.style.width = `${p}%`;
    barLabel.textContent = `${p} %`;
    progressbar.setAttribute('aria-valuenow', p);
    const tiles = progress.tiles_total ? `${progress.tiles_done ?? 0} / ${progress.tiles_total}` : '–';
    const slices = progress.slices > 1 ? [h('dt', {}, 'Slice'), h('dd', {}, `${(progress.slice ?? 0) + 1} / ${progress.slices}`)] : null;
    fill(facts,
      h('dt', {}, 'Elapsed'), h('dd', {'data-fact': 'elapsed'}, formatSeconds(progress.elapsed_s)),
      h('dt', {}, 'Tiles'), h('dd', {'data-fact': 'tiles'}, tiles),
      slices,
      h('dt', {}, 'Time left'), h('dd', {'data-fact': 'eta'}, p === 100 ? '0 s' : formatSeconds(progress.eta_s)),
      h('dt', {}, 'Memory'), h('dd', {'data-fact': 'memory'}, formatBytes(progress.memory_bytes)),
      h('dt', {}, 'Peak memory'), h('dd', {'data-fact': 'peak'}, formatBytes(progress.peak_memory_bytes)));
  };

  const showStatus = (status) => {
    show(status.progress);
    if (status.state === 'queued') state.textContent = `queued${status.position ? ` (position ${status.position})` : ''}`;
    else if (status.state === 'running') state.textContent = 'running';
    else if (status.state === 'done') state.textContent = 'done';
    else if (status.state === 'failed') state.textContent = 'failed';
    else if (status.state === 'cancelled') state.textContent = 'cancelled';
    else state.textContent = status.state || 'unknown';
    if (status.state === 'failed') error.show(status.error || 'the run failed without saying why');
    if (FINISHED.has(status.state)) finish(status);
  };

  const finish = (status) => {
    if (finished) return;
    finished = true;
    stop();
    cancel.hidden = true;
    if (onEnd) onEnd(status, element);
  };

  const stop = () => {
    if (source) source.close();
    source = null;
    if (poller) clearInterval(poller);
    poller = null;
  };

  const poll = () => {
    if (poller || finished) return;
    const once = async () => {
      try {
        showStatus(await api(runPath(runId)));
      } catch (e) {
        error.show(e.message);
        if (e.status === 404) stop();
      }
    };
    poller = setInterval(once, 1000);
    once();
  };

  const follow = () => {
    source = new EventSource(`${runPath(runId)}/events`);
    source.addEventListener('progress', (event) => {
      state.textContent = 'running';
      show(JSON.parse(event.data));
    });
    // "end" closes the stream whatever the state says (a run removed meanwhile says "deleted").
    source.addEventListener('end', (event) => {
      const status = JSON.parse(event.data);
      showStatus(status);
      finish(status);
    });
    // The stream closes after "end"; any other break falls back to asking for the status.
    source.onerror = () => {
      if (finished) return;
      source.close();
      source = null;
      poll();
    };
  };

  const cancelRun = async () => {
    cancel.disabled = true;
    try {
      showStatus(await api(runPath(runId), {method: 'DELETE'}));
    } catch (e) {
      error.show(e.message);
      cancel.disabled = false;
    }
  };

  (async () => {
    try {
      const status = await api(runPath(runId));
      showStatus(status);
      if (!finished) follow();
    } catch (e) {
      error.show(e.message);
      cancel.hidden = true;
    }
  })();

  return {element, dispose: stop};
}
