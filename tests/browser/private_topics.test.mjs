// Private topics through /ssehub.js in a real browser (issue 17): Debian's headless Chromium,
// driven by playwright-core over CDP, against a hub started with --jwt-key, --private-topic
// 'todo/*' and a one-second heartbeat. HS256 tokens are minted here (lib.mjs mintHs256).
//
//   - a page of another origin with the ssehub_token cookie (withCredentials, --cors-origin)
//     reads its private topic and the public ones; without the cookie it gets onError, and
//     so it does when the hub's --cors-origin does not name the page's origin;
//   - a page without a token reads only the public events, never a private one;
//   - tabs with and without tokens share one stream (the union of their tokens) and each gets
//     only its own topics; a tab that asks for a private topic without a token gets onError;
//   - a token that expires ends the stream with ssehub.expired; the page calls its token
//     function again and resumes: every event, published during the renewal too, arrives
//     exactly once (with a SharedWorker and with a leader tab);
//   - the built-in page at / takes a token in a field, and says "refused" on a 401.
//
// Skips (with the reason) only when Chromium or playwright-core is not installed, and never
// under CI=true (dependency.js). Run: node --test (SSEHUB_BIN names the binary).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startChromium, waitUntil, compareIds, stopChecked, browserTest as libBrowserTest, mintHs256 } from './lib.mjs';
import dependency from './dependency.js';

const { missing } = dependency;
const WAIT = 15000;

const SECRET = 'a-browser-test-secret-of-at-least-32-bytes';
let secretDir = null;
let secretFile = null;
const state = { chrome: null, skipReason: null };

before(async () => {
  secretDir = mkdtempSync(path.join(os.tmpdir(), 'ssehub-jwt-'));
  secretFile = path.join(secretDir, 'secret');
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  const r = await startChromium();
  if (r.skip) {
    state.skipReason = missing(r.skip); // throws under CI=true
    console.log(`SKIP: browser_private_topics: ${state.skipReason}`);
    return;
  }
  state.chrome = r;
});

