// One connection per browser across ports (issue 18), in Debian's headless Chromium: pages of
// three origins (three ports of 127.0.0.1, the hub's host) load the hub's /ssehub.js, which
// embeds the hub's bridge (/ssehub-bridge.html) and shares one SharedWorker of the hub's
// origin, so that the hub sees one stream for all of them:
//   - nine tabs (three per origin), all cross-origin to the hub on plain HTTP/1.1: one
//     subscriber at the hub, each tab gets exactly the events of its topics, in order, while
//     tabs close one by one (the one whose bridge started the worker first); every tab's own
//     requests to the hub still go through;
//   - an origin not in --cors-origin gets onError and no events; a page of another site (a
//     host name mapped to 127.0.0.1) gets its events over a stream of its own;
//   - through the bridge a page gets no more than its own rights: an origin with a token (or
//     the cookie, for a listed origin) reads a stream of its own, and a page of another
//     origin that asks for every event never gets the private ones;
//   - a page rendered at an id subscribes with {since} and gets what was published between;
//     a reloaded tab gets what was published during the reload (sessionStorage), once; the
//     hub's built-in page shares the same stream and says so.
// Skips (with the reason) only when Chromium or playwright-core is not installed, and never
// under CI=true (dependency.js). Run: node --test (SSEHUB_BIN names the binary).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChromium, waitUntil, browserTest, stopChecked, mintHs256 } from './lib.mjs';
import dependency from './dependency.js';

const { missing } = dependency;
const WAIT = 15000;
const state = { chrome: null, skipReason: null };

before(async () => {
  const r = await startChromium(['--host-resolver-rules=MAP other.test 127.0.0.1, '
    + 'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']);
  if (r.skip) {
    state.skipReason = missing(r.skip); // throws under CI=true
    console.log(`SKIP: browser_bridge: ${state.skipReason}`);
    return;
  }
  state.chrome = r;
});

after(async () => {
  if (state.chrome) await state.chrome.close();
  if (secretDir) rmSync(secretDir, { recursive: true, force: true });
});

