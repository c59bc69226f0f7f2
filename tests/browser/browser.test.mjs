// ssehub in a real browser: Debian's headless Chromium, driven by playwright-core over CDP.
//
//   - the built-in page at / shows an event published with curl (and a legacy signal);
//   - a page from another origin subscribes with EventSource (CORS) and publishes with fetch
//     (a preflighted JSON POST); with a CORS origin that is not the page's, the browser refuses;
//   - the hub restarts (SIGTERM, same port and state dir) and the page's EventSource
//     reconnects with its Last-Event-ID, gets ssehub.gap, then new events;
//   - an IntraMine-style URL (/SSE/IMCHAT/?statusid=123) receives the legacy
//     GET /?signal=todochanged&activeserver=...&port=... broadcast.
//
// Skips (with the reason) only when Chromium or playwright-core is not installed, and never
// under CI=true (dependency.js); a Chromium that does not start is a failure. Run: node --test
// (SSEHUB_BIN names the binary; default build/ssehub). SSEHUB_SCREENSHOT_DIR (default: the
// system temp dir) receives ssehub-index.png, the built-in page with events in it, and
// ssehub-index-restart.png, the same page after the restart (old event, gap, new event).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  startChromium, waitUntil, compareIds, curl, stopChecked, browserTest as libBrowserTest,
} from './lib.mjs';
import dependency from './dependency.js';

const { missing } = dependency;

const WAIT = 15000; // bound of every wait for something the browser should show

const state = { chrome: null, skipReason: null, contextOptions: { viewport: { width: 1280, height: 800 } } };

before(async () => {
  const r = await startChromium();
  if (r.skip) {
    state.skipReason = missing(r.skip); // throws under CI=true
    // ctest's SKIP_REGULAR_EXPRESSION matches this line.
    console.log(`SKIP: browser tests: ${state.skipReason}`);
    return;
  }
  state.chrome = r;
  console.log(`# chromium ${r.version}, pid ${r.pid}`);
});

after(async () => {
  if (state.chrome) await state.chrome.close();
});

// lib.mjs's browserTest with a page opened for the test.
function browserTest(name, body) {
  libBrowserTest(state, name, async (ctx) => body({ ...ctx, page: await ctx.newPage() }));
}

function screenshotDir() {
  return process.env.SSEHUB_SCREENSHOT_DIR || os.tmpdir();
}

// The built-in page's rows, newest first: [{type, id, data, gap}].
function rowsOf(page) {
  return page.$$eval('#events .event', (rows) => rows.map((r) => ({
    type: r.querySelector('.type').textContent,
    id: r.querySelector('.id').textContent,
    data: r.querySelector('.data').textContent,
    time: r.querySelector('.time').textContent,
    gap: r.classList.contains('gap'),
  })));
}

async function waitRow(page, pred, what) {
  return waitUntil(async () => (await rowsOf(page)).find(pred),
    { timeoutMs: WAIT, message: `the page never showed ${what}` });
}

async function waitPageState(page, state) {
  await page.waitForSelector(`#state[data-state="${state}"]`, { timeout: WAIT });
}

// ------------------------------------------------------------------ built-in page

