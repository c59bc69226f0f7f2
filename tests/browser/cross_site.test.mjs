// Cross-site publishing (CSRF, issue 15.3) in a real browser: a page on another host name
// (evil.test, mapped to 127.0.0.1 with Chromium's --host-resolver-rules) tries a form POST, a
// fetch and an <img> signal against a hub on 127.0.0.1: the hub refuses all three (counted as
// cross_site) and a subscriber receives nothing. The same page served from 127.0.0.1 on
// another port (same site, as IntraMine's pages are) publishes all three.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Hub, startChromium, startPageServer, waitUntil, curl } from './lib.mjs';
import dependency from './dependency.js';

const { missing } = dependency;
const WAIT = 15000;

let chrome = null;
let skipReason = null;

before(async () => {
  const r = await startChromium(['--host-resolver-rules=MAP evil.test 127.0.0.1, '
    + 'MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']);
  if (r.skip) {
    skipReason = missing(r.skip); // throws under CI=true
    console.log(`SKIP: browser tests: ${skipReason}`);
    return;
  }
  chrome = r;
});

after(async () => {
  if (chrome) await chrome.close();
});

// The attack: three requests a browser sends without a preflight.
const ATTACK_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>some other site</title></head><body>
<iframe name="sink" style="display:none"></iframe>
<form id="f" method="POST" target="sink" enctype="application/x-www-form-urlencoded">
<input name="event" value="forged-form"><input name="data" value="by a form"></form>
<script>
'use strict';
const hub = new URLSearchParams(location.search).get('hub');
window.done = { form: false, fetch: false, img: false };
const f = document.getElementById('f');
f.action = hub + '/publish';
document.querySelector('iframe').addEventListener('load', () => { window.done.form = true; });
f.submit();
fetch(hub + '/publish', {
  method: 'POST', mode: 'no-cors',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: 'event=forged-fetch&data=by+fetch',
}).then(() => { window.done.fetch = true; }, () => { window.done.fetch = 'error'; });
const img = new Image();
img.onload = img.onerror = () => { window.done.img = true; };
img.src = hub + '/?signal=forged-img&data=by+an+img';
</script></body></html>`;

// A subscriber outside the browser: the raw stream, as text.
function subscribe(url) {
  const sub = { text: '', req: null };
  sub.req = http.get(`${url}/events`, { headers: { Accept: 'text/event-stream' } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (s) => { sub.text += s; });
  });
  sub.req.on('error', () => {});
  return sub;
}

async function metricValue(hub, name) {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

async function withHub(t, body) {
  if (skipReason) {
    t.skip(skipReason);
    return;
  }
  const hub = new Hub();
  const context = await chrome.browser.newContext();
  let sub = null;
  try {
    await hub.start();
    sub = subscribe(hub.url);
    await hub.waitSubscribers(1);
    await body({ hub, page: await context.newPage(), sub });
  } finally {
    if (sub) sub.req.destroy();
    await context.close().catch(() => {});
    await hub.cleanup();
  }
}

const REJECTED = 'ssehub_rejected_requests_total{reason="cross_site"}';

test('a page on another site cannot publish or signal through the browser', async (t) => {
  await withHub(t, async ({ hub, page, sub }) => {
    const site = await startPageServer({ '/attack': ATTACK_PAGE });
    try {
      const port = new URL(site.origin).port;
      await page.goto(`http://evil.test:${port}/attack?hub=${encodeURIComponent(hub.url)}`);
      await page.waitForFunction(() => Object.values(window.done).every((v) => v === true),
        null, { timeout: WAIT });
      // The hub has answered all three. A marker published now is the first event the
      // subscriber sees: nothing went before it.
      const r = curl(['-d', 'event=marker', '-d', 'data=after the attack', `${hub.url}/publish`]);
      assert.equal(r.status, 202, r.body);
      await waitUntil(() => sub.text.includes('data: after the attack'),
        { timeoutMs: WAIT, message: 'the marker at the subscriber' });
      assert.doesNotMatch(sub.text, /forged/, 'a forged event reached the subscriber');
      assert.equal(await metricValue(hub, 'ssehub_events_published_total'), 1);
      // All three reached the hub and were refused as cross-site.
      assert.equal(await metricValue(hub, REJECTED), 3);
    } finally {
      await site.close();
    }
  });
});

test('the same page on another port of the hub\'s host (same site) can publish', async (t) => {
  await withHub(t, async ({ hub, page, sub }) => {
    const site = await startPageServer({ '/attack': ATTACK_PAGE });
    try {
      await page.goto(`${site.origin}/attack?hub=${encodeURIComponent(hub.url)}`);
      await page.waitForFunction(() => Object.values(window.done).every((v) => v === true),
        null, { timeout: WAIT });
      await waitUntil(() => ['forged-form', 'forged-fetch', 'forged-img']
        .every((type) => sub.text.includes(`event: ${type}\n`)),
      { timeoutMs: WAIT, message: `all three events at the subscriber; got:\n${sub.text}` });
      assert.equal(await metricValue(hub, REJECTED), 0);
    } finally {
      await site.close();
    }
  });
});
