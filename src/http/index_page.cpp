// The built-in page served at GET /: one self-contained HTML5 document (inline CSS and JS, no
// external assets) that subscribes with EventSource and publishes with fetch. It must never put
// event data into the DOM as HTML: every received or echoed string goes through textContent.
#include "http/index_page.hpp"

namespace ssehub::http {
namespace {

constexpr std::string_view kIndexPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ssehub</title>
<style>
:root{--bg:#f5f6f8;--card:#fff;--fg:#1c2230;--mut:#687385;--line:#e2e5ea;--acc:#2f6fed;
--ok:#1f9d55;--warn:#d98e04;--bad:#d64545;--code:#f1f3f6;--on-acc:#fff;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#13161b;--card:#1b1f26;--fg:#e5e8ee;--mut:#97a1b2;
--line:#2a303a;--acc:#6e9bff;--code:#232833;--on-acc:#0d1424}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:var(--bg);color:var(--fg)}
code,pre,textarea,#pub-result,.event .id{font-family:ui-monospace,"SF Mono",Menlo,Consolas,monospace}
header{display:flex;align-items:center;gap:12px;padding:12px 24px;background:var(--card);
border-bottom:1px solid var(--line)}
h1{font-size:18px;margin:0}
header p{margin:0;color:var(--mut)}
#state{margin-left:auto;display:inline-flex;align-items:center;gap:7px;padding:3px 11px;
border:1px solid var(--line);border-radius:999px;font-size:13px}
#state::before{content:"";width:8px;height:8px;border-radius:50%;background:var(--warn)}
#state[data-state=open]::before{background:var(--ok)}
#state[data-state=reconnecting]::before{background:var(--bad)}
main{display:grid;grid-template-columns:330px minmax(0,1fr);gap:20px;padding:20px 24px;
max-width:1400px;margin:0 auto;align-items:start}
@media (max-width:760px){main{grid-template-columns:1fr}}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px}
aside section+section{margin-top:20px}
h2{font-size:12px;text-transform:uppercase;letter-spacing:.7px;color:var(--mut);margin:0 0 4px}
label{display:block;font-size:12px;color:var(--mut);margin:10px 0 4px}
input,textarea{width:100%;font:inherit;color:inherit;background:var(--bg);
border:1px solid var(--line);border-radius:6px;padding:6px 8px}
textarea{min-height:72px;resize:vertical;font-size:13px}
input:focus,textarea:focus{outline:2px solid var(--acc);outline-offset:-1px}
button{font:inherit;border:0;border-radius:6px;padding:7px 16px;margin-top:12px;
background:var(--acc);color:var(--on-acc);cursor:pointer}
button:hover{filter:brightness(1.08)}
.hint{font-size:12px;color:var(--mut);margin:6px 0 0}
code{font-size:12px;background:var(--code);padding:0 4px;border-radius:4px;white-space:nowrap}
#pub-result{margin:10px 0 0;min-height:1.2em;font-size:12px;white-space:pre-wrap;
overflow-wrap:anywhere}
#pub-result.ok{color:var(--ok)}
#pub-result.err{color:var(--bad)}
.bar{display:flex;align-items:center;gap:10px;margin-bottom:6px}
.bar h2{margin:0}
#count{margin-left:auto;font-size:12px;color:var(--mut)}
#clear{margin:0;padding:2px 10px;font-size:12px;background:none;color:var(--mut);
border:1px solid var(--line)}
.empty{color:var(--mut);padding:24px 0;text-align:center}
#events:not(:empty)+.empty{display:none}
.event{display:grid;grid-template-columns:auto auto minmax(0,1fr);gap:2px 14px;
align-items:baseline;padding:10px 8px;border-top:1px solid var(--line);
animation:flash 1.2s ease-out}
.event:first-child{border-top:0}
.event .time{color:var(--mut);font-variant-numeric:tabular-nums;font-size:12px}
.event .type{font-weight:600;color:var(--acc);overflow-wrap:anywhere}
.event .id{color:var(--mut);font-size:12px;text-align:right}
.event .data{grid-column:1/-1;margin:4px 0 0;padding:8px 10px;background:var(--code);
border-radius:6px;font-size:12.5px;white-space:pre-wrap;overflow-wrap:anywhere}
.event .data:empty::before{content:"(no data)";color:var(--mut)}
.event.gap .type{color:var(--warn)}
@keyframes flash{from{background:rgba(47,111,237,.14)}to{background:transparent}}
</style>
</head>
<body>
<header>
<h1>ssehub</h1>
<p>Server-Sent Events hub</p>
<span id="state" data-state="connecting">connecting</span>
</header>
<main>
<aside>
<section>
<h2>Subscribe</h2>
<label for="types">Event types</label>
<input id="types" value="message, todochanged" autocomplete="off" spellcheck="false">
<p class="hint">EventSource shows a named event only to listeners for its type. The page
always listens for <code>message</code> and <code>ssehub.gap</code> (events were missed); add
more here, comma-separated. Types you publish are added automatically.</p>
<label for="topics">Topics</label>
<input id="topics" placeholder="all events" autocomplete="off" spellcheck="false">
<p class="hint">Comma-separated; empty means every event. Otherwise the page reconnects to
<code>/events?topic=a&amp;topic=b</code> and gets only events published to those topics.</p>
</section>
<section>
<h2>Publish</h2>
<form id="publish-form">
<label for="pub-event">Event type</label>
<input id="pub-event" value="message" required autocomplete="off" spellcheck="false">
<label for="pub-topic">Topic (optional)</label>
<input id="pub-topic" autocomplete="off" spellcheck="false">
<label for="pub-data">Data</label>
<textarea id="pub-data" placeholder="hello" spellcheck="false"></textarea>
<button type="submit">Publish</button>
<p id="pub-result" role="status"></p>
</form>
</section>
</aside>
<section>
<div class="bar"><h2>Events</h2><span id="count"></span>
<button id="clear" type="button">Clear</button></div>
<div id="events" aria-live="polite"></div>
<p class="empty">No events yet. Publish one with the form, or from a shell:<br>
<code id="curl-hint"></code></p>
</section>
</main>
<script>
'use strict';
const $ = (id) => document.getElementById(id);
const MAX_ROWS = 200;
const ALWAYS = ['message', 'ssehub.gap'];
const listening = new Set();
let source = null;
let retryTimer = 0;
let lastId = '';

