// The pages of `deepimage serve` driven in Debian's Chromium by playwright-core, against a running server
// whose models folder holds real bioimage.io models (started by server_pages_test.sh, which also compares
// the downloaded output with `deepimage run`'s). Each step selects by role and label, as a person using
// a screen reader would find things, and each page is photographed into $SCREENSHOTS.
//
// Environment: BASE_URL, WEB_NODE_MODULES (build/web/node_modules), MODEL_ID, MODEL_NAME, IMAGE (a z-stack of
// 3 planes), STACK (a longer z-stack, to cancel), NOT_A_MODEL (a .zip that is not one), DOWNLOAD (where the
// downloaded output goes), SCREENSHOTS.
import assert from 'node:assert/strict';
import {createRequire} from 'node:module';
import {after, before, test} from 'node:test';
import path from 'node:path';

const require = createRequire(`${process.env.WEB_NODE_MODULES}/`);
const {chromium} = require('playwright-core');

const base = process.env.BASE_URL;
const modelId = process.env.MODEL_ID;
const modelName = process.env.MODEL_NAME;
const shot = (page, name) => page.screenshot({path: path.join(process.env.SCREENSHOTS, `server-${name}.png`), fullPage: true});
const RUN_TIMEOUT = 300_000;

let browser;
let page;
const consoleErrors = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({viewport: {width: 1280, height: 900}, acceptDownloads: true});
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/the server responded with a status of 4\d\d/.test(m.text()) && consoleErrors.push(m.text()));
  // Nothing may be fetched from anywhere but the server: no CDN, no fonts.
  await page.route((url) => !url.href.startsWith(base), (route) => {
    consoleErrors.push(`request outside the server: ${route.request().url()}`);
    return route.abort();
  });
});

after(async () => {
  await browser?.close();
  assert.deepEqual(consoleErrors, [], 'the pages logged errors');
});

async function status(runId) {
  const response = await fetch(`${base}/api/runs/${runId}`);
  return response.json();
}

// Waits for the viewer to have drawn both planes, then returns how many distinct grey levels the output canvas shows.
async function viewerGreyLevels(label) {
  await page.locator('.side-by-side[aria-busy="false"]').waitFor({timeout: 60_000});
  return page.getByRole('img', {name: label}).evaluate((canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const levels = new Set();
    for (let i = 0; i < data.length; i += 4) levels.add(data[i + 1]);
    return levels.size;
  });
}

test('the gallery lists the models, and the search box filters them', async () => {
  await page.goto(`${base}/`);
  await page.getByRole('heading', {name: 'Models', level: 1}).waitFor();
  const models = await (await fetch(`${base}/api/models`)).json();
  const cards = page.getByRole('list', {name: 'Models'}).locator(':scope > li');
  await page.getByRole('status').filter({hasText: `${models.length} of ${models.length} models`}).waitFor();
  assert.equal(await cards.count(), models.length);
  assert.ok(await page.getByRole('link', {name: modelName, exact: true}).isVisible());
  await shot(page, 'gallery');

  await page.getByLabel('Search models').fill('nuclei broad');
  const text = (m) => `${m.id} ${m.name} ${m.description} ${m.task || ''} ${m.tags.join(' ')}`.toLowerCase();
  const expected = models.filter((m) => text(m).includes('nuclei') && text(m).includes('broad'));
  await page.getByRole('status').filter({hasText: `${expected.length} of ${models.length} models`}).waitFor();
  assert.ok(expected.length >= 1 && expected.length < models.length, 'the search should narrow the list');
  assert.equal(await cards.count(), expected.length);
  await page.getByLabel('Search models').fill('no model is called this');
  await page.getByRole('status').filter({hasText: `0 of ${models.length} models`}).waitFor();
  await page.getByLabel('Search models').fill('');
});

test("the model card shows the model's description, authors, license and tensors", async () => {
  await page.getByRole('link', {name: modelName, exact: true}).click();
  await page.getByRole('heading', {name: modelName, level: 1}).waitFor();
  assert.equal(new URL(page.url()).pathname, `/models/${modelId}`);
  const card = await (await fetch(`${base}/api/models/${modelId}`)).json();
  assert.ok(await page.getByText(card.description).first().isVisible());
  assert.ok(await page.locator('dl.facts dd').getByText(card.license, {exact: true}).isVisible());
  const inputs = page.getByRole('table', {name: 'Inputs'});
  assert.ok(await inputs.getByRole('rowheader', {name: card.inputs[0].id, exact: true}).isVisible());
  assert.ok(await page.getByRole('heading', {name: 'Authors'}).isVisible());
  await shot(page, 'model');
});

