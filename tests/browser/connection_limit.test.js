// The six-connection limit in a real browser (issue 9): over plain HTTP/1.1 the seventh
// EventSource of a page stalls; over HTTPS the hub speaks HTTP/2 and a hundred EventSources
// share one TCP connection.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { haveTls, waitFor, makeCert, startHub, stopHub, metrics, publish, launchBrowser, tempDir } =
  require('./hub_and_browser');
const { requireDep } = require('./dependency');

// Opens n EventSources in the page; each records what it receives in window.got[i].
async function openSources(page, n, path) {
  await page.evaluate(([n, path]) => {
    window.sources = [];
    window.got = [];
    for (let i = 0; i < n; i++) {
      const es = new EventSource(path);
      window.got.push([]);
      es.addEventListener('news', (e) => window.got[i].push(e.data));
      window.sources.push(es);
    }
  }, [n, path]);
}

const openCount = (page) => page.evaluate(() => window.sources.filter((s) => s.readyState === 1).length);
const receivedBy = (page, data) =>
  page.evaluate((data) => window.got.map((list) => list.includes(data)), data);

test('a hundred EventSources over HTTPS share one HTTP/2 connection', async (t) => {
  if (requireDep(t, haveTls(), 'this ssehub was built without OpenSSL')) return undefined;
  const browser = await launchBrowser();
  if (browser.skip) return requireDep(t, false, browser.skip);
  const dir = tempDir('ssehub-browser-tls-');
  const { cert, key } = makeCert(dir);
  const hub = await startHub(['tls:127.0.0.1:0', '127.0.0.1:0'], ['--tls-cert', cert, '--tls-key', key]);
  const [tls, plain] = hub.ports;
  try {
    const page = await browser.context.newPage();
    await page.goto(`https://127.0.0.1:${tls}/healthz`);
    await openSources(page, 100, '/events?topic=news');
    await waitFor(async () => (await openCount(page)) === 100, 20000, '100 open EventSources');
    await waitFor(async () => (await metrics(plain)).ssehub_subscribers === 100, 10000, '100 subscribers');

    // Asked from the page itself, over the same connection: one TCP connection carries it all.
    // Chromium's first TLS attempts at a self-signed certificate fail; such a socket can still
    // be closing when the streams are open, so the count is awaited, not read once.
    let seen = '';
    await waitFor(async () => {
      seen = await page.evaluate(async () => (await fetch('/metrics')).text());
      return /^ssehub_connections 1$/m.test(seen);
    }, 5000, 'one TCP connection at the hub');
    assert.match(seen, /^ssehub_multiplexed_connections\{protocol="h2"\} 1$/m);
    assert.match(seen, /^ssehub_subscribers 100$/m);
    const proto = await page.evaluate(() => performance.getEntriesByType('navigation')[0].nextHopProtocol);
    assert.strictEqual(proto, 'h2');

    const doc = await publish(plain, { event: 'news', data: 'to all hundred', topic: 'news' });
    assert.strictEqual(doc.subscribers, 100);
    await waitFor(async () => (await receivedBy(page, 'to all hundred')).every(Boolean), 10000,
      'the event at all 100 EventSources');
  } finally {
    await browser.close();
    assert.strictEqual((await stopHub(hub)).code, 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('over plain HTTP/1.1 the seventh EventSource of a page stalls (the problem)', async (t) => {
  const browser = await launchBrowser();
  if (browser.skip) return requireDep(t, false, browser.skip);
  const hub = await startHub(['127.0.0.1:0'], []);
  const [plain] = hub.ports;
  try {
    const page = await browser.context.newPage();
    await page.goto(`http://127.0.0.1:${plain}/healthz`);
    await openSources(page, 7, '/events?topic=news');
    await waitFor(async () => (await openCount(page)) === 6, 10000, 'six open EventSources');
    await waitFor(async () => (await metrics(plain)).ssehub_subscribers === 6, 10000, 'six subscribers');

    await publish(plain, { event: 'news', data: 'only six hear this', topic: 'news' });
    await waitFor(async () => (await receivedBy(page, 'only six hear this')).filter(Boolean).length === 6,
      10000, 'the event at the six open streams');
    const got = await receivedBy(page, 'only six hear this');
    assert.deepStrictEqual(got, [true, true, true, true, true, true, false], 'the seventh heard nothing');
    assert.strictEqual(await page.evaluate(() => window.sources[6].readyState), 0, 'the seventh is still connecting');
    assert.strictEqual((await metrics(plain)).ssehub_subscribers, 6);

    // Free one connection: the seventh gets it at once. It was the browser's limit, not the hub.
    await page.evaluate(() => window.sources[0].close());
    await waitFor(async () => (await page.evaluate(() => window.sources[6].readyState)) === 1, 10000,
      'the seventh EventSource opening once a connection is free');
  } finally {
    await browser.close();
    assert.strictEqual((await stopHub(hub)).code, 0);
  }
});
