// The live dashboard in a real browser (issue 21): Debian's headless Chromium, driven by
// playwright-core over CDP, against a hub started with --dashboard on.
//
//   - from an allowed peer (loopback), the page goes live, counts a /ssehub.js stream of
//     another tab, and after publishes its figures and its events plot move and the topic
//     appears in the table of busiest topics;
//   - from a peer the allow-list does not admit, the page opens with ?access_token= of an
//     admin token and passes it to its data requests; a token without the admin claim is 403;
//   - a page of another site can neither read the data (no CORS headers) nor get it served
//     (the hub refuses the cross-site request and counts it).
//
// With SSEHUB_DASHBOARD_SCREENSHOT=FILE the first test also leaves a PNG of the page there,
// after half a minute of varied traffic (docs/dashboard.png is made so). Skips (with the
// reason) only when Chromium or playwright-core is not installed, never under CI=true.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChromium, waitUntil, stopChecked, browserTest as libBrowserTest, mintHs256 } from './lib.mjs';
import dependency from './dependency.js';

const { missing } = dependency;
const WAIT = 15000;
const SECRET = 'a-dashboard-browser-secret-of-32-bytes-or-more';
const SCREENSHOT = process.env.SSEHUB_DASHBOARD_SCREENSHOT || '';

let dir = null;
let secretFile = null;
const state = { chrome: null, skipReason: null, contextOptions: { viewport: { width: 1280, height: 640 } } };

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ssehub-dash-'));
  secretFile = path.join(dir, 'secret');
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  // evil.test is another site on loopback (127.0.0.1 on another port would be the same site).
  const r = await startChromium(['--host-resolver-rules=MAP evil.test 127.0.0.1, '
    + 'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']);
  if (r.skip) {
    state.skipReason = missing(r.skip); // throws under CI=true
    console.log(`SKIP: browser_dashboard: ${state.skipReason}`);
    return;
  }
  state.chrome = r;
});