test("'Try on example' runs the model on its example image and opens the result", async () => {
  await page.getByRole('button', {name: 'Try on example'}).click();
  await page.waitForURL(/\/runs\/[a-z0-9]+$/);
  const levels = await viewerGreyLevels('Output image');
  assert.ok(levels > 16, `the example's output shows ${levels} grey levels`);
  const runId = page.url().split('/').pop();
  assert.equal((await status(runId)).state, 'done');
});

let runId;
test('the run page runs the model on a real image, with progress up to 100 %', async () => {
  await page.goto(`${base}/run?model=${modelId}`);
  const model = page.getByLabel('Model', {exact: true});
  await page.waitForFunction((id) => document.querySelector('#run-model')?.value === id, modelId);
  assert.equal(await model.inputValue(), modelId);
  await page.getByLabel('Choose an image').setInputFiles(process.env.IMAGE);
  await page.getByText('Advanced').click();
  await page.getByLabel('Axes', {exact: true}).fill('zyx');
  await shot(page, 'run-form');
  await page.getByRole('button', {name: 'Run', exact: true}).click();

  const bar = page.getByRole('progressbar', {name: 'Run progress'});
  await bar.waitFor();
  await page.locator('.run-state').filter({hasText: /^done$/}).waitFor({timeout: RUN_TIMEOUT});
  assert.equal(await bar.getAttribute('aria-valuenow'), '100');
  const tiles = await page.locator('[data-fact="tiles"]').textContent();
  const [done, total] = tiles.split(' / ').map(Number);
  assert.ok(total >= 3 && done === total, `tiles "${tiles}": three planes need at least 3`);
  assert.match(await page.locator('[data-fact="peak"]').textContent(), /[0-9.]+ (KiB|MiB|GiB)/);
  assert.ok(!(await page.getByRole('button', {name: 'Cancel'}).isVisible()), 'a finished run has nothing to cancel');
  runId = (await page.locator('.run-progress h2').textContent()).replace('Run ', '');
  assert.equal((await status(runId)).state, 'done');
  await shot(page, 'run');
});

test('the viewer shows input and output, zooms, overlays, and downloads the output', async () => {
  await page.getByRole('link', {name: 'Open the result'}).click();
  await page.waitForURL(`${base}/runs/${runId}`);
  assert.ok((await viewerGreyLevels('Input image')) > 16);
  assert.ok((await viewerGreyLevels('Output image')) > 16);
  await shot(page, 'viewer');

  // The wheel zooms both views at once.
  const output = page.getByRole('img', {name: 'Output image'});
  const before = await output.evaluate((c) => c.toDataURL());
  const inputBefore = await page.getByRole('img', {name: 'Input image'}).evaluate((c) => c.toDataURL());
  const box = await output.boundingBox();
  await page.mouse.move(box.x + box.width / 3, box.y + box.height / 3);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction((b) => document.querySelector('canvas[aria-label="Output image"]').toDataURL() !== b, before);
  assert.notEqual(await page.getByRole('img', {name: 'Input image'}).evaluate((c) => c.toDataURL()), inputBefore);
  // Dragging pans.
  const zoomed = await output.evaluate((c) => c.toDataURL());
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, {steps: 4});
  await page.mouse.up();
  assert.notEqual(await output.evaluate((c) => c.toDataURL()), zoomed);
  assert.match(await page.locator('.readout').textContent(), /^x \d+, y \d+: input [-0-9.e+]+, output [-0-9.e+]+$/);
  await page.getByRole('button', {name: 'Fit to window'}).click();

  // The z slider shows another plane of both images (plane 1 is plane 0 upside down).
  const inputPlane0 = await page.getByRole('img', {name: 'Input image'}).evaluate((c) => c.toDataURL());
  const outputPlane0 = await output.evaluate((c) => c.toDataURL());
  const z = page.getByLabel('Slice (z)');
  assert.equal(await z.getAttribute('max'), '2');
  await z.fill('1');
  await page.waitForFunction((b) => document.querySelector('canvas[aria-label="Input image"]').toDataURL() !== b, inputPlane0);
  await page.locator('.side-by-side[aria-busy="false"]').waitFor();
  assert.notEqual(await output.evaluate((c) => c.toDataURL()), outputPlane0);

  await page.getByLabel('Overlay', {exact: true}).check();
  const overlay = page.getByRole('img', {name: 'Overlay of the output on the input'});
  await overlay.waitFor();
  const half = await overlay.evaluate((c) => c.toDataURL());
  await page.getByLabel('Overlay opacity').fill('100');
  await page.waitForFunction((b) => document.querySelector('canvas[aria-label^="Overlay"]').toDataURL() !== b, half);
  await page.getByLabel('Overlay opacity').fill('60');
  await shot(page, 'viewer-overlay');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', {name: /^Download .*\.tiff?$/}).first().click(),
  ]);
  await download.saveAs(process.env.DOWNLOAD);
});

