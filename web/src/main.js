// The single-page app of `deepimage serve`: one route per page, links followed without reloading, the back
// button working. The server answers every non-/api path with index.html, so each route can be opened
// directly (docs/server-pages.md).

import './style.css';
import {fill, h} from './dom.js';
import {buildPage} from './pages/build_page.js';
import {galleryPage} from './pages/gallery.js';
import {installPage} from './pages/install_page.js';
import {modelCardPage} from './pages/model_card.js';
import {runPage} from './pages/run_page.js';
import {viewerPage} from './pages/viewer_page.js';

const page = document.getElementById('page');
let leave = null;

const routes = [
  [/^\/$/, () => galleryPage(page), 'Models'],
  [/^\/models\/([^/]+)$/, (m) => modelCardPage(page, decodeURIComponent(m[1]), navigate), 'Model'],
  [/^\/run$/, (m, query) => runPage(page, query, navigate), 'Run'],
  [/^\/runs\/([^/]+)$/, (m) => viewerPage(page, decodeURIComponent(m[1])), 'Result'],
  [/^\/install$/, () => installPage(page), 'Install'],
  [/^\/build$/, () => buildPage(page), 'Build'],
];

function show() {
  if (leave) leave();
  leave = null;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const query = new URLSearchParams(location.search);
  for (const [pattern, render, title] of routes) {
    const match = path.match(pattern);
    if (match) {
      document.title = `${title} – deepimage`;
      for (const link of document.querySelectorAll('nav a')) {
        if (link.getAttribute('href') === path) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
      }
      leave = render(match, query) || null;
      return;
    }
  }
  document.title = 'Not found – deepimage';
  fill(page, h('h1', {}, 'Not found'), h('p', {}, `No page at ${path}. `, h('a', {href: '/'}, 'See the models.')));
}

export function navigate(path) {
  history.pushState(null, '', path);
  show();
  page.focus();
}

// Same-origin links to pages are followed here; /api links (downloads) and new-tab clicks go to the browser.
document.addEventListener('click', (event) => {
  const link = event.target.closest('a');
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  if (link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', show);
show();
