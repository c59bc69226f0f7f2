// /ssehub.js in a real browser (issue 9): ten tabs of one origin share a single event stream
// (one subscriber at the hub), each tab gets exactly the events of its own topics, and when
// the tab or worker holding the stream goes away mid-stream the others go on with no event
// lost and none twice. Plain HTTP/1.1, no TLS: what an intranet tool gets for free.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const { haveTls, waitFor, makeCert, startHub, stopHub, metrics, publish, launchBrowser, tempDir } =
  require('./hub_and_browser');
const { requireDep } = require('./dependency');

const TABS = 10;
// Tab i subscribes to these topics; tab 3 to everything. "z" is published but wanted by none.
const topicsOf = (i) => (i === 3 ? [] : i === 5 ? ['c'] : i % 2 ? ['a', 'b'] : ['a']);
const wants = (topics, ev) => !topics.length || !ev.topic || topics.includes(ev.topic);

async function openTabs(context, base, mode) {
  const pages = [];
  for (let i = 0; i < TABS; i++) {
    const page = await context.newPage();
    await page.goto(`${base}/healthz`);
    await page.addScriptTag({ url: '/ssehub.js' });
    await page.evaluate(([mode, topics]) => {
      window.got = [];
      if (mode) window.ssehub.configure({ mode });
      window.ssehub.subscribe(topics, (ev) => window.got.push(ev));
    }, [mode, topicsOf(i)]);
    pages.push(page);
  }
  return pages;
}

const got = (page) => page.evaluate(() => window.got);
const status = (page) => page.evaluate(() => window.ssehub.status());

async function scenario(t, mode, expectMode, overTls) {
  if (overTls && requireDep(t, haveTls(), 'this ssehub was built without OpenSSL')) return undefined;
  const browser = await launchBrowser();
  if (browser.skip) return requireDep(t, false, browser.skip);
  const dir = tempDir('ssehub-browser-tls-');
  const tlsArgs = overTls ? (({ cert, key }) => ['--tls-cert', cert, '--tls-key', key])(makeCert(dir)) : [];
  const hub = await startHub(overTls ? ['127.0.0.1:0', 'tls:127.0.0.1:0'] : ['127.0.0.1:0'], tlsArgs);
  const [port, tlsPort] = hub.ports; // publishers and /metrics use the plain one
  const base = overTls ? `https://127.0.0.1:${tlsPort}` : `http://127.0.0.1:${port}`;
  try {
    let pages = await openTabs(browser.context, base, mode);
    await waitFor(async () => (await metrics(port)).ssehub_subscribers === 1, 15000, 'the shared stream');
    const states = await Promise.all(pages.map(status));
    assert.ok(states.every((s) => s.mode === (expectMode || mode)), JSON.stringify(states));

    // From a sync event on (a broadcast reaches every tab), every event must arrive exactly.
    await publish(port, { event: 'sync', data: 'go' });
    await waitFor(async () => (await Promise.all(pages.map(got))).every((l) => l.some((e) => e.type === 'sync')),
      15000, 'the sync event in every tab');
    const start = await Promise.all(pages.map(async (p) => (await got(p)).length));

    const published = [];
    let closed = null;
    for (let k = 0; k < 60; k++) {
      const topic = ['a', 'b', 'c', 'z'][k % 4];
      const doc = await publish(port, { event: 'e', data: `n${k}`, topic });
      published.push({ id: doc.id, type: 'e', data: `n${k}`, topic });
      if (k === 25) {
        // Mid-stream: the holder of the stream goes (the leader tab), or a tab (worker mode).
        const states = await Promise.all(pages.map(status));
        const i = mode ? states.findIndex((s) => s.leader) : 0;
        assert.ok(i >= 0, 'a leader tab: ' + JSON.stringify(states));
        await pages[i].close();
        closed = i;
        pages = pages.map((p, j) => (j === i ? null : p));
      }
      await new Promise((r) => setTimeout(r, 15)); // pacing of the publisher, not a wait
    }
    const legacy = await fetch(`http://127.0.0.1:${port}/?signal=ping&data=legacy`);
    assert.strictEqual(legacy.status, 200);
    published.push({ type: 'ping', data: 'legacy', topic: '' });

    for (let i = 0; i < TABS; i++) {
      if (!pages[i]) continue;
      const expected = published.filter((ev) => wants(topicsOf(i), ev))
        .map((ev) => `${ev.type} ${ev.topic} ${ev.data}`);
      await waitFor(async () => (await got(pages[i])).length - start[i] >= expected.length, 20000,
        `tab ${i}: ${expected.length} events`).catch(async (e) => {
        throw new Error(`${e.message}; got ${JSON.stringify((await got(pages[i])).slice(start[i]))}`);
      });
      const received = (await got(pages[i])).slice(start[i]);
      assert.deepStrictEqual(received.map((ev) => `${ev.type} ${ev.topic} ${ev.data}`), expected,
        `tab ${i} (topics ${topicsOf(i)}) got every matching event once, in order`);
      const ids = received.filter((ev) => ev.type === 'e').map((ev) => ev.id);
      assert.deepStrictEqual(ids, published.filter((ev) => ev.id && wants(topicsOf(i), ev)).map((ev) => ev.id));
    }
    await waitFor(async () => (await metrics(port)).ssehub_subscribers === 1, 10000,
      'one subscriber again after the handover');
    if (mode) {
      const leaders = (await Promise.all(pages.filter(Boolean).map(status))).filter((s) => s.leader);
      assert.strictEqual(leaders.length, 1, 'exactly one new leader');
    }
    assert.notStrictEqual(closed, null);
    if (overTls) {
      const proto = await pages.find(Boolean).evaluate(
        () => performance.getEntriesByType('navigation')[0].nextHopProtocol);
      assert.strictEqual(proto, 'h2');
    }
  } finally {
    await browser.close();
    assert.strictEqual((await stopHub(hub)).code, 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('ten tabs share one stream through a SharedWorker (chosen by default on the same origin)',
  (t) => scenario(t, null, 'worker'));
test('ten tabs share one stream through a leader elected with Web Locks; the leader closes mid-stream',
  (t) => scenario(t, 'locks'));
test('without Web Locks a leader is elected by BroadcastChannel heartbeats; it closes mid-stream',
  (t) => scenario(t, 'heartbeat'));
test('ssehub.js over HTTPS: the shared stream is one HTTP/2 stream; the leader closes mid-stream',
  (t) => scenario(t, 'locks', 'locks', true));