test('objects: the run page finds objects, and the viewer shows their labels and table', async () => {
  await page.goto(`${base}/run?model=${modelId}`);
  await page.waitForFunction((id) => document.querySelector('#run-model')?.value === id, modelId);
  await page.getByLabel('Choose an image').setInputFiles(process.env.IMAGE);
  await page.getByText('Advanced').click();
  await page.getByLabel('Axes', {exact: true}).fill('zyx');
  await page.getByText('Objects', {exact: true}).click();
  await page.getByLabel('Find objects in the result').check();
  await page.getByLabel('Split touching objects').check();
  await page.getByLabel('Minimum size').fill('10');
  await page.getByRole('button', {name: 'Run', exact: true}).click();
  await page.locator('.run-state').filter({hasText: /^done$/}).waitFor({timeout: RUN_TIMEOUT});
  const id = (await page.locator('.run-progress h2').textContent()).replace('Run ', '');
  const s = await status(id);
  assert.ok(s.objects && s.objects.count > 0, JSON.stringify(s.objects));
  await page.getByRole('link', {name: 'Open the result'}).click();
  await page.waitForURL(`${base}/runs/${id}`);
  assert.match(await page.locator('.objects-summary').textContent(), new RegExp(`^${s.objects.count} objects? \\(threshold 0\\.500\\)`));
  await page.getByLabel('Output', {exact: true}).selectOption({label: 'labels.tif'});
  await page.locator('.side-by-side[aria-busy="false"]').waitFor();
  assert.ok((await viewerGreyLevels('Output image')) > 2, 'the label image shows its objects');
  await shot(page, 'viewer-objects');
  const table = await (await fetch(`${base}${s.objects.table}`)).text();
  assert.equal(table.trim().split('\n').length, s.objects.count + 1, 'a header and one row per object');
  assert.ok(await page.getByRole('link', {name: 'Download the objects table (objects.csv)'}).isVisible());
});

test('a second run is cancelled from its Cancel button', async () => {
  await page.goto(`${base}/run?model=${modelId}`);
  await page.waitForFunction((id) => document.querySelector('#run-model')?.value === id, modelId);
  await page.getByLabel('Choose an image').setInputFiles(process.env.STACK);
  await page.getByRole('button', {name: 'Run', exact: true}).click();
  const cancel = page.getByRole('button', {name: 'Cancel'});
  await cancel.waitFor();
  await page.locator('.run-state').filter({hasText: /^(queued|running)/}).waitFor();
  const cancelledId = (await page.locator('.run-progress h2').textContent()).replace('Run ', '');
  await cancel.click();
  await page.locator('.run-state').filter({hasText: /^cancelled$/}).waitFor({timeout: 60_000});
  assert.ok(!(await cancel.isVisible()));
  const answer = await fetch(`${base}/api/runs/${cancelledId}`);
  // The server may forget a cancelled run or report it cancelled; it must not have finished it.
  if (answer.ok) assert.equal((await answer.json()).state, 'cancelled');
  else assert.equal(answer.status, 404);
});

test("the install page shows the server's error line for a source that is not a model", async () => {
  await page.goto(`${base}/install`);
  await page.getByRole('heading', {name: 'Install a model'}).waitFor();
  await shot(page, 'install');
  await page.getByLabel('Model to install').fill(process.env.NOT_A_MODEL);
  await page.getByRole('button', {name: 'Install'}).click();
  const alert = page.getByRole('alert');
  await alert.filter({hasText: 'not_a_model.zip'}).waitFor({timeout: 60_000});
  const line = (await alert.textContent()).trim();
  assert.ok(!line.includes('\n') && line.length > 10, `one error line, got "${line}"`);
});

test("the build page sends its form and shows the server's error for weights that are not a network", async () => {
  await page.goto(`${base}/build`);
  await page.getByRole('heading', {name: 'Build a model'}).waitFor();
  await shot(page, 'build');
  await page.getByLabel('Weights file').setInputFiles({name: 'weights.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('not an onnx file')});
  await page.getByLabel('Example image').setInputFiles(process.env.IMAGE);
  await page.getByLabel('Name', {exact: true}).fill('Not a network');
  await page.getByLabel('Description', {exact: true}).fill('Bytes that are not a network.');
  await page.getByLabel('License', {exact: true}).fill('MIT');
  await page.getByRole('button', {name: 'Build'}).click();
  const alert = page.getByRole('alert');
  await alert.filter({hasText: /\S/}).waitFor({timeout: 120_000});
  assert.ok(/onnx|weights/i.test(await alert.textContent()), `the error names the weights: "${await alert.textContent()}"`);
});

test('an unknown page and an unknown model say so', async () => {
  await page.goto(`${base}/models/no_such_model`);
  await page.getByRole('alert').filter({hasText: /no_such_model/}).waitFor();
  await page.goto(`${base}/runs/nosuchrun`);
  await page.getByRole('alert').filter({hasText: /nosuchrun/}).waitFor();
});