const SECRET = 'a-bridge-test-secret-of-at-least-32-bytes';
const secretDir = mkdtempSync(path.join(os.tmpdir(), 'ssehub-bridge-'));
const secretFile = path.join(secretDir, 'secret');
writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
const token = (subscribe) => mintHs256({ ssehub: { subscribe }, exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET);

// A page of some origin that loads the hub's script; window.sub(name, topics, options)
// subscribes, collecting events in window.got[name] and onError messages in window.errors[name].
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>a page</title></head><body><p>a page</p>
<script>
'use strict';
window.got = {};
window.errors = {};
window.sub = (name, topics, options) => {
  window.got[name] = [];
  window.errors[name] = [];
  window.ssehub.subscribe(topics, (ev) => window.got[name].push(ev),
    Object.assign({ onError: (e) => window.errors[name].push(e.message) }, options || {}));
};
const s = document.createElement('script');
s.src = new URLSearchParams(location.search).get('hub') + '/ssehub.js';
s.onload = () => { window.loaded = true; };
document.head.append(s);
</script></body></html>`;

async function open(newPage, origin, hub) {
  const page = await newPage();
  await page.goto(`${origin}/?hub=${encodeURIComponent(hub.url)}`);
  await page.waitForFunction(() => window.loaded, null, { timeout: WAIT });
  return page;
}

const sub = (page, name, topics, options) =>
  page.evaluate(([n, t, o]) => window.sub(n, t, o), [name, topics, options]);
const gotIn = (page, name) => page.evaluate((n) => window.got[n], name);
const errorsIn = (page, name) => page.evaluate((n) => window.errors[n], name);
const stats = (page) => page.evaluate(() => window.ssehub.stats());
const wants = (topics, ev) => !topics.length || !ev.topic || topics.includes(ev.topic);
const show = (list) => list.map((ev) => `${ev.type} ${ev.topic} ${ev.data}`);

async function published(hub, fields) {
  const r = await hub.publish(fields);
  assert.equal(r.status, 202, r.text);
  return r.json.id;
}

async function waitFor(page, name, count, what) {
  return waitUntil(async () => (await gotIn(page, name)).length >= count,
    { timeoutMs: WAIT, message: `${what}: ${count} events` }).catch(async (e) => {
    throw new Error(`${e.message}; got ${JSON.stringify(show(await gotIn(page, name)))}`);
  });
}

async function corsArgs(origins) {
  return origins.flatMap((o) => ['--cors-origin', o]);
}

// Nine tabs, three per origin; election: how the bridges share (worker: the SharedWorker
// they all join; locks: no worker, one bridge elected leader holds the stream).
async function nineTabs({ newPage, hub, pages }, election) {
  const sites = [await pages({ '/': PAGE }), await pages({ '/': PAGE }), await pages({ '/': PAGE })];
  const h = await hub(await corsArgs(sites.map((s) => s.origin)));
  // Tab i of origin o: its origin's topic; and "all"; or everything (one tab).
  const topicsOf = (o, i) => (i === 0 ? [`site${o}`] : i === 1 ? [`site${o}`, 'all'] : o === 1 ? [] : ['all']);
  const tabs = [];
  for (let o = 0; o < 3; o++) {
    for (let i = 0; i < 3; i++) {
      const page = await open(newPage, sites[o].origin, h);
      if (election !== 'worker') await page.evaluate((e) => window.ssehub.configure({ bridge: e }), election);
      await sub(page, 's', topicsOf(o, i));
      tabs.push({ page, topics: topicsOf(o, i), name: `origin ${o} tab ${i}` });
    }
  }
  await waitUntil(async () => (await Promise.all(tabs.map((t) => stats(t.page)))).every((s) => s.pages === 9),
    { timeoutMs: WAIT, message: 'the holder serves nine pages' }).catch(async (e) => {
    throw new Error(`${e.message}: ${JSON.stringify(await Promise.all(tabs.map((t) => stats(t.page))))}`);
  });
  await h.waitSubscribers(1);
  const all = await Promise.all(tabs.map((t) => stats(t.page)));
  for (const [k, s] of all.entries()) {
    assert.equal(s.mode, 'bridge', `${tabs[k].name}: ${JSON.stringify(s)}`);
    assert.equal(s.via, 'bridge');
    assert.equal(s.election, election);
    assert.equal(s.shared, true);
  }
  assert.equal(all.filter((s) => s.leader).length, election === 'worker' ? 0 : 1, JSON.stringify(all));
  assert.equal(await h.metric('ssehub_shared_streams'), 1);

  // Every tab's own requests still go through (the six-connection limit is far).
  const answers = await Promise.all(tabs.map((t) => t.page.evaluate(async (url) => {
    const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
    return r.status;
  }, h.url)));
  assert.deepEqual(answers, tabs.map(() => 200));

  const sent = [];
  const gone = new Map(); // tab -> what it had when it closed
  // The holder first: the leader's tab, or tab 0, whose bridge started the worker.
  const first = election === 'worker' ? 0 : all.findIndex((s) => s.leader);
  const order = [first, ...[4, 8, 1, 5, 3, 0].filter((i) => i !== first)].slice(0, 6);
  for (let k = 0; k < 48; k++) {
    const topic = ['site0', 'site1', 'site2', 'all', 'nobody'][k % 5];
    const id = await published(h, { event: 'e', data: `n${k}`, topic });
    sent.push({ id, type: 'e', data: `n${k}`, topic });
    if (k % 8 === 7 && order.length) {
      const t = tabs[order.shift()];
      gone.set(t, await gotIn(t.page, 's'));
      await t.page.close({ runBeforeUnload: true });
    }
  }
  const legacy = await fetch(`${h.url}/?signal=ping&data=legacy`);
  assert.equal(legacy.status, 200);
  sent.push({ type: 'ping', data: 'legacy', topic: '' });

  for (const t of tabs) {
    const expected = sent.filter((ev) => wants(t.topics, ev));
    if (gone.has(t)) {
      const had = gone.get(t);
      assert.deepEqual(show(had), show(expected.slice(0, had.length)), `${t.name} (closed): a prefix, once each`);
      continue;
    }
    await waitFor(t.page, 's', expected.length, t.name);
    const got = await gotIn(t.page, 's');
    assert.deepEqual(show(got), show(expected), `${t.name} (${t.topics}): every event of its topics once, in order`);
    assert.deepEqual(got.filter((ev) => ev.id && ev.type === 'e').map((ev) => ev.id),
      expected.filter((ev) => ev.id).map((ev) => ev.id));
  }
  await h.waitSubscribers(1);
  const left = tabs.filter((t) => !gone.has(t));
  await waitUntil(async () => (await stats(left[0].page)).pages === left.length,
    { timeoutMs: WAIT, message: `the holder serves ${left.length} pages` });
  await stopChecked(h);
}

browserTest(state, 'nine tabs of three origins share one stream through the bridge (a SharedWorker); '
  + 'tabs close one by one with nothing lost or doubled', (ctx) => nineTabs(ctx, 'worker'));
browserTest(state, 'nine tabs of three origins share one stream through bridges that elect a leader '
  + '(no SharedWorker); the leader\'s tab closes first, nothing lost or doubled', (ctx) => nineTabs(ctx, 'locks'));

browserTest(state, 'an origin the hub does not list gets onError and no events; a page of '
  + 'another site gets its events over its own stream', async ({ newPage, hub, pages }) => {
  const site = await pages({ '/': PAGE });
  const stranger = await pages({ '/': PAGE });
  const otherSite = stranger.origin.replace('127.0.0.1', 'other.test');
  const h = await hub(await corsArgs([site.origin, otherSite]));
  const tab = await open(newPage, site.origin, h);
  await sub(tab, 's', ['news']);
  await h.waitSubscribers(1);

  const refused = await open(newPage, stranger.origin, h);
  await sub(refused, 's', ['news']);
  await refused.waitForFunction(() => window.errors.s.length > 0, null, { timeout: WAIT });
  const [message] = await errorsIn(refused, 's');
  assert.match(message, /origin http:\/\/127\.0\.0\.1:\d+ may not subscribe through the hub.*--cors-origin/, message);

  const other = await open(newPage, otherSite, h);
  await sub(other, 's', ['news']);
  await h.waitSubscribers(2); // the other site's worker reads its own stream

  const id = await published(h, { topic: 'news', data: 'hello' });
  await waitFor(tab, 's', 1, 'the listed origin');
  await waitFor(other, 's', 1, 'the other site');
  assert.deepEqual((await gotIn(tab, 's')).map((ev) => ev.id), [id]);
  assert.deepEqual((await gotIn(other, 's')).map((ev) => ev.id), [id]);
  assert.equal((await stats(other)).pages, 1, 'the other site shares with nobody here');
  assert.deepEqual(await gotIn(refused, 's'), []);
  assert.equal((await stats(tab)).pages, 1);
  await stopChecked(h);
});

browserTest(state, 'a page rendered at an id gets what was published before it subscribed; a '
  + 'reload gets what was published during the reload, once', async ({ newPage, hub, pages }) => {
  const site = await pages({ '/': PAGE });
  const h = await hub();
  const first = await open(newPage, site.origin, h);
  await sub(first, 's', ['todo']);
  await h.waitSubscribers(1);
  // The hub's built-in page joins the same worker directly, and says how many pages share it.
  const builtIn = await newPage();
  await builtIn.goto(`${h.url}/`);
  await builtIn.waitForFunction(() => document.getElementById('share').textContent === 'one stream for 2 pages',
    null, { timeout: WAIT });
  assert.equal(await builtIn.textContent('#state'), 'open');
  assert.equal((await stats(first)).pages, 2);
  await h.waitSubscribers(1);
  await builtIn.close({ runBeforeUnload: true });
  await waitUntil(async () => (await stats(first)).pages === 1, { timeoutMs: WAIT, message: 'one page again' });

  const id0 = await published(h, { topic: 'todo', data: 'before' });
  await waitFor(first, 's', 1, 'the first tab');

  // "Rendered" at the hub's last id; one event comes before the page subscribes.
  const rendered = await (await fetch(`${h.url}/ssehub/last-id`)).json();
  assert.equal(rendered.id, id0);
  const between = await published(h, { topic: 'todo', data: 'between' });
  const late = await open(newPage, site.origin, h);
  await sub(late, 's', ['todo'], { since: rendered.id });
  await waitFor(late, 's', 1, 'the page rendered at an id');
  const after = await published(h, { topic: 'todo', data: 'after' });
  await waitFor(late, 's', 2, 'the page rendered at an id');
  await waitFor(first, 's', 3, 'the first tab');
  assert.deepEqual((await gotIn(late, 's')).map((ev) => ev.id), [between, after]);
  assert.deepEqual((await gotIn(first, 's')).map((ev) => ev.id), [id0, between, after]);

  // The reload: two events while the page is away; it subscribes again as it loads.
  await late.reload();
  await late.waitForFunction(() => window.loaded, null, { timeout: WAIT });
  const during = [await published(h, { topic: 'todo', data: 'during 1' }),
    await published(h, { topic: 'todo', data: 'during 2' })];
  await sub(late, 's', ['todo']);
  await waitFor(late, 's', 2, 'the reloaded page');
  const last = await published(h, { topic: 'todo', data: 'last' });
  await waitFor(late, 's', 3, 'the reloaded page');
  await waitFor(first, 's', 6, 'the first tab');
  assert.deepEqual((await gotIn(late, 's')).map((ev) => ev.id), [...during, last]);
  assert.deepEqual((await gotIn(first, 's')).map((ev) => ev.id), [id0, between, after, ...during, last]);
  await h.waitSubscribers(1);
  await stopChecked(h);
});

browserTest(state, 'through the bridge a page reads no more than its own rights: tokens and the '
  + 'cookie stay with their origin', async ({ context, newPage, hub, pages }) => {
  const owner = await pages({ '/': PAGE });
  const other = await pages({ '/': PAGE });
  const h = await hub(['--jwt-key', secretFile, '--private-topic', 'todo/*', ...await corsArgs([owner.origin, other.origin])]);
  await context.addCookies([{ name: 'ssehub_token', value: token(['todo/bob']), url: h.url,
    httpOnly: true, sameSite: 'Lax' }]);
  const alice = await open(newPage, owner.origin, h);
  await sub(alice, 'all', [], { token: token(['todo/alice']) });
  await sub(alice, 'cookie', ['todo/bob'], { withCredentials: true });
  const stranger = await open(newPage, other.origin, h);
  await sub(stranger, 'all', []);
  await waitUntil(async () => (await stats(stranger)).pages === 2 && (await stats(stranger)).streams === 2,
    { timeoutMs: WAIT, message: 'one worker, two streams (the token\'s origin reads its own)' });
  await h.waitSubscribers(2);

  const ids = [];
  for (const [topic, data] of [['todo/alice', 'a1'], ['news', 'n1'], ['todo/bob', 'b1'], ['news', 'n2']]) {
    ids.push(await published(h, { topic, data }));
  }
  await waitFor(alice, 'all', 4, 'alice (token, everything)');
  await waitFor(alice, 'cookie', 1, 'alice (cookie)');
  await waitFor(stranger, 'all', 2, 'the other origin');
  // One origin is one reader: alice's subscription to everything also gets what her cookie reads.
  assert.deepEqual((await gotIn(alice, 'all')).map((ev) => ev.data), ['a1', 'n1', 'b1', 'n2']);
  assert.deepEqual((await gotIn(alice, 'cookie')).map((ev) => ev.data), ['b1']);
  assert.deepEqual((await gotIn(stranger, 'all')).map((ev) => ev.data), ['n1', 'n2'],
    "the other origin never gets what alice's token or cookie reads");
  assert.deepEqual(await errorsIn(alice, 'all'), []);
  assert.deepEqual(await errorsIn(alice, 'cookie'), []);
  await stopChecked(h);
});

browserTest(state, 'a mistaken or hostile page does not disturb the others: bad topics refused, '
  + 'its old since and its raw messages stay its own', async ({ newPage, hub, pages }) => {
  const one = await pages({ '/': PAGE });
  const two = await pages({ '/': PAGE });
  const h = await hub(await corsArgs([one.origin, two.origin]));
  const a = await open(newPage, one.origin, h);
  await sub(a, 's', ['a']);
  await h.waitSubscribers(1);
  const first = await published(h, { topic: 'a', data: 'a1' });
  await waitFor(a, 's', 1, 'page a');

  const b = await open(newPage, two.origin, h);
  for (const bad of ['', 'x'.repeat(300), 'new\nline']) {
    const thrown = await b.evaluate((t) => {
      try { window.ssehub.subscribe(t, () => {}); return ''; } catch (e) { return `${e.name}: ${e.message}`; }
    }, bad);
    assert.match(thrown, /^TypeError: ssehub.subscribe: a topic (is empty|is longer than 256 bytes|contains CR, LF or NUL)/, thrown);
  }
  // An id the hub never issued: page b gets ssehub.gap, page a (ahead of it) does not.
  await sub(b, 'proto', ['__proto__'], { since: '1-0' });
  await waitFor(b, 'proto', 1, 'the gap for page b');
  assert.equal((await gotIn(b, 'proto'))[0].type, 'ssehub.gap');
  // Its own frame, sent a list the hub would refuse, past ssehub.subscribe: the worker drops it.
  await b.evaluate((hubUrl) => {
    const frame = document.querySelector('iframe[title="ssehub"]');
    frame.contentWindow.postMessage({ ssehub: { op: 'want', renewed: 0, subs: [
      { sub: '9', topics: ['x'.repeat(300)], tokens: [], cred: false, renews: false, since: '' },
      { sub: '8', topics: ['y'], tokens: ['not a token'], cred: false, renews: false, since: '' }] } },
    new URL(hubUrl).origin);
  }, h.url);
  const proto = await published(h, { topic: '__proto__', data: 'p' });
  const second = await published(h, { topic: 'a', data: 'a2' });
  await waitFor(a, 's', 2, 'page a');
  assert.deepEqual((await gotIn(a, 's')).map((ev) => [ev.type, ev.id]), [['message', first], ['message', second]]);
  assert.deepEqual(await errorsIn(a, 's'), []);
  assert.ok(h.log.every((l) => !/rejected request: 400/.test(l)), `no request the hub refused:\n${h.log.join('\n')}`);
  assert.notEqual(proto, undefined);
  await h.waitSubscribers(1);
  await stopChecked(h);
});