after(async () => {
  if (state.chrome) await state.chrome.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const mint = (payload) => mintHs256(payload, SECRET);
const exp = () => Math.floor(Date.now() / 1000) + 3600;

// lib.mjs's browserTest, with this file's Chromium, viewport and hub arguments.
function browserTest(name, body) {
  libBrowserTest(state, name, (ctx) => body({
    ...ctx, hub: (args) => ctx.hub(['--dashboard', 'on', '--jwt-key', secretFile, ...args]),
  }));
}

const stateOf = (page) => page.evaluate(() => document.getElementById('state').dataset.state);
const textOf = (page, id) => page.evaluate((i) => document.getElementById(i).textContent, id);
const canvasOf = (page, id) => page.evaluate((i) => document.getElementById(i).toDataURL(), id);
const topicRows = (page) => page.evaluate(() => [...document.querySelectorAll('#topic-rows tr')]
  .map((tr) => [...tr.children].map((td) => td.textContent)));

async function waitLive(page) {
  await waitUntil(async () => (await stateOf(page)) === 'live',
    { timeoutMs: WAIT, message: 'the dashboard never went live' });
}

// POST /publish as a form; with a token when the hub's allow-list does not admit loopback.
async function publish(hub, topic, data, token) {
  const r = await fetch(`${hub.url}/publish`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded',
      ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: new URLSearchParams({ event: 'update', topic, data }).toString(),
  });
  assert.equal(r.status, 202, await r.text());
}

browserTest('publish, and the dashboard\'s figures and plot move', async ({ newPage, hub }) => {
  const h = await hub([]);
  // Another tab subscribed through /ssehub.js: counted as a shared stream.
  const tab = await newPage();
  await tab.goto(`${h.url}/healthz`);
  await tab.addScriptTag({ url: '/ssehub.js' });
  await tab.evaluate(() => { window.ssehub.subscribe(['news'], () => {}); });
  await h.waitSubscribers(1);

  const page = await newPage();
  await page.goto(`${h.url}/ssehub/dashboard`);
  await waitLive(page);
  assert.match(await textOf(page, 'version'), /^\d+\.\d+\.\d+/);
  assert.equal(await textOf(page, 'listeners'), `127.0.0.1:${h.port}`);
  // Subscribers: all, HTTP/1.1, TLS, h2, /ssehub.js.
  await waitUntil(async () => (await textOf(page, 'v-subscribers-0')) === '1'
    && (await textOf(page, 'v-subscribers-4')) === '1',
  { timeoutMs: WAIT, message: 'the /ssehub.js stream never showed' });

  const before = await canvasOf(page, 'c-events');
  // Events for a few seconds, so that both a rate and the plot's line show.
  const until = Date.now() + 2500;
  let n = 0;
  while (Date.now() < until) {
    await publish(h, 'news', `event ${n++}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitUntil(async () => Number(await textOf(page, 'v-events-0')) > 0
    || Number(await textOf(page, 'v-events-1')) > 0,
  { timeoutMs: WAIT, message: 'published/s and deliveries/s stayed 0' });
  assert.notEqual(await canvasOf(page, 'c-events'), before, 'the events plot did not change');
  const rows = await waitUntil(async () => {
    const r = await topicRows(page);
    return r.length && r[0][0] === 'news' && Number(r[0][2]) > 0 ? r : null;
  }, { timeoutMs: WAIT, message: 'topic news never led the table with events/s' });
  assert.equal(rows[0][1], '1');

  if (SCREENSHOT) {
    // Half a minute of traffic of several kinds, for a picture that shows what the page does.
    // The streams are node's (a page may open only six connections to one HTTP/1.1 host).
    const streams = [];
    for (let i = 0; i < 40; i++) {
      const ctrl = new AbortController();
      const r = await fetch(`${h.url}/events?topic=orders/${i % 4}&topic=news`, { signal: ctrl.signal });
      const reader = r.body.getReader();
      (async () => { while (!(await reader.read()).done); })().catch(() => {});
      streams.push(ctrl);
    }
    const end = Date.now() + 30000;
    let k = 0;
    while (Date.now() < end) {
      const topic = k % 3 === 0 ? 'news' : `orders/${k % 4}`;
      await publish(h, topic, 'x'.repeat(200 + (k % 7) * 300));
      if (k % 40 === 0) await fetch(`${h.url}/events?topic=news`, { headers: { 'Last-Event-ID': '1-0' } })
        .then((r) => r.body.cancel());
      if (k % 25 === 0) await fetch(`${h.url}/events?topic=todo&access_token=bad`).then((r) => r.text());
      k++;
      await new Promise((r) => setTimeout(r, 10 + 40 * Math.abs(Math.sin(k / 60))));
    }
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    for (const ctrl of streams) ctrl.abort();
  }
  await tab.close();
  await stopChecked(h);
});

browserTest('a peer outside the allow-list opens it with an admin token in its address',
  async ({ newPage, hub }) => {
    const h = await hub(['--publish-allow', '10.0.0.0/8']);
    const page = await newPage();
    const refused = await page.goto(`${h.url}/ssehub/dashboard`);
    assert.equal(refused.status(), 403);
    const notAdmin = mint({ ssehub: { subscribe: ['*'] }, exp: exp() });
    assert.equal((await page.goto(`${h.url}/ssehub/dashboard?access_token=${notAdmin}`)).status(), 403);

    const admin = mint({ ssehub: { admin: true }, exp: exp() });
    const opened = await page.goto(`${h.url}/ssehub/dashboard?access_token=${admin}`);
    assert.equal(opened.status(), 200);
    await waitLive(page); // its data requests carried the token
    await publish(h, 'alerts', 'one', mint({ ssehub: { publish: ['*'] }, exp: exp() }));
    await waitUntil(async () => (await topicRows(page)).some((r) => r[0] === 'alerts'),
      { timeoutMs: WAIT, message: 'topic alerts never showed' });
    await stopChecked(h);
  });

browserTest('a page of another site can neither read the data nor get it served',
  async ({ newPage, hub, pages }) => {
    const h = await hub([]);
    const site = await pages({ '/': '<!doctype html><title>elsewhere</title><p>elsewhere</p>' });
    const page = await newPage();
    await page.goto(`${site.origin.replace('127.0.0.1', 'evil.test')}/`);
    const outcome = await page.evaluate(async (url) => {
      try {
        const r = await fetch(url);
        return `read ${r.status}`;
      } catch (err) {
        return `blocked: ${err.name}`;
      }
    }, `${h.url}/ssehub/dashboard/data`);
    assert.match(outcome, /^blocked/);
    // The hub saw a cross-site request and refused it (a no-cors fetch gets no CORS headers
    // either way, so its answer is what tells).
    await page.evaluate(async (url) => { await fetch(url, { mode: 'no-cors' }); },
      `${h.url}/ssehub/dashboard/data`);
    await waitUntil(async () => (await h.metric('ssehub_rejected_requests_total\\{reason="cross_site"\\}')) === 2,
      { timeoutMs: WAIT, message: 'the hub did not refuse the cross-site requests' });
    await stopChecked(h);
  });