const split = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const pad = (n, w = 2) => String(n).padStart(w, '0');

function setState(s) {
  $('state').textContent = s;
  $('state').dataset.state = s;
}

function cell(tag, cls, text) {
  const el = document.createElement(tag);
  el.className = cls;
  el.textContent = text; // never innerHTML: event data is untrusted
  return el;
}

function showCount() {
  const n = $('events').children.length;
  $('count').textContent = n ? n + (n === MAX_ROWS ? ' (newest kept)' : ' shown') : '';
}

function onEvent(e) {
  if (e.lastEventId) lastId = e.lastEventId;
  const d = new Date();
  const row = document.createElement('div');
  row.className = e.type === 'ssehub.gap' ? 'event gap' : 'event';
  row.append(
    cell('span', 'time', pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' +
      pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3)),
    cell('span', 'type', e.type),
    cell('span', 'id', e.lastEventId),
    cell('pre', 'data', e.data));
  const list = $('events');
  list.prepend(row);
  while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
  showCount();
}

// Keeps one listener per wanted type on the current EventSource.
function syncListeners() {
  const want = new Set([...ALWAYS, ...split($('types').value)]);
  for (const t of listening) {
    if (!want.has(t)) {
      listening.delete(t);
      if (source) source.removeEventListener(t, onEvent);
    }
  }
  for (const t of want) {
    if (!listening.has(t)) {
      listening.add(t);
      if (source) source.addEventListener(t, onEvent);
    }
  }
}

function listenFor(type) {
  if (listening.has(type)) return;
  $('types').value = [...split($('types').value), type].join(', ');
  syncListeners();
}

function streamUrl(resume) {
  const q = new URLSearchParams();
  for (const t of split($('topics').value)) q.append('topic', t);
  if (resume && lastId) q.set('last_event_id', lastId);
  const s = q.toString();
  return '/events' + (s ? '?' + s : '');
}

// The browser reconnects by itself (with Last-Event-ID) after a network error. After an
// answer it cannot use (e.g. 503 when the hub is full) it gives up; then we retry ourselves
// and resume with ?last_event_id=.
function connect(resume) {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
  setState(resume ? 'reconnecting' : 'connecting');
  let es;
  try {
    es = new EventSource(streamUrl(resume));
  } catch (err) {
    retryTimer = setTimeout(() => connect(true), 5000);
    return;
  }
  source = es;
  for (const t of listening) es.addEventListener(t, onEvent);
  es.onopen = () => { if (es === source) setState('open'); };
  es.onerror = () => {
    if (es !== source) return;
    setState('reconnecting');
    if (es.readyState === EventSource.CLOSED) {
      retryTimer = setTimeout(() => connect(true), 5000);
    }
  };
}

$('types').addEventListener('change', syncListeners);
$('topics').addEventListener('change', () => {
  const q = new URLSearchParams();
  for (const t of split($('topics').value)) q.append('topic', t);
  try {
    history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
  } catch (err) { /* file:// and friends */ }
  connect(false);
});

$('publish-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const type = $('pub-event').value.trim() || 'message';
  const body = new URLSearchParams({ event: type, data: $('pub-data').value });
  const topic = $('pub-topic').value.trim();
  if (topic) body.set('topic', topic);
  if (!type.startsWith('ssehub.')) listenFor(type); // before sending: do not miss the echo
  const out = $('pub-result');
  out.className = '';
  out.textContent = 'publishing\u2026';
  try {
    const r = await fetch('/publish', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    out.textContent = r.status + ' ' + (await r.text()).trim();
    out.className = r.ok ? 'ok' : 'err';
  } catch (err) {
    out.textContent = 'network error: ' + err.message;
    out.className = 'err';
  }
});
$('pub-data').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) $('publish-form').requestSubmit();
});
$('clear').addEventListener('click', () => {
  $('events').replaceChildren();
  showCount();
});

$('curl-hint').textContent = 'curl -d data=hello ' +
  (location.host ? location.origin : 'http://127.0.0.1:8080') + '/publish';
$('topics').value = new URLSearchParams(location.search).getAll('topic').join(', ');
syncListeners();
connect(false);
</script>
</body>
</html>
)html";

} // namespace

std::string_view index_page_html() {
    return kIndexPage;
}

} // namespace ssehub::http