after(async () => {
  if (state.chrome) await state.chrome.close();
  if (secretDir) rmSync(secretDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------ tokens

function mint(payload, secret = SECRET) {
  return mintHs256(payload, secret);
}

// A token that may read `subscribe` and expires in ttlS seconds.
function token(subscribe, ttlS = 3600) {
  return mint({ ssehub: { subscribe }, exp: Math.floor(Date.now() / 1000) + ttlS });
}

// ------------------------------------------------------------------ fixtures

function hubArgs(extra = []) {
  return ['--jwt-key', secretFile, '--private-topic', 'todo/*', '--jwt-leeway', '0',
    '--heartbeat', '1', ...extra];
}

// lib.mjs's browserTest, with this file's Chromium and hub arguments.
function browserTest(name, body) {
  libBrowserTest(state, name, (ctx) => body({ ...ctx, hub: (extra) => ctx.hub(hubArgs(extra)) }));
}

// A page of the hub's own origin with /ssehub.js loaded (a SharedWorker holds the stream).
async function hubPage(newPage, hub) {
  const page = await newPage();
  await page.goto(`${hub.url}/healthz`);
  await page.addScriptTag({ url: '/ssehub.js' });
  return page;
}

// In the page: subscribe(topics) with options; what arrives goes to window.got[name], the
// onError messages to window.errors[name]. tokenMode: 'none' | 'string' (value) | 'function'
// (the page's window.mintToken, exposed from node).
function subscribeIn(page, name, topics, { tokenMode = 'none', value, withCredentials = false } = {}) {
  return page.evaluate(([name, topics, tokenMode, value, withCredentials]) => {
    window.got = window.got || {};
    window.errors = window.errors || {};
    window.got[name] = [];
    window.errors[name] = [];
    const options = { withCredentials, onError: (e) => window.errors[name].push(e.message) };
    if (tokenMode === 'string') options.token = value;
    if (tokenMode === 'function') options.token = () => window.mintToken();
    window.ssehub.subscribe(topics, (ev) => window.got[name].push(ev), options);
  }, [name, topics, tokenMode, value, withCredentials]);
}

const gotIn = (page, name) => page.evaluate((n) => window.got[n], name);
const errorsIn = (page, name) => page.evaluate((n) => window.errors[n], name);

async function waitEvent(page, name, id, what) {
  return waitUntil(async () => (await gotIn(page, name)).find((ev) => ev.id === id),
    { timeoutMs: WAIT, message: `${name} never got ${what} (id ${id})` });
}

async function published(hub, fields) {
  const r = await hub.publish(fields);
  assert.equal(r.status, 202, r.text);
  return r.json.id;
}

// ------------------------------------------------------------------ (a) the cookie

// Another origin's page loading the hub's script (through the hub's bridge unless it asks for
// its own stream, held by a leader tab: Web Locks).
const SITE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>todo list</title></head><body><p>todo</p>
<script>
'use strict';
const s = document.createElement('script');
s.src = new URLSearchParams(location.search).get('hub') + '/ssehub.js';
s.onload = () => { window.loaded = true; };
document.head.append(s);
</script></body></html>`;

browserTest('a page of another origin with the cookie token reads its private topic and the public ones',
  async ({ context, newPage, hub, pages }) => {
    const site = await pages({ '/': SITE_PAGE });
    const h = await hub(['--cors-origin', site.origin]);
    await context.addCookies([{ name: 'ssehub_token', value: token(['todo/*']), url: h.url,
      httpOnly: true, sameSite: 'Lax' }]);
    const page = await newPage();
    const streamResponse = page.waitForResponse((r) => r.url().startsWith(`${h.url}/events`),
      { timeout: WAIT });
    await page.goto(`${site.origin}/?hub=${encodeURIComponent(h.url)}`);
    await page.waitForFunction(() => window.loaded, null, { timeout: WAIT });
    // The page's own stream (no bridge), so that the page's request can be looked at.
    await page.evaluate(() => window.ssehub.configure({ mode: 'direct' }));
    await subscribeIn(page, 'me', ['todo/alice', 'news'], { withCredentials: true });

    const sr = await streamResponse;
    assert.equal(sr.status(), 200);
    const headers = await sr.request().allHeaders();
    assert.match(headers.cookie || '', /ssehub_token=/, 'the browser sent the cookie');
    assert.ok(!sr.url().includes('access_token'), `no token in the URL: ${sr.url()}`);
    assert.equal(sr.headers()['access-control-allow-origin'], site.origin);
    assert.equal(sr.headers()['access-control-allow-credentials'], 'true');
    await h.waitSubscribers(1);

    const privateId = await published(h, { topic: 'todo/alice', data: 'milk' });
    const publicId = await published(h, { topic: 'news', data: 'public' });
    await waitEvent(page, 'me', publicId, 'the public event');
    await waitEvent(page, 'me', privateId, 'the private event');
    assert.deepEqual((await gotIn(page, 'me')).map((ev) => [ev.topic, ev.data]),
      [['todo/alice', 'milk'], ['news', 'public']]);
    assert.deepEqual(await errorsIn(page, 'me'), []);
    assert.deepEqual((await page.evaluate(() => window.ssehub.status())).mode, 'locks');

    // The control: the same page without the cookie is refused (401) and told so, once.
    await context.clearCookies();
    const other = await newPage();
    await other.goto(`${site.origin}/?hub=${encodeURIComponent(h.url)}`);
    await other.waitForFunction(() => window.loaded, null, { timeout: WAIT });
    await other.evaluate(() => window.ssehub.configure({ mode: 'single' }));
    await subscribeIn(other, 'anon', ['todo/alice'], { withCredentials: true });
    await other.waitForFunction(() => window.errors.anon.length > 0, null, { timeout: WAIT });
    const [message] = await errorsIn(other, 'anon');
    assert.match(message, /\(401\).*topic todo\/alice is private/, message);
    await stopChecked(h);
  });

browserTest('withCredentials from another origin without a --cors-origin for it ends in onError',
  async ({ context, newPage, hub, pages }) => {
    // The hub answers Access-Control-Allow-Origin: * (its default), which a browser does not
    // accept for a request with cookies: the fetch fails like a network error, for ever.
    const site = await pages({ '/': SITE_PAGE });
    const h = await hub();
    await context.addCookies([{ name: 'ssehub_token', value: token(['todo/*']), url: h.url }]);
    const page = await newPage();
    await page.goto(`${site.origin}/?hub=${encodeURIComponent(h.url)}`);
    await page.waitForFunction(() => window.loaded, null, { timeout: WAIT });
    await subscribeIn(page, 'cred', ['news'], { withCredentials: true });
    await subscribeIn(page, 'plain', ['news']);
    await page.waitForFunction(() => window.errors.cred.length > 0, null, { timeout: WAIT });
    const [message] = await errorsIn(page, 'cred');
    assert.match(message, /does not accept credentials from http:\/\/127\.0\.0\.1:\d+ \(CORS\).*--cors-origin/,
      message);
    // The subscription without credentials goes on over the shared stream.
    await h.waitSubscribers(1);
    const id = await published(h, { topic: 'news', data: 'still here' });
    await waitEvent(page, 'plain', id, 'the public event');
    assert.deepEqual(await gotIn(page, 'cred'), []);
    assert.deepEqual(await errorsIn(page, 'plain'), []);
    await stopChecked(h);
  });

// ------------------------------------------------------------------ (b) no token

browserTest('a page without a token sees only the public events', async ({ newPage, hub }) => {
  const h = await hub();
  const page = await hubPage(newPage, h);
  await subscribeIn(page, 'all', null); // every event it may read
  await h.waitSubscribers(1);
  const privateId = await published(h, { topic: 'todo/alice', data: 'secret' });
  const publicId = await published(h, { topic: 'news', data: 'public' });
  const legacy = await fetch(`${h.url}/?signal=todochanged&data=x`);
  assert.equal(legacy.status, 200);
  await legacy.arrayBuffer();
  // Events reach a subscriber in the order published: once the signal is in, the private one
  // would have been too.
  await waitUntil(async () => (await gotIn(page, 'all')).some((ev) => ev.type === 'todochanged'),
    { timeoutMs: WAIT, message: 'the legacy signal never arrived' });
  const got = await gotIn(page, 'all');
  assert.deepEqual(got.map((ev) => [ev.type, ev.topic, ev.data]),
    [['message', 'news', 'public'], ['todochanged', '', 'x']]);
  assert.ok(!got.some((ev) => ev.id === privateId), 'the private event reached the page');
  assert.equal(got[0].id, publicId);
  assert.deepEqual(await errorsIn(page, 'all'), []);
  await stopChecked(h);
});

// ------------------------------------------------------------------ shared tabs

browserTest('tabs with and without tokens share one stream; each gets its own topics only',
  async ({ newPage, hub }) => {
    const h = await hub();
    const alice = await hubPage(newPage, h);
    const reader = await hubPage(newPage, h);
    const intruder = await hubPage(newPage, h);
    await subscribeIn(alice, 'todo', ['todo/alice'], { tokenMode: 'string', value: token(['todo/alice']) });
    await subscribeIn(reader, 'news', ['news']);
    await h.waitSubscribers(1);
    // An event first, so that the shared stream has an id to resume from when it restarts.
    const a0 = await published(h, { topic: 'todo/alice', data: 'a0' });
    await waitEvent(alice, 'todo', a0, 'a0');
    // A tab that asks for a private topic without a token would make the shared request
    // fail for everyone: it alone is refused and told why, and the others go on.
    await subscribeIn(intruder, 'todo', ['todo/bob']);
    await intruder.waitForFunction(() => window.errors.todo.length > 0, null, { timeout: WAIT });
    const [message] = await errorsIn(intruder, 'todo');
    assert.match(message, /\(401\).*topic todo\/bob is private/, message);

    const ids = [];
    for (const [topic, data] of [['todo/alice', 'a1'], ['news', 'n1'], ['todo/bob', 'b1'],
      ['todo/alice', 'a2'], ['news', 'n2']]) {
      ids.push(await published(h, { topic, data }));
    }
    await waitEvent(alice, 'todo', ids[3], 'a2');
    await waitEvent(reader, 'news', ids[4], 'n2');
    assert.deepEqual((await gotIn(alice, 'todo')).map((ev) => ev.data), ['a0', 'a1', 'a2']);
    assert.deepEqual((await gotIn(reader, 'news')).map((ev) => ev.data), ['n1', 'n2']);
    assert.deepEqual(await gotIn(intruder, 'todo'), []);
    assert.deepEqual(await errorsIn(alice, 'todo'), []);
    assert.deepEqual(await errorsIn(reader, 'news'), []);
    const states = await Promise.all([alice, reader, intruder].map(
      (p) => p.evaluate(() => window.ssehub.status().mode)));
    assert.deepEqual(states, ['worker', 'worker', 'worker']);
    await h.waitSubscribers(1); // one shared stream (the probes that found the intruder end)
    await stopChecked(h);
  });

// ------------------------------------------------------------------ (c) expiry and renewal

// Two tabs share the stream: alice's token comes from a function and expires in 2 s; bob's is
// a string that lasts. The shared stream carries both and ends when alice's expires.
function expiryTest(mode) {
  const how = mode ? `a leader tab (${mode})` : 'a SharedWorker';
  browserTest(`an expired token ends the stream held by ${how}; the page renews it and resumes with nothing lost`,
    async ({ newPage, hub }) => {
      const h = await hub();
      const alice = await hubPage(newPage, h);
      const bob = await hubPage(newPage, h);
      const sent = [];
      const publishOne = async (topic, data) => {
        sent.push({ id: await published(h, { topic, data }), topic, data });
      };
      // Alice's token function, answered from here: first a token that expires in 2 s, then
      // one that lasts. The renewal publishes before it answers, so events are published while
      // no stream is open.
      let calls = 0;
      await alice.exposeFunction('mintToken', async () => {
        calls += 1;
        if (calls === 1) return token(['todo/*'], 2);
        for (let k = 0; k < 3; k++) await publishOne('todo/alice', `during renewal ${k}`);
        return token(['todo/*']);
      });
      for (const page of [alice, bob]) {
        if (mode) await page.evaluate((m) => window.ssehub.configure({ mode: m }), mode);
      }
      await subscribeIn(alice, 'me', ['todo/alice', 'news'], { tokenMode: 'function' });
      await subscribeIn(bob, 'me', ['todo/bob'], { tokenMode: 'string', value: token(['todo/bob']) });
      await h.waitSubscribers(1);
      // Bob's subscription came last: once an event of his arrives, the shared stream carries
      // both subscriptions, and the checked sequence starts. (A stream replaced for a new
      // subscription before it delivered anything has no id to resume from: issue 18's
      // `since` closes that window.)
      const warmId = await published(h, { topic: 'todo/bob', data: 'warm-up' });
      await waitEvent(bob, 'me', warmId, 'the warm-up event');

      // Publish steadily until the renewal is done and the renewed stream has delivered.
      const deadline = Date.now() + WAIT;
      let n = 0;
      while (calls < 2 || (await h.metric('ssehub_subscribers')) !== 1 || n < 6) {
        assert.ok(Date.now() < deadline, `no renewal within ${WAIT} ms (token function calls: ${calls})`);
        await publishOne(['todo/alice', 'news', 'todo/bob'][sent.length % 3], `e${sent.length}`);
        if (calls >= 2) n += 1; // count only those after the renewal began
        await new Promise((r) => setTimeout(r, 20)); // pacing of the publisher, not a wait
      }
      // Publishes from here and from the token function overlap: order them by id.
      sent.sort((a, b) => compareIds(a.id, b.id));
      for (const [page, topics] of [[alice, ['todo/alice', 'news']], [bob, ['todo/bob']]]) {
        const mine = sent.filter((ev) => topics.includes(ev.topic));
        await waitEvent(page, 'me', mine[mine.length - 1].id, `the last event of ${topics}`);
        const got = (await gotIn(page, 'me')).filter((ev) => ev.id !== warmId);
        assert.deepEqual(got.map((ev) => ev.id), mine.map((ev) => ev.id),
          `${topics}: every event exactly once, in order`);
        assert.deepEqual(got.map((ev) => ev.data), mine.map((ev) => ev.data));
        assert.deepEqual(await errorsIn(page, 'me'), []);
      }
      assert.ok(sent.some((ev) => ev.data.startsWith('during renewal')));
      assert.equal(calls, 2, 'the token function was called again once');
      assert.equal(await h.metric('ssehub_token_expiries_total'), 1, 'ended by ssehub.expired');
      assert.equal(await h.metric('ssehub_subscribers'), 1, 'still one shared stream');
      const modes = await Promise.all([alice, bob].map((p) => p.evaluate(() => window.ssehub.status().mode)));
      assert.deepEqual(modes, [mode || 'worker', mode || 'worker']);
      await stopChecked(h);
    });
}
expiryTest(null);
expiryTest('locks');

// ------------------------------------------------------------------ the built-in page

browserTest('the built-in page takes a token for a private topic, and says when it is refused',
  async ({ newPage, hub }) => {
    const h = await hub();
    const page = await newPage();
    await page.goto(`${h.url}/?topic=todo/alice`);
    // Without a token the hub refuses the private topic; the page says so and does not retry.
    await page.waitForSelector('#state[data-state="refused"]', { timeout: WAIT });
    assert.match(await page.textContent('#state'), /^refused \(401\): topic todo\/alice is private/);
    await page.fill('#token', token(['todo/*']));
    await page.dispatchEvent('#token', 'change');
    await page.waitForSelector('#state[data-state="open"]', { timeout: WAIT });
    await h.waitSubscribers(1);
    const id = await published(h, { topic: 'todo/alice', data: 'milk' });
    await page.waitForSelector(`#events .event .id:text-is("${id}")`, { timeout: WAIT });
    assert.equal(await page.textContent('#events .event .data'), 'milk');
    // The form publishes with the token too: its publish claim decides (none here: 403).
    await page.fill('#pub-topic', 'todo/alice');
    await page.fill('#pub-data', 'from the page');
    await page.click('#publish-form button[type="submit"]');
    await page.waitForSelector('#pub-result.err', { timeout: WAIT });
    assert.match(await page.textContent('#pub-result'), /^403 .*may not publish to topic todo\/alice/);
    await stopChecked(h);
  });