browserTest('the built-in page at / shows an event published with curl', async ({ page, hub }) => {
  const h = await hub();
  const resp = await page.goto(`${h.url}/`);
  assert.equal(resp.status(), 200);
  assert.match(resp.headers()['content-type'], /^text\/html/);
  assert.equal(await page.title(), 'ssehub');
  await waitPageState(page, 'open');
  await h.waitSubscribers(1);
  assert.equal(await page.textContent('#state'), 'open');

  const data = 'hello from curl\nsecond line: <b>not bold</b> \u2713';
  const r = curl(['-H', 'Accept: application/json', '--data-urlencode', 'event=message',
    '--data-urlencode', `data=${data}`, `${h.url}/publish`]);
  assert.equal(r.status, 202, r.body);
  const { id, subscribers } = JSON.parse(r.body);
  assert.equal(subscribers, 1);

  const row = await waitRow(page, (x) => x.id === id, `the event with id ${id}`);
  assert.equal(row.type, 'message');
  assert.equal(row.data, data, 'data shown exactly, newline kept, markup as text');
  assert.match(row.time, /^\d\d:\d\d:\d\d\.\d{3}$/);
  // Markup in data stays text: no element was created from it.
  assert.equal(await page.$$eval('#events .event .data b', (b) => b.length), 0);

  // The legacy IntraMine signal reaches the page as a second row (todochanged is listened for
  // by default), newest first.
  const s = curl([`${h.url}/?signal=todochanged&activeserver=127.0.0.1&port=43124`]);
  assert.equal(s.status, 200);
  await waitRow(page, (x) => x.type === 'todochanged', 'the todochanged signal');
  const rows = await rowsOf(page);
  assert.deepEqual(rows.map((x) => [x.type, x.data]),
    [['todochanged', '127.0.0.1 43124'], ['message', data]]);
  assert.ok(compareIds(rows[0].id, rows[1].id) > 0, `ids grow: ${rows[1].id} then ${rows[0].id}`);
  assert.equal(await page.textContent('#count'), '2 shown');

  const shot = path.join(screenshotDir(), 'ssehub-index.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`# screenshot: ${shot}`);
  await stopChecked(h);
});

browserTest('the built-in page shows every event type, with the filter as an option',
  async ({ page, hub }) => {
    const h = await hub();
    await page.goto(`${h.url}/`);
    await waitPageState(page, 'open');
    await h.waitSubscribers(1);
    // The README's tour: types the page was never told about.
    const sent = [['greeting', 'hello'], ['deploy', 'v1.2 is out'], ['todochanged', 'x 1']];
    for (const [type, data] of sent) {
      const r = curl(['-d', `event=${type}`, '-d', `data=${data}`, `${h.url}/publish`]);
      assert.equal(r.status, 202, r.body);
    }
    await waitUntil(async () => (await rowsOf(page)).length === 3,
      { timeoutMs: WAIT, message: 'three rows' });
    const rows = await rowsOf(page);
    assert.deepEqual(rows.map((x) => [x.type, x.data]).reverse(), sent);
    const shot = path.join(screenshotDir(), 'ssehub-index-types.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`# screenshot: ${shot}`);

    // The filter hides other types (also rows already shown) and shows them again when cleared.
    await page.fill('#filter', 'deploy');
    const visible = () => page.$$eval('#events .event:not([hidden]) .type',
      (els) => els.map((e) => e.textContent));
    assert.deepEqual(await visible(), ['deploy']);
    assert.equal(await page.textContent('#count'), '1 shown, 2 hidden by the filter');
    await page.fill('#filter', '');
    assert.deepEqual(await visible(), ['todochanged', 'deploy', 'greeting']);
    await stopChecked(h);
  });

// The built-in page's stream parser (/ssehub.js's), in Chromium, on every framing the WHATWG grammar
// allows (the hub itself always writes LF): the page is served by a server of our own, whose
// /events writes CRLF, lone CR, a CRLF split between two writes, comments, retry, an id that
// carries over to the next event, a field without a colon, a block without data and a BOM.
const TRICKY_STREAM = ['\ufeffretry: 100\r\n: a comment\r\n\r\n',
  'id: 7-0\revent: first\rdata: one\r', '\ndata:  two\r\ndata\r\n\r\n',
  'event: no-data\n\n', 'data: carries id 7-0\n\n', 'id: 8-0\nevent: last\ndata: end\n\n'];

browserTest('the built-in page (through /ssehub.js) parses the event stream as EventSource does',
  async ({ page, hub }) => {
  const h = await hub();
  const html = await (await fetch(`${h.url}/`)).text();
  const script = await (await fetch(`${h.url}/ssehub.js`)).text();
  let streams = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(html);
      return;
    }
    if (req.url === '/ssehub.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
      res.end(script);
      return;
    }
    if (!req.url.startsWith('/events')) {
      res.writeHead(404);
      res.end();
      return;
    }
    streams += 1;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    // One write per piece, each after the last has been flushed, so the chunks stay apart.
    (async () => {
      for (const piece of TRICKY_STREAM) {
        await new Promise((resolve) => res.write(piece, resolve));
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    })();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await waitRow(page, (x) => x.type === 'last', 'the last event');
    const rows = await rowsOf(page);
    assert.deepEqual(rows.map((x) => [x.type, x.id, x.data]).reverse(), [
      ['first', '7-0', 'one\n two\n'],
      ['message', '7-0', 'carries id 7-0'],
      ['last', '8-0', 'end'],
    ]);
    assert.equal(streams, 1, 'one stream, no reconnect while it stays open');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await stopChecked(h);
});

// ------------------------------------------------------------------ CORS

// A page on another origin: subscribes to HUB/events, and publishes with a JSON fetch (which
// the browser preflights with OPTIONS). Everything it sees goes into window.got / window.trace.
const CROSS_ORIGIN_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>cross-origin subscriber</title></head>
<body><h1>cross-origin subscriber</h1><ul id="log"></ul>
<script>
'use strict';
const hub = new URLSearchParams(location.search).get('hub');
window.got = [];
window.trace = [];
const es = new EventSource(hub + '/events');
window.es = es;
es.onopen = () => window.trace.push('open');
es.onerror = () => window.trace.push('error:' + es.readyState);
for (const type of ['message', 'crossorigin']) {
  es.addEventListener(type, (e) => {
    window.got.push({ type: e.type, id: e.lastEventId, data: e.data, origin: e.origin });
    const li = document.createElement('li');
    li.textContent = e.type + ' ' + e.lastEventId + ' ' + e.data;
    document.getElementById('log').append(li);
  });
}
window.publishJson = async (body) => {
  const r = await fetch(hub + '/publish', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
};
</script></body></html>`;

browserTest('a page from another origin receives events through EventSource (CORS)',
  async ({ page, hub, pages }) => {
    const site = await pages({ '/': CROSS_ORIGIN_PAGE });
    const h = await hub();
    assert.notEqual(site.origin, h.url, 'the page and the hub are different origins');

    const streamResponse = page.waitForResponse((r) => r.url() === `${h.url}/events`,
      { timeout: WAIT });
    await page.goto(`${site.origin}/?hub=${encodeURIComponent(h.url)}`);
    const sr = await streamResponse;
    assert.equal(sr.status(), 200);
    assert.equal((await sr.request().allHeaders()).origin, site.origin, 'the browser sent a CORS request');
    assert.equal(sr.headers()['access-control-allow-origin'], '*');
    assert.match(sr.headers()['content-type'], /^text\/event-stream/);
    await page.waitForFunction(() => window.trace.includes('open'), null, { timeout: WAIT });
    await h.waitSubscribers(1);

    // Published from outside the browser.
    const p1 = await h.publish({ data: 'first from node' });
    assert.equal(p1.status, 202, p1.text);
    // Published by the cross-origin page itself: JSON makes this a preflighted request.
    const p2 = await page.evaluate(() => window.publishJson({ event: 'crossorigin', data: 'from the page' }));
    assert.equal(p2.status, 202);
    assert.equal(p2.body.subscribers, 1);

    await page.waitForFunction(() => window.got.length >= 2, null, { timeout: WAIT });
    const got = await page.evaluate(() => window.got);
    assert.deepEqual(got, [
      { type: 'message', id: p1.json.id, data: 'first from node', origin: h.url },
      { type: 'crossorigin', id: p2.body.id, data: 'from the page', origin: h.url },
    ]);
    assert.deepEqual(await page.evaluate(() => window.trace), ['open'], 'no errors, no reconnects');
    await stopChecked(h);
  });

browserTest('with a CORS origin that is not the page\'s, the browser refuses the stream',
  async ({ page, hub, pages }) => {
    // The control for the test above: it shows the browser really enforces CORS here.
    const site = await pages({ '/': CROSS_ORIGIN_PAGE });
    const h = await hub({ args: ['--cors-origin', 'http://elsewhere.invalid'] });
    await page.goto(`${site.origin}/?hub=${encodeURIComponent(h.url)}`);
    // A CORS failure "fails the connection": error, readyState CLOSED (2), no reconnect.
    await page.waitForFunction(() => window.trace.includes('error:2'), null, { timeout: WAIT });
    const trace = await page.evaluate(() => window.trace);
    assert.ok(!trace.includes('open'), `the stream must not open: ${trace}`);
    assert.equal(await page.evaluate(() => window.es.readyState), 2);
    assert.deepEqual(await page.evaluate(() => window.got), []);
    await stopChecked(h);
  });

// ------------------------------------------------------------------ restart

// persist: the history on disk (the default) or not (--history-persist off).
function restartTest(persist) {
  browserTest(persist
    ? 'after a hub restart the page reconnects and goes on from its last event (history on disk)'
    : 'after a hub restart without history on disk the page reconnects, gets ssehub.gap, then new events',
  async ({ page, hub }) => {
    const h = await hub({ args: ['--retry-ms', '200', ...(persist ? [] : ['--history-persist', 'off'])] });
    await page.goto(`${h.url}/`);
    await waitPageState(page, 'open');
    await h.waitSubscribers(1);

    const before1 = await h.publish({ data: 'before the restart' });
    assert.equal(before1.status, 202, before1.text);
    const id1 = before1.json.id;
    await waitRow(page, (x) => x.id === id1, 'the event before the restart');

    const port = h.port;
    const status = await h.stop();
    assert.equal(status, 0, `exit status on SIGTERM:\n${h.log.join('\n')}`);
    await waitPageState(page, 'reconnecting');

    await h.start(); // same port, same --state-dir
    assert.equal(h.port, port);
    await waitPageState(page, 'open');
    await h.waitSubscribers(1);

    let gap = null;
    if (!persist) {
      // The browser resumed with Last-Event-ID: id1, which the new process does not retain.
      gap = await waitRow(page, (x) => x.type === 'ssehub.gap', 'an ssehub.gap event');
      assert.ok(gap.gap, 'the gap row is marked as such');
      const info = JSON.parse(gap.data);
      assert.equal(info.requested, id1, 'the reconnect carried the last event id');
    }

    const after1 = await h.publish({ data: 'after the restart' });
    assert.equal(after1.status, 202, after1.text);
    assert.equal(after1.json.subscribers, 1);
    const id2 = after1.json.id;
    assert.ok(compareIds(id2, id1) > 0, `ids keep growing across the restart: ${id1} then ${id2}`);
    await waitRow(page, (x) => x.id === id2, 'the event after the restart');

    // Newest first: the new event, the gap (without history on disk), the old event; nothing
    // duplicated or extra.
    const rows = await rowsOf(page);
    assert.deepEqual(rows.map((x) => [x.type, x.data]), [
      ['message', 'after the restart'],
      ...(gap ? [['ssehub.gap', gap.data]] : []),
      ['message', 'before the restart'],
    ]);
    assert.equal(rows[0].id, id2);
    assert.equal(rows[rows.length - 1].id, id1);
    await page.screenshot({ path: path.join(screenshotDir(), `ssehub-index-restart${persist ? '' : '-gap'}.png`) });
    await stopChecked(h);
  });
}
restartTest(true);
restartTest(false);

// What an IntraMine page did: subscribe at the SSE server's /SSE/IMCHAT/?statusid=N and
// listen for todochanged; another IntraMine server broadcast GET /?signal=todochanged&....
const INTRAMINE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>IntraMine-style page</title></head>
<body><p id="status">waiting</p>
<script>
'use strict';
const sse = new URLSearchParams(location.search).get('sse');
window.got = [];
window.opened = false;
const es = new EventSource(sse + '/SSE/IMCHAT/?statusid=123');
es.onopen = () => { window.opened = true; };
es.addEventListener('todochanged', (e) => {
  window.got.push({ type: e.type, data: e.data, id: e.lastEventId });
  document.getElementById('status').textContent = 'todo changed on ' + e.data;
});
es.onmessage = (e) => window.got.push({ type: e.type, data: e.data, id: e.lastEventId });
</script></body></html>`;

browserTest('an IntraMine-style URL receives the legacy signal', async ({ page, hub, pages }) => {
  const site = await pages({ '/todo': INTRAMINE_PAGE });
  const h = await hub();
  const url = `${h.url}/SSE/IMCHAT/?statusid=123`;
  const streamResponse = page.waitForResponse((r) => r.url() === url, { timeout: WAIT });
  await page.goto(`${site.origin}/todo?sse=${encodeURIComponent(h.url)}`);
  const sr = await streamResponse;
  assert.equal(sr.status(), 200);
  assert.match(sr.headers()['content-type'], /^text\/event-stream/);
  assert.match((await sr.request().allHeaders()).accept, /text\/event-stream/);
  await page.waitForFunction(() => window.opened, null, { timeout: WAIT });
  await h.waitSubscribers(1);

  const r = await fetch(`${h.url}/?signal=todochanged&activeserver=127.0.0.1&port=43124`);
  assert.equal(r.status, 200);
  await r.arrayBuffer();

  await page.waitForFunction(() => window.got.length >= 1, null, { timeout: WAIT });
  const got = await page.evaluate(() => window.got);
  assert.equal(got.length, 1);
  assert.equal(got[0].type, 'todochanged');
  assert.equal(got[0].data, '127.0.0.1 43124');
  assert.ok(got[0].id, 'the event has an id');
  assert.equal(await page.textContent('#status'), 'todo changed on 127.0.0.1 43124');
  await stopChecked(h);
});
