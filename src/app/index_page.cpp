// The built-in page served at GET /: one self-contained HTML5 document (inline CSS and JS, no
// external assets) that reads the event stream with fetch and parses it itself, so that it
// shows every event of every type (EventSource shows a named event only to a listener for that
// type), and publishes with fetch. It must never put event data into the DOM as HTML: every
// received or echoed string goes through textContent.
#include "app/index_page.hpp"

namespace ssehub::app {
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
.event[hidden]{display:none}
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
<label for="filter">Show only these types (optional)</label>
<input id="filter" placeholder="every type" autocomplete="off" spellcheck="false">
<p class="hint">The page shows every event that reaches it, whatever its type. To narrow
the list, name types here, comma-separated; <code>ssehub.gap</code> (events were missed)
always shows.</p>
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
let controller = null; // aborts the current stream
let retryTimer = 0;
let retryMs = 3000;    // the hub's retry: field replaces it
let lastId = '';       // sent as Last-Event-ID when the stream reconnects

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

// The type filter is an option: empty shows every type; ssehub.gap always shows.
function shown(type) {
  const only = split($('filter').value);
  return only.length === 0 || type === 'ssehub.gap' || only.includes(type);
}

function showCount() {
  const rows = [...$('events').children];
  const n = rows.filter((r) => !r.hidden).length;
  const hidden = rows.length - n;
  $('count').textContent = !rows.length ? '' :
    n + (rows.length === MAX_ROWS ? ' (newest kept)' : ' shown') +
    (hidden ? ', ' + hidden + ' hidden by the filter' : '');
}

function applyFilter() {
  for (const row of $('events').children) row.hidden = !shown(row.dataset.type);
  showCount();
}

function onEvent(e) {
  const d = new Date();
  const row = document.createElement('div');
  row.className = e.type === 'ssehub.gap' ? 'event gap' : 'event';
  row.dataset.type = e.type;
  row.hidden = !shown(e.type);
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

// The WHATWG "event stream interpretation": lines end in CRLF, LF or a lone CR (also when a
// CRLF is split between two chunks); ":" starts a comment; a field without ":" has an empty
// value; one space after ":" is dropped; data lines join with LF; an id with NUL is ignored;
// retry takes digits only; a blank line dispatches, unless no data came; the last event id
// persists across events and reconnects.
class EventStreamParser {
  constructor(id, dispatch) {
    this.id = id;
    this.dispatch = dispatch;
    this.rest = '';
    this.skipLF = false;
    this.type = '';
    this.data = '';
  }

  feed(text) {
    let s = this.rest + text;
    let from = 0;
    if (this.skipLF && s !== '') {
      if (s.startsWith('\n')) from = 1;
      this.skipLF = false;
    }
    const eol = /\r\n|\r|\n/g;
    eol.lastIndex = from;
    for (let m; (m = eol.exec(s)) !== null;) {
      this.line(s.slice(from, m.index));
      from = eol.lastIndex;
      if (m[0] === '\r' && from === s.length) this.skipLF = true; // the LF may come next
    }
    this.rest = s.slice(from);
  }

  line(l) {
    if (l === '') return this.end();
    if (l.startsWith(':')) return undefined;
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data += value + '\n';
    else if (field === 'id') { if (!value.includes('\0')) this.id = value; }
    else if (field === 'retry') { if (/^[0-9]+$/.test(value)) retryMs = Number(value); }
    return undefined;
  }

  end() {
    lastId = this.id;
    const type = this.type || 'message';
    const data = this.data;
    this.type = '';
    this.data = '';
    if (data !== '') this.dispatch({ type, data: data.slice(0, -1), lastEventId: this.id });
  }
}

function streamUrl() {
  const q = new URLSearchParams();
  for (const t of split($('topics').value)) q.append('topic', t);
  const s = q.toString();
  return '/events' + (s ? '?' + s : '');
}

// Reads the stream until it ends or fails, then reconnects after the retry delay with
// Last-Event-ID, so no event is lost across a hub restart (or an ssehub.gap says so).
async function connect(resume) {
  clearTimeout(retryTimer);
  if (controller) controller.abort();
  const ctl = new AbortController();
  controller = ctl;
  setState(resume ? 'reconnecting' : 'connecting');
  if (!resume) lastId = '';
  const headers = { Accept: 'text/event-stream' };
  if (lastId) headers['Last-Event-ID'] = lastId;
  let delay = retryMs;
  try {
    const r = await fetch(streamUrl(), { headers, cache: 'no-store', signal: ctl.signal });
    if (!r.ok || !/^text\/event-stream/i.test(r.headers.get('content-type') || '')) {
      delay = Math.max(retryMs, 5000); // e.g. 503 while the hub is full
      throw new Error('HTTP ' + r.status);
    }
    setState('open');
    const parser = new EventStreamParser(lastId, onEvent);
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } catch (err) {
    if (ctl.signal.aborted) return;
  }
  if (ctl !== controller) return;
  setState('reconnecting');
  retryTimer = setTimeout(() => connect(true), delay);
}

$('filter').addEventListener('input', applyFilter);
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
connect(false);
</script>
</body>
</html>
)html";

} // namespace

std::string_view index_page_html() {
    return kIndexPage;
}

} // namespace ssehub::app
