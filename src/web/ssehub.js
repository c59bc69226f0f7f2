/* ssehub.js: one event stream per browser for every page of a host, whatever its port. Served
 * by ssehub.
 *
 *   <script src="https://hub.example:8443/ssehub.js"></script>
 *   const sub = ssehub.subscribe(["todo", "chat"], ev => console.log(ev.type, ev.data, ev.topic));
 *   sub.close();
 *   // private topics: a token (or a function giving one, called again to renew it)
 *   ssehub.subscribe(["todo/alice"], onEvent, { token: () => getToken(), onError: console.error });
 *   // a page rendered at event id X gets everything after it
 *   ssehub.subscribe("todo", onEvent, { since: X });
 *
 * Browsers open at most six HTTP/1.1 connections per host; an EventSource per tab uses one
 * each. Here the pages share one stream, held by a SharedWorker of the hub's origin: pages of
 * that origin reach it directly, pages of other origins through a hidden frame of the hub's,
 * /ssehub-bridge.html, that relays with postMessage (the browser keeps one worker per site, so
 * pages on every port of the hub's host share it; a page of another site gets a worker, and a
 * stream, of its own). Where the bridge is not available, one tab of the page's origin is
 * elected leader (Web Locks, or BroadcastChannel heartbeats where locks are unavailable) and
 * passes events on over a BroadcastChannel. The stream asks for the union of every page's
 * topics; each page gets what it subscribed to. Tokens are not shared across origins: the
 * pages of an origin that uses them read a stream of their own. The holder knows the last id
 * each subscription got: when it goes away another takes over and resumes from there, and a
 * reloaded page (sessionStorage) or one rendered at an id (`since`) makes the stream go back,
 * so nothing is lost, and nothing arrives twice. When a token expires (ssehub.expired) the
 * holder asks the tabs for fresh ones and resumes the same way. An event with no topic (a
 * legacy ?signal= broadcast, say) reaches every subscription. No dependencies.
 */
(function () {
  'use strict';

  var MAX_TOKENS = 8;          // the hub takes at most 8 access_token parameters on a request
  var RENEW_WAIT_MS = 10000;   // how long the holder waits for the tabs' fresh tokens
  var BRIDGE_WAIT_MS = 5000;   // how long a page waits for the hub's bridge to answer
  var BRIDGE_LOAD_GRACE_MS = 1000; // after the bridge's frame loaded (an error page, say)
  var MAX_SUBS = 256, MAX_TOPICS = 256, MAX_TEXT = 16384; // what a page may ask the worker for
  var ID = /^\d{1,20}-\d{1,20}$/; // the hub's event ids: "<ms>-<seq>"
  var TOKEN = /^[A-Za-z0-9._~+\/=-]{1,16384}$/; // a JWT (or another bearer token) as it may travel
  var MAX_QUERY = 4096;        // the stream's query, kept well inside the hub's header limit
  var RESTART_GAP_MS = 250;    // the shared stream restarts at most this often for new plans
  var POSITIONS_MS = 250;      // how often the worker tells pages where their subscriptions are

  // ---- helpers shared by pages and the worker ---------------------------------------------
  function newer(a, b) { // event ids are "<ms>-<seq>"
    var x = a.split('-'), y = b.split('-');
    if (+x[0] !== +y[0]) return +x[0] > +y[0];
    return +(x[1] || 0) > +(y[1] || 0);
  }
  function wants(topics, ev) {
    return !topics.length || !ev.topic || topics.indexOf(ev.topic) >= 0;
  }
  // Union of topic lists, [] meaning "everything"; null when nobody wants anything.
  function unionOf(lists) {
    if (!lists.length) return null;
    var set = Object.create(null); // a topic may be named "__proto__"
    for (var i = 0; i < lists.length; i++) {
      if (!lists[i].length) return [];
      for (var j = 0; j < lists[i].length; j++) set[lists[i][j]] = true;
    }
    return Object.keys(set).sort();
  }
  // What the hub would refuse in a topic (sse::check_name), or '' for a good one.
  function topicProblem(t) {
    if (typeof t !== 'string' || !t) return 'a topic is empty';
    if (/[\r\n\0]/.test(t)) return 'a topic contains CR, LF or NUL';
    var encoded;
    try { encoded = encodeURIComponent(t); } catch (e) { return 'a topic is not valid Unicode'; }
    if (encoded.replace(/%[0-9A-F]{2}/g, '.').length > 256) return 'a topic is longer than 256 bytes';
    return '';
  }
  function queryBytes(name, value) { return name.length + 2 + encodeURIComponent(value).length; }
  function streamUrl(base, topics, tokens, lastId) {
    var q = [];
    topics.forEach(function (t) { q.push('topic=' + encodeURIComponent(t)); });
    // EventSource-style clients cannot set headers; the hub never logs this parameter.
    tokens.forEach(function (t) { q.push('access_token=' + encodeURIComponent(t)); });
    if (lastId) q.push('last_event_id=' + encodeURIComponent(lastId));
    // Tells the hub's dashboard which streams are shared ones; it changes nothing else.
    q.push('client=ssehub.js');
    return base + 'events' + (q.length ? '?' + q.join('&') : '');
  }
  function later(fn) { setTimeout(fn, 0); }

  // ---- one text/event-stream over fetch: parses every field, resumes by the last id --------
  // It reads for "clients": every subscription of every page it serves, {key: {topics, tokens,
  // cred, renews, since}}, and asks the hub for the union of their topics with all their
  // tokens. It keeps each client's position (the last id it was passed) and hands an event to
  // the clients that want it and have not had it yet: a client that comes with `since` older
  // than the stream makes the stream go back there, and the others skip what they had. hooks:
  // event(ev, keys); refused(key, message) when the hub refuses a subscription for good;
  // renew() when tokens must be fetched again (then resume() once they are in).
  function EventReader(base, hooks) {
    this.base = base; this.hooks = hooks; this.clients = {}; this.refused = {}; this.pos = {};
    this.plan = null; this.sig = ''; this.paused = false; this.renewed = false;
    this.lastId = ''; this.retry = 3000; this.ctrl = null; this.timer = 0; this.gen = 0; this.open = false;
    this.soon = 0; this.started = 0;
  }
  EventReader.prototype.want = function (clients) {
    var self = this, rewind = '';
    Object.keys(clients).forEach(function (k) {
      if (k in self.pos) return;
      var since = clients[k].since || '';
      self.pos[k] = since || self.lastId; // no since: from what the stream reads next
      if (since && (!self.lastId || newer(self.lastId, since)) && (!rewind || newer(rewind, since))) rewind = since;
    });
    for (var k in this.pos) if (!clients[k]) delete this.pos[k];
    // Going back: the clients that have had nothing yet are where the stream is now, not before.
    if (rewind && this.lastId) this.pin(this.lastId);
    this.clients = clients;
    for (var r in this.refused) if (!clients[r]) delete this.refused[r];
    if (rewind) this.lastId = rewind;
    this.replan(!!rewind);
  };
  // Where each client is: the ids a new holder of the stream must resume each from.
  EventReader.prototype.position = function (key) { return this.pos[key] || this.lastId; };
  // Clients without a position yet get `id`.
  EventReader.prototype.pin = function (id) {
    for (var k in this.pos) if (!this.pos[k]) this.pos[k] = id;
  };
  // Which clients an event goes to. ssehub.gap (no id) goes to those that missed something.
  EventReader.prototype.route = function (ev, fresh) {
    var self = this, keys = [], gap = ev.type === 'ssehub.gap' ? gapOf(ev.data) : null;
    Object.keys(this.clients).forEach(function (k) {
      if (self.refused[k]) return;
      var at = self.pos[k] || '';
      if (gap) {
        if (gap(at)) keys.push(k);
        return;
      }
      if (ev.id && fresh) {
        if (at && !newer(ev.id, at)) return; // had it
        self.pos[k] = ev.id;
      }
      if (wants(self.clients[k].topics, ev)) keys.push(k);
    });
    // Also with no taker: an event with an id moves every position (the worker tells pages).
    if (keys.length || (fresh && ev.id)) this.hooks.event(ev, keys, !!fresh);
  };
  // ssehub.gap's data -> whether a client at position `at` missed events: one at the id the
  // stream resumed from or before it (whatever the reason), one behind the oldest retained
  // event, one before the end of a range the hub lost. A client ahead of the resume point
  // (the stream went back for another) was on a continuous stream; one with no position yet
  // had nothing to miss.
  function gapOf(data) {
    var g = {};
    try { g = JSON.parse(data) || {}; } catch (e) { /* a gap all the same */ }
    var at_or_before = function (at, id) { return typeof id !== 'string' || !newer(at, id); };
    return function (at) {
      if (!at) return false;
      return at_or_before(at, g.requested) || (typeof g.oldest === 'string' && newer(g.oldest, at)) ||
        (typeof g.lost_before === 'string' && newer(g.lost_before, at));
    };
  }
  EventReader.prototype.replan = function (force) {
    var self = this, lists = [], tokens = [], cred = false, keys = [];
    // The hub counts the token cookie too: with credentials, one place fewer for the others.
    var anyCred = Object.keys(this.clients).some(function (k) {
      return !self.refused[k] && self.clients[k].cred;
    });
    var most = MAX_TOKENS - (anyCred ? 1 : 0), seen = Object.create(null), bytes = 0;
    Object.keys(this.clients).sort().forEach(function (k) {
      if (self.refused[k]) return;
      var c = self.clients[k];
      var add = c.tokens.filter(function (t, i) { return tokens.indexOf(t) < 0 && c.tokens.indexOf(t) === i; });
      if (tokens.length + add.length > most) {
        return self.refuse(k, 'ssehub: this browser\'s subscriptions hold more than ' + most +
                           ' different tokens, the most one stream can carry' +
                           (anyCred ? ' beside the token cookie' : ''));
      }
      // One stream carries every topic: the one that would make its request too long is refused.
      var more = 0, fresh = c.topics.filter(function (t) { return !seen[t]; });
      fresh.forEach(function (t) { more += queryBytes('topic', t); });
      add.forEach(function (t) { more += queryBytes('access_token', t); });
      if (bytes + more > MAX_QUERY) {
        return self.refuse(k, 'ssehub: this browser\'s subscriptions ask for more topics and tokens than ' +
                           'one stream can carry (' + MAX_QUERY + ' bytes of query)');
      }
      bytes += more;
      fresh.forEach(function (t) { seen[t] = true; });
      tokens = tokens.concat(add); lists.push(c.topics); keys.push(k);
      if (c.cred) cred = true;
    });
    var topics = unionOf(lists);
    if (topics === null) { this.plan = null; this.sig = ''; return this.halt(); }
    this.plan = { topics: topics, tokens: tokens.sort(), cred: cred, keys: keys };
    if (this.paused) return;
    var sig = JSON.stringify([topics, this.plan.tokens, cred]);
    if (!force && sig === this.sig) return;
    this.sig = sig;
    this.restartSoon();
  };
  // A new plan: the stream restarts, at most every RESTART_GAP_MS (the current one reads on
  // meanwhile), so pages that keep changing their subscriptions cannot keep it down.
  EventReader.prototype.restartSoon = function () {
    var self = this, wait = Math.max(0, this.started + RESTART_GAP_MS - Date.now());
    if (!wait || !this.ctrl) return this.restart(0);
    clearTimeout(this.soon);
    this.soon = setTimeout(function () { self.soon = 0; if (self.plan && !self.paused) self.restart(0); }, wait);
  };
  // Whether the stream is open now (hooks.state() hears of each change).
  EventReader.prototype.opened = function (open) {
    if (this.open === open) return;
    this.open = open;
    if (this.hooks.state) this.hooks.state();
  };
  EventReader.prototype.halt = function () {
    this.gen++; clearTimeout(this.timer); clearTimeout(this.soon);
    if (this.ctrl) this.ctrl.abort();
    this.ctrl = null;
  };
  EventReader.prototype.stop = function () {
    this.halt(); this.clients = {}; this.refused = {}; this.pos = {}; this.plan = null; this.sig = '';
    this.paused = false; this.opened(false);
  };
  EventReader.prototype.restart = function (delay) {
    var self = this;
    this.halt();
    var gen = this.gen;
    this.timer = setTimeout(function () { if (gen === self.gen && self.plan) self.connect(gen); }, delay);
  };
  EventReader.prototype.refuse = function (key, message) {
    var hooks = this.hooks;
    this.refused[key] = true;
    later(function () { hooks.refused(key, message); });
  };
  // Tokens are to be fetched again: stop reading until resume().
  EventReader.prototype.renew = function () {
    this.halt(); this.paused = true; this.renewed = true;
    this.hooks.renew();
  };
  EventReader.prototype.resume = function () {
    if (!this.paused) return;
    this.paused = false; this.sig = '';
    this.replan(true);
  };
  // ssehub.expired: the stream ends after this event; its id is the last one we were sent.
  EventReader.prototype.expired = function (data) {
    var last = '';
    try { last = JSON.parse(data).last_event_id || ''; } catch (e) { /* keep our own */ }
    if (last) this.lastId = last;
    this.renew();
  };
  // A stream that has read no event yet starts from the hub's position (GET /ssehub/last-id),
  // so that when it is replaced (a tab subscribes to another topic) or fails before its first
  // event, the next one resumes from there and nothing published meanwhile is lost.
  EventReader.prototype.connect = function (gen) {
    var self = this;
    if (this.lastId) return this.read(gen);
    fetch(this.base + 'ssehub/last-id', { cache: 'no-store', credentials: 'omit' }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (doc) {
      if (gen === self.gen && !self.lastId && doc && typeof doc.id === 'string' && ID.test(doc.id)) {
        self.lastId = doc.id;
        self.pin(doc.id);
      }
    }, function () { /* an older hub, or none: the stream says */ }).then(function () {
      if (gen === self.gen) self.read(gen);
    });
  };
  EventReader.prototype.read = function (gen) {
    var self = this, ctrl = new AbortController(), plan = this.plan, answered = false;
    this.ctrl = ctrl;
    this.started = Date.now();
    var url = streamUrl(this.base, plan.topics, plan.tokens, this.lastId);
    fetch(url, { cache: 'no-store', credentials: plan.cred ? 'include' : 'omit', signal: ctrl.signal }).then(function (res) {
      answered = true;
      if (gen !== self.gen) return;
      if (REFUSALS.indexOf(res.status) >= 0) {
        self.opened(false);
        return res.text().then(function (text) { if (gen === self.gen) self.denied(gen, plan, res.status, text); });
      }
      if (!res.ok || !res.body) throw new Error('ssehub: status ' + res.status);
      self.renewed = false;
      self.opened(true);
      var reader = res.body.getReader(), decoder = new TextDecoder(), parser = new Parser(self, gen);
      function pump() {
        return reader.read().then(function (r) {
          if (gen !== self.gen) return;
          if (r.done) throw new Error('ssehub: stream ended');
          parser.feed(decoder.decode(r.value, { stream: true }));
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      if (gen !== self.gen) return;
      self.opened(false);
      if (!answered && plan.cred && new URL(self.base).origin !== location.origin) self.checkCors(gen, plan);
      else self.restart(self.retry);
    });
  };
  // A credentialed request to another origin fails like a network error when the hub does not
  // allow credentials from this origin (its --cors-origin is "*" or another one). Retrying
  // cannot help: when the same request without credentials gets an answer, and with them
  // fails once more, the subscriptions that asked for credentials are told and end.
  EventReader.prototype.checkCors = function (gen, plan) {
    var self = this, url = streamUrl(this.base, plan.topics, [], '');
    var attempt = function (cred) {
      var ctrl = new AbortController();
      return fetch(url, { cache: 'no-store', credentials: cred, signal: ctrl.signal })
        .then(function () { ctrl.abort(); return true; }, function () { return false; });
    };
    attempt('omit').then(function (plain) {
      return plain && attempt('include').then(function (ok) { return !ok; });
    }).then(function (cors) {
      if (gen !== self.gen) return;
      if (!cors) return self.restart(self.retry);
      plan.keys.forEach(function (k) {
        if (self.clients[k] && self.clients[k].cred) {
          self.refuse(k, 'ssehub: the hub does not accept credentials from ' + location.origin +
                      ' (CORS): withCredentials needs the hub\'s --cors-origin to be this origin');
        }
      });
      self.replan(true);
    });
  };
  // Answers that the same request would get again, forever: a token refused (401, 403), a
  // topic or a request the hub does not take (400, 414, 431).
  var REFUSALS = [400, 401, 403, 414, 431];
  // 401 or 403: retrying the same request would be refused forever. A fresh token may cure it
  // (once); otherwise find the subscriptions the hub refuses, each asked for on its own, and
  // go on without them.
  EventReader.prototype.denied = function (gen, plan, status, text) {
    var self = this, why = (text || '').trim() || 'no reason given';
    var renewable = plan.keys.some(function (k) { return self.clients[k] && self.clients[k].renews; });
    if ((status === 401 || status === 403) && renewable && !this.renewed) return this.renew();
    var refusal = function (st, t) { return 'ssehub: the hub refused this subscription (' + st + '): ' + t; };
    if (plan.keys.length === 1) {
      this.refuse(plan.keys[0], refusal(status, why));
      return this.replan(true);
    }
    Promise.all(plan.keys.map(function (k) {
      var c = self.clients[k];
      return c ? probe(self.base, c).then(function (r) { return r && { key: k, r: r }; }) : null;
    })).then(function (found) {
      if (gen !== self.gen) return;
      found = found.filter(Boolean);
      found.forEach(function (f) { self.refuse(f.key, refusal(f.r.status, f.r.text)); });
      if (found.length) return self.replan(true);
      // Each alone is allowed: a token ran out meanwhile (retry), or together they are too
      // much for one request (the last to come goes).
      if (status !== 414 && status !== 431) return self.restart(self.retry);
      var last = plan.keys[plan.keys.length - 1];
      self.refuse(last, refusal(status, why));
      self.replan(true);
    });
  };
  // One subscription's own request: {status, text} when refused, null when the hub takes it.
  function probe(base, c) {
    var ctrl = new AbortController();
    return fetch(streamUrl(base, c.topics, c.tokens, ''),
      { cache: 'no-store', credentials: c.cred ? 'include' : 'omit', signal: ctrl.signal }).then(function (res) {
      if (REFUSALS.indexOf(res.status) < 0) { ctrl.abort(); return null; }
      return res.text().then(function (t) { return { status: res.status, text: t.trim() || 'no reason given' }; });
    }).catch(function () { return null; });
  }

  // The WHATWG event-stream rules, plus the hub's "topic" field (EventSource ignores it).
  // As EventSource, an event without an id line carries the last id (the hub's all have one);
  // only an id of the event's own moves the holder's positions.
  function Parser(reader, gen) {
    this.r = reader; this.gen = gen; this.buf = ''; this.last = reader.lastId; this.reset();
  }
  Parser.prototype.reset = function () { this.data = ''; this.type = ''; this.topic = ''; this.fresh = false; };
  Parser.prototype.feed = function (text) {
    this.buf += text;
    var re = /\r\n|\r|\n/g, start = 0, m;
    while ((m = re.exec(this.buf))) {
      if (m[0] === '\r' && re.lastIndex === this.buf.length) break; // a CRLF cut in two
      this.line(this.buf.slice(start, m.index));
      start = re.lastIndex;
    }
    this.buf = this.buf.slice(start);
  };
  Parser.prototype.line = function (line) {
    if (line === '') return this.dispatch();
    if (line.charAt(0) === ':') return;
    var i = line.indexOf(':');
    var name = i < 0 ? line : line.slice(0, i), value = i < 0 ? '' : line.slice(i + 1);
    if (value.charAt(0) === ' ') value = value.slice(1);
    if (name === 'data') this.data += value + '\n';
    else if (name === 'event') this.type = value;
    else if (name === 'topic') this.topic = value;
    else if (name === 'id') { if (value.indexOf('\0') < 0) { this.last = value; this.fresh = true; } }
    else if (name === 'retry') { if (/^\d+$/.test(value)) this.r.retry = +value; }
  };
  Parser.prototype.dispatch = function () {
    if (this.gen !== this.r.gen) return this.reset(); // the reader has moved on
    this.r.lastId = this.last;
    if (this.data !== '') {
      // The hub's own notice, handled here: the pages never see it.
      if (this.type === 'ssehub.expired') this.r.expired(this.data.slice(0, -1));
      else {
        this.r.route({ type: this.type || 'message', data: this.data.slice(0, -1),
                       id: this.last, topic: this.topic }, this.fresh);
      }
    }
    this.reset();
  };

  // The holder's side of a renewal: it asked the tabs that renew their tokens for fresh ones,
  // and resumes the reader once each has answered (or RENEW_WAIT_MS passed, or it went away).
  // gen: unique among one holder's renewals, so that an answer finds its own.
  function Renewals(reader) { this.reader = reader; this.gen = -1; this.pending = null; this.timer = 0; }
  Renewals.prototype.start = function (tabs, gen) {
    var self = this;
    this.gen = gen;
    this.pending = {};
    tabs.forEach(function (t) { self.pending[t] = true; });
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { if (gen === self.gen) self.done(); }, tabs.length ? RENEW_WAIT_MS : 0);
  };
  Renewals.prototype.answer = function (tab, gen) {
    if (!this.pending || gen !== this.gen) return;
    delete this.pending[tab];
    if (!Object.keys(this.pending).length) this.done();
  };
  Renewals.prototype.gone = function (tab) { this.answer(tab, this.gen); };
  Renewals.prototype.stop = function () { clearTimeout(this.timer); this.pending = null; this.gen = -1; };
  Renewals.prototype.done = function () {
    this.stop();
    this.reader.resume();
  };
  function splitKey(key) { var i = key.indexOf(':'); return [key.slice(0, i), key.slice(i + 1)]; }
  function copyWith(o, extra) {
    var c = {}, k;
    for (k in o) c[k] = o[k];
    for (k in extra) c[k] = extra[k];
    return c;
  }
  // Keys "tab:sub" -> {tab: [sub, ...]}.
  function byTab(keys) {
    var to = {};
    keys.forEach(function (k) { var s = splitKey(k); (to[s[0]] = to[s[0]] || []).push(s[1]); });
    return to;
  }

  // ---- the holder's streams (a SharedWorker's, a leader tab's or a lone tab's) --------------
  // Pages share one stream unless tokens are involved: the pages of an origin that holds a
  // token (or sends the hub's cookie) read a stream of their own, so that no page gets events
  // only another origin's token lets through; the pages of every other origin share "public".
  // Clients are keyed "tab:sub" and carry their page's origin. hooks: event(ev, keys),
  // refused(key, message), renew(gen, tabs): ask those tabs for fresh tokens, then answer().
  function Streams(base, hooks) { this.base = base; this.hooks = hooks; this.groups = {}; this.gen = 0; }
  // floors (a new leader's): {group: id}, where a client with no position of its own starts.
  Streams.prototype.want = function (clients, floors) {
    var self = this, own = Object.create(null), byGroup = Object.create(null);
    Object.keys(clients).forEach(function (k) {
      if (clients[k].tokens.length || clients[k].cred) own[clients[k].origin] = true;
    });
    Object.keys(clients).forEach(function (k) {
      var c = clients[k], g = own[c.origin] ? 'origin ' + c.origin : 'public', was = self.groupOf(k);
      // A subscription that moves to another stream goes on there from where it was.
      if (was && was !== g) c = copyWith(c, { since: self.groups[was].reader.position(k) || c.since });
      else if (!was && !c.since && floors && floors[g]) c = copyWith(c, { since: floors[g] });
      (byGroup[g] = byGroup[g] || {})[k] = c;
    });
    Object.keys(this.groups).forEach(function (g) {
      if (byGroup[g]) return;
      self.groups[g].reader.stop();
      self.groups[g].renewals.stop();
      delete self.groups[g];
    });
    Object.keys(byGroup).forEach(function (g) { self.group(g).reader.want(byGroup[g]); });
  };
  Streams.prototype.groupOf = function (key) {
    for (var g in this.groups) if (key in this.groups[g].reader.clients) return g;
    return '';
  };
  Streams.prototype.group = function (g) {
    var self = this, found = this.groups[g];
    if (found) return found;
    var reader = new EventReader(this.base, {
      event: function (ev, keys, fresh) { self.hooks.event(ev, keys, fresh, g); },
      refused: function (key, message) { self.hooks.refused(key, message); },
      state: function () { if (self.hooks.state) self.hooks.state(); },
      renew: function () {
        var tabs = {};
        Object.keys(reader.clients).forEach(function (k) {
          if (reader.clients[k].renews) tabs[splitKey(k)[0]] = true;
        });
        var gen = ++self.gen;
        found.renewals.start(Object.keys(tabs), gen);
        self.hooks.renew(gen, Object.keys(tabs));
      }
    });
    found = this.groups[g] = { reader: reader, renewals: new Renewals(reader) };
    return found;
  };
  Streams.prototype.answer = function (tab, gen) {
    for (var g in this.groups) this.groups[g].renewals.answer(tab, gen);
  };
  Streams.prototype.position = function (key) {
    var g = this.groupOf(key);
    return g ? this.groups[g].reader.position(key) : '';
  };
  Streams.prototype.gone = function (tab) {
    for (var g in this.groups) this.groups[g].renewals.gone(tab);
  };
  // Whether every stream that serves the subscriptions of tab is open (false when none does).
  Streams.prototype.isOpen = function (tab) {
    var any = false;
    for (var g in this.groups) {
      var r = this.groups[g].reader;
      if (!Object.keys(r.clients).some(function (k) { return splitKey(k)[0] === tab; })) continue;
      if (!r.open) return false;
      any = true;
    }
    return any;
  };
  // How many streams are open (or opening).
  Streams.prototype.count = function () {
    var n = 0;
    for (var g in this.groups) if (this.groups[g].reader.plan) n++;
    return n;
  };
  Streams.prototype.stop = function () { this.want({}); };

  // What a page asks the holder for, as the holder takes it: well-formed entries within bounds
  // only (through the bridge, pages of several origins talk to one worker).
  function cleanSubs(list) {
    var strings = function (a, most) {
      return Array.isArray(a) && a.length <= most && a.every(function (x) {
        return typeof x === 'string' && x.length <= MAX_TEXT;
      }) ? a.slice() : null;
    };
    if (!Array.isArray(list)) return [];
    var out = [];
    list.slice(0, MAX_SUBS).forEach(function (s) {
      if (!s || typeof s !== 'object' || typeof s.sub !== 'string' || s.sub.length > 32) return;
      var topics = strings(s.topics, MAX_TOPICS), tokens = strings(s.tokens, MAX_TOKENS);
      if (!topics || !tokens || topics.some(topicProblem) ||
          tokens.some(function (t) { return !TOKEN.test(t); })) return;
      out.push({ sub: s.sub, topics: topics, tokens: tokens, cred: s.cred === true, renews: s.renews === true,
                 since: typeof s.since === 'string' && ID.test(s.since) ? s.since : '' });
    });
    return out;
  }

  // The subscriptions of a page whose origin may (or may not) send the hub's cookie: one that
  // asks for it without the right is refused (tell: the page's messages) and left out.
  function admit(list, credentials, origin, tell) {
    return list.filter(function (s) {
      if (!s.cred || credentials) return true;
      tell({ op: 'refused', sub: s.sub, message: 'ssehub: the hub does not accept credentials from ' +
             origin + ' (CORS): withCredentials needs the hub\'s --cors-origin to name this origin' });
      return false;
    });
  }

  // ---- inside the SharedWorker: the streams of every page connected, directly (pages of the
  // hub's origin) or through a bridge (pages of other origins; each bridge says whose) -------
  if (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope) {
    var ports = [], nextPort = 1;
    var byId = function (id) { return ports.filter(function (p) { return p.id === id; })[0]; };
    var streams = new Streams(new URL('.', self.location.href).href, {
      event: function (ev, keys, fresh) {
        var to = byTab(keys);
        Object.keys(to).forEach(function (id) {
          var p = byId(id);
          if (p) p.port.postMessage({ op: 'event', ev: ev, subs: to[id], fresh: fresh });
        });
        if (fresh && !positions) positions = setTimeout(tellPositions, POSITIONS_MS);
      },
      refused: function (key, message) {
        var k = splitKey(key), p = byId(k[0]);
        if (p) p.port.postMessage({ op: 'refused', sub: k[1], message: message });
      },
      renew: function (gen, tabs) {
        tabs.forEach(function (id) { var p = byId(id); if (p) p.port.postMessage({ op: 'renew', gen: gen }); });
      },
      state: function () { tell(); }
    });
    // Every POSITIONS_MS while events flow, each page hears where each of its subscriptions is (an
    // event it did not want moves it too), so that a reload goes on from there, not from the
    // last event it got (which may be older than the history keeps).
    var positions = 0;
    var tellPositions = function () {
      positions = 0;
      ports.forEach(function (p) {
        var at = {};
        p.subs.forEach(function (s) { at[s.sub] = streams.position(p.id + ':' + s.sub); });
        p.port.postMessage({ op: 'positions', subs: at });
      });
    };
    var tell = function () {
      var pages = ports.filter(function (p) { return p.subs.length; }).length, count = streams.count();
      ports.forEach(function (p) {
        p.port.postMessage({ op: 'stats', pages: pages, streams: count, open: streams.isOpen(p.id) });
      });
    };
    var update = function () {
      var clients = {};
      ports.forEach(function (p) {
        p.subs.forEach(function (s) { clients[p.id + ':' + s.sub] = copyWith(s, { origin: p.origin }); });
      });
      streams.want(clients);
      tell();
    };
    self.onconnect = function (e) {
      var p = { id: String(nextPort++), port: e.ports[0], subs: [], origin: self.location.origin,
                credentials: true, told: false };
      ports.push(p);
      p.port.onmessage = function (m) {
        var d = m.data && typeof m.data === 'object' ? m.data : {};
        if (d.op === 'hello' && !p.told) { // a bridge, first thing: the origin of its page
          p.told = true; p.origin = String(d.origin); p.credentials = d.credentials === true;
          return;
        }
        p.told = true;
        if (d.op === 'want') {
          p.subs = admit(cleanSubs(d.subs), p.credentials, p.origin, function (m) { p.port.postMessage(m); });
        } else if (d.op === 'bye') {
          if (ports.indexOf(p) >= 0) ports.splice(ports.indexOf(p), 1);
          p.subs = [];
        } else {
          return;
        }
        update();
        if (d.op === 'bye') streams.gone(p.id);
        else if (typeof d.renewed === 'number' && d.renewed) streams.answer(p.id, d.renewed);
      };
    };
    return;
  }

  var scriptUrl = (document.currentScript && document.currentScript.src) || location.href;
  var base = new URL('.', scriptUrl).href;

  // ---- in the hub's bridge: /ssehub-bridge.html, on the hub's origin, inside a page of another
  // origin. It joins the worker that every bridge of this site (and every page of the hub's
  // origin) shares, says which origin it serves, and relays: the page's messages to the
  // worker, the worker's to the page, checking the origin both ways. Without a SharedWorker,
  // the bridges of this site elect one that reads the stream for all (the leader scheme of
  // pages, here on the hub's origin). ------------------------------------------------------------
  var root = document.documentElement;
  if (root && root.hasAttribute('data-ssehub-bridge')) {
    var cfg = root.dataset, page = cfg.origin, credentials = cfg.credentials === '1';
    if (!page || window.parent === window) return;
    var toPage = function (msg) { window.parent.postMessage({ ssehub: msg }, page); };
    if (cfg.allowed !== '1') {
      toPage({ op: 'refused', message: cfg.reason || 'ssehub: this page may not subscribe through the hub' });
      return;
    }
    // The page may ask for the election (tests do): #locks or #heartbeat.
    var election = location.hash.slice(1), relay = null;
    try {
      if (election !== 'locks' && election !== 'heartbeat' && typeof SharedWorker === 'function') {
        var w = new SharedWorker(scriptUrl, { name: 'ssehub ' + base });
        w.onerror = function () { toPage({ op: 'unavailable' }); };
        w.port.postMessage({ op: 'hello', origin: page, credentials: credentials });
        w.port.onmessage = function (m) { toPage(m.data); };
        relay = function (d) { w.port.postMessage(d); };
      }
    } catch (e) { relay = null; } // a browser that refuses one here
    if (!relay && typeof BroadcastChannel === 'function') {
      if (election !== 'heartbeat') election = navigator.locks ? 'locks' : 'heartbeat';
      var tabs = new LeaderTransport(election, {
        origin: page,
        deliver: function (ev, ids, fresh) { toPage({ op: 'event', ev: ev, subs: ids, fresh: fresh }); },
        fail: function (id, message) { toPage({ op: 'refused', sub: id, message: message }); },
        renew: function (gen) { toPage({ op: 'renew', gen: gen }); }
      });
      var tell = function () {
        var st = tabs.status();
        toPage({ op: 'stats', pages: st.pages, streams: st.streams || 0, leader: st.leader, mode: election,
                 open: st.open });
      };
      setInterval(tell, 1000);
      relay = function (d) {
        if (d.op !== 'want') return; // 'bye': the frame goes with its page (pagehide)
        tabs.want(admit(cleanSubs(d.subs), credentials, page, toPage), typeof d.renewed === 'number' ? d.renewed : 0);
        tell();
      };
    }
    if (!relay) {
      toPage({ op: 'unavailable' }); // the page reads its own stream
      return;
    }
    addEventListener('message', function (e) {
      var d = e.source === window.parent && e.origin === page && e.data && e.data.ssehub;
      if (d && (d.op === 'want' || d.op === 'bye')) relay(d);
    });
    if (w) addEventListener('pagehide', function () { w.port.postMessage({ op: 'bye' }); });
    toPage({ op: 'ready' });
    return;
  }

  // ---- in a page ----------------------------------------------------------------------------
  var subs = {}, nextSub = 1, lastSeen = '', transport = null, config = { mode: 'auto' };
  var holder = { pages: 1, streams: 0, leader: false, mode: '', open: false }, closedWith = '';

  // The holder passes each event with the subscriptions of this page it is for (it skips, for
  // each, what that one had already: a new holder resumes from the oldest position).
  // fresh: the id is the event's own (the hub's always are), so a subscription that got it (a
  // new holder resuming from an older listing) skips it.
  function deliver(ev, ids, fresh) {
    if (ev.id && (!lastSeen || newer(ev.id, lastSeen))) lastSeen = ev.id;
    ids.forEach(function (id) {
      var s = subs[id];
      if (!s || !s.ready) return;
      if (fresh && ev.id) {
        if (s.seen && !newer(ev.id, s.seen)) return;
        s.seen = ev.id;
        remember(s);
      }
      try { s.onEvent(ev); } catch (e) { setTimeout(function () { throw e; }); }
    });
  }
  // What this tab asks the holder for: each subscription whose token is in, with the id it
  // goes on from (the last it got, or where it started: `since`, or what this tab got before
  // a reload).
  function listing() {
    return Object.keys(subs).filter(function (k) { return subs[k].ready; }).map(function (k) {
      var s = subs[k];
      return { sub: k, topics: s.topics, tokens: s.current ? [s.current] : [], cred: s.cred,
               renews: typeof s.token === 'function', since: s.seen || s.since };
    });
  }

  // A reload goes on from the last id the page got, per list of topics, kept in
  // sessionStorage (this tab's, this page origin's) and written at most four times a second.
  var unsaved = {}, saving = 0;
  function memoryKey(topics) { return 'ssehub ' + base + ' ' + JSON.stringify(topics.slice().sort()); }
  function remember(s) {
    unsaved[s.memory] = s.seen;
    if (!saving) saving = setTimeout(save, 250);
  }
  function save() {
    clearTimeout(saving); saving = 0;
    try {
      Object.keys(unsaved).forEach(function (k) { sessionStorage.setItem(k, unsaved[k]); });
    } catch (e) { /* no storage here (a sandboxed frame, say): no resume across reloads */ }
    unsaved = {};
  }
  function recalled(key) {
    try {
      var v = sessionStorage.getItem(key);
      return v && ID.test(v) ? v : '';
    } catch (e) { return ''; }
  }
  addEventListener('pagehide', save);

  // The hub refused a subscription for good (or its token function failed): it ends here.
  function fail(id, message) {
    var s = subs[id];
    if (!s) return;
    delete subs[id];
    transport.want(listing());
    var err = new Error(message);
    if (s.onError) {
      try { s.onError(err); } catch (e) { setTimeout(function () { throw e; }); }
    } else if (typeof console !== 'undefined') {
      console.warn(message);
    }
  }
  function tokenOf(s) {
    if (typeof s.token !== 'function') return Promise.resolve(s.token || null);
    return new Promise(function (resolve) { resolve(s.token()); }).then(function (t) {
      if (typeof t !== 'string' || !t) throw new Error('it gave ' + (t === '' ? 'an empty string' : String(t)) + ', not a token');
      return t;
    });
  }
  // (Re)reads the tokens of subscriptions ids, then tells the holder; renewed: the holder's
  // renewal this answers.
  function refresh(ids, renewed) {
    return Promise.all(ids.map(function (id) {
      var s = subs[id];
      if (!s) return null;
      return tokenOf(s).then(function (t) {
        if (t && !TOKEN.test(t)) throw new Error('it is not a token (letters, digits and ._~+/=- only)');
        s.current = t; s.ready = true;
      }).catch(function (e) {
        fail(id, 'ssehub: the token ' + (typeof s.token === 'function' ? 'function failed' : 'is refused') + ': ' +
             (e && e.message ? e.message : e));
      });
    })).then(function () { if (!closedWith) transport.want(listing(), renewed); });
  }
  function renewTokens(gen) {
    refresh(Object.keys(subs).filter(function (k) { return typeof subs[k].token === 'function'; }), gen);
  }

  // What the worker says, directly or through the bridge.
  function fromHolder(d) {
    if (!d || typeof d !== 'object') return;
    if (d.op === 'event' && d.ev && Array.isArray(d.subs)) deliver(d.ev, d.subs, d.fresh === true);
    else if (d.op === 'positions' && d.subs && typeof d.subs === 'object') {
      Object.keys(d.subs).forEach(function (id) {
        var s = subs[id], at = d.subs[id];
        if (s && s.ready && typeof at === 'string' && ID.test(at) && (!s.seen || newer(at, s.seen))) {
          s.seen = at;
          remember(s);
        }
      });
    }
    else if (d.op === 'refused') fail(d.sub, String(d.message));
    else if (d.op === 'renew') renewTokens(d.gen);
    else if (d.op === 'stats') {
      holder.pages = +d.pages || 0; holder.streams = +d.streams || 0;
      holder.open = typeof d.open === 'boolean' ? d.open : null;
      holder.leader = d.leader === true; holder.mode = d.mode === 'locks' || d.mode === 'heartbeat' ? d.mode : '';
    }
  }

  function WorkerTransport() {
    var w = new SharedWorker(scriptUrl, { name: 'ssehub ' + base });
    w.port.onmessage = function (m) { fromHolder(m.data); };
    addEventListener('pagehide', function () { w.port.postMessage({ op: 'bye' }); });
    this.want = function (list, renewed) { w.port.postMessage({ op: 'want', subs: list, renewed: renewed || 0 }); };
    this.status = function () {
      return { mode: 'worker', via: 'direct', leader: false, pages: holder.pages, streams: holder.streams,
               open: holder.open };
    };
  }

  // A page of another origin: a hidden frame of the hub's (/ssehub-bridge.html) relays to the
  // worker every page of the site shares. It answers "ready", "refused" (this origin may not
  // subscribe: every subscription ends with that error) or "unavailable" (no SharedWorker
  // there: a page of another site, or a browser without them); without an answer in
  // BRIDGE_WAIT_MS (or soon after the frame loaded), the page reads its own stream.
  function BridgeTransport() {
    var hub = new URL(base).origin, frame = document.createElement('iframe');
    var ready = false, pending = null, over = false, timer = 0;
    frame.src = base + 'ssehub-bridge.html?origin=' + encodeURIComponent(location.origin) +
      (config.bridge ? '#' + encodeURIComponent(config.bridge) : '');
    frame.title = 'ssehub';
    frame.tabIndex = -1;
    frame.setAttribute('aria-hidden', 'true');
    frame.style.display = 'none';
    var post = function (msg) { frame.contentWindow.postMessage({ ssehub: msg }, hub); };
    var end = function () {
      over = true;
      clearTimeout(timer);
      removeEventListener('message', onMessage);
      if (frame.parentNode) frame.parentNode.removeChild(frame);
    };
    var direct = function () {
      if (over) return;
      end();
      transport = directTransport(config.mode === 'bridge' ? 'auto' : config.mode);
      transport.want(listing());
    };
    var onMessage = function (e) {
      if (over || e.source !== frame.contentWindow || e.origin !== hub) return;
      var d = e.data && e.data.ssehub;
      if (!d || typeof d !== 'object') return;
      if (d.op === 'ready') {
        ready = true;
        clearTimeout(timer);
        if (pending) post(pending);
        pending = null;
      } else if (d.op === 'refused' && d.sub === undefined) {
        end();
        closedWith = String(d.message);
        Object.keys(subs).forEach(function (id) { fail(id, closedWith); });
      } else if (d.op === 'unavailable') {
        direct();
      } else {
        fromHolder(d);
      }
    };
    addEventListener('message', onMessage);
    timer = setTimeout(direct, BRIDGE_WAIT_MS);
    frame.addEventListener('load', function () {
      setTimeout(function () { if (!ready) direct(); }, BRIDGE_LOAD_GRACE_MS);
    });
    var attach = function () { if (!over) document.body.appendChild(frame); };
    if (document.body) attach();
    else document.addEventListener('DOMContentLoaded', attach);
    addEventListener('pagehide', function () { if (ready && !over) post({ op: 'bye' }); });
    this.want = function (list, renewed) {
      var msg = { op: 'want', subs: list, renewed: renewed || 0 };
      if (over) return;
      if (ready) post(msg);
      else pending = msg;
    };
    this.status = function () {
      // election: how the bridges share the stream when they have no worker (locks, heartbeat)
      return { mode: 'bridge', via: 'bridge', leader: holder.leader, pages: holder.pages, streams: holder.streams,
               election: holder.mode || 'worker', open: holder.open };
    };
    // A page with no origin (a sandboxed frame, a file: page) cannot name itself to the bridge.
    if (location.origin === 'null') later(direct);
  }

  function SingleTransport() {
    var streams = new Streams(base, {
      event: function (ev, keys, fresh) { deliver(ev, keys.map(function (k) { return splitKey(k)[1]; }), fresh); },
      refused: function (key, message) { fail(splitKey(key)[1], message); },
      renew: function (gen) { renewTokens(gen); }
    });
    this.want = function (list, renewed) {
      var clients = {};
      list.forEach(function (s) { clients['me:' + s.sub] = copyWith(s, { origin: location.origin }); });
      streams.want(clients);
      if (renewed) streams.answer('me', renewed);
    };
    this.status = function () {
      return { mode: 'single', via: 'direct', leader: true, pages: 1, streams: streams.count(),
               open: streams.isOpen('me') };
    };
  }

  // One tab holds the stream and passes events on; the others listen on the channel.
  // The tab is this page, or (in a bridge without a SharedWorker) the page the bridge serves:
  // {origin, deliver(ev, ids, fresh), fail(id, message), renew(gen)}.
  function LeaderTransport(election, tab) {
    tab = tab || { origin: location.origin, deliver: deliver, fail: fail, renew: renewTokens };
    var me = Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
    var ch = new BroadcastChannel('ssehub ' + base), peers = {}, mine = [], leader = false;
    var heard = Object.create(null); // group -> the newest id this tab heard from its stream
    var hear = function (ev, g) { if (ev.id && (!heard[g] || newer(ev.id, heard[g]))) heard[g] = ev.id; };
    var streams = new Streams(base, {
      event: function (ev, keys, fresh, g) {
        var to = byTab(keys);
        if (fresh) hear(ev, g);
        if (Object.keys(to).some(function (t) { return t !== me; })) {
          ch.postMessage({ op: 'event', ev: ev, to: to, fresh: fresh, g: g });
        }
        if (to[me]) tab.deliver(ev, to[me], fresh);
      },
      refused: function (key, message) {
        var k = splitKey(key);
        if (k[0] === me) tab.fail(k[1], message);
        else ch.postMessage({ op: 'refused', tab: k[0], sub: k[1], message: message });
      },
      renew: function (gen, tabs) {
        ch.postMessage({ op: 'renew', gen: gen, tabs: tabs });
        if (tabs.indexOf(me) >= 0) tab.renew(gen);
      }
    });
    // A new leader resumes each subscription from the last id it got (each tab skips what it
    // had); one that got nothing yet starts from the newest id this tab heard from that
    // subscription's stream: the old leader passed each event on to all tabs at once.
    var floor = null;
    function refresh() {
      if (!leader) return;
      var clients = {}, add = function (t, origin, s) {
        clients[t + ':' + s.sub] = copyWith(s, { origin: origin });
      };
      mine.forEach(function (s) { add(me, tab.origin, s); });
      Object.keys(peers).forEach(function (t) {
        peers[t].subs.forEach(function (s) { add(t, peers[t].origin, s); });
      });
      var floors = floor;
      floor = null;
      streams.want(clients, floors);
    }
    function announce(renewed) {
      ch.postMessage({ op: 'want', tab: me, origin: tab.origin, subs: mine, renewed: renewed || 0 });
    }
    function lead() {
      if (leader) return;
      leader = true;
      floor = copyWith(heard, {});
      ch.postMessage({ op: 'roll-call' });
      refresh();
    }
    function resign() { leader = false; streams.stop(); }
    var vote = election === 'locks' ? null : heartbeat(me, ch, lead, resign, function () { return leader; });
    ch.onmessage = function (m) {
      var d = m.data;
      if (d.op === 'event') {
        if (d.fresh) hear(d.ev, d.g);
        if (d.to && d.to[me]) tab.deliver(d.ev, d.to[me], d.fresh === true);
      } else if (d.op === 'want') {
        if (d.subs.length) peers[d.tab] = { origin: String(d.origin), subs: d.subs }; else delete peers[d.tab];
        refresh();
        if (leader && d.renewed) streams.answer(d.tab, d.renewed);
      } else if (d.op === 'bye') {
        delete peers[d.tab];
        refresh();
        if (leader) streams.gone(d.tab);
      } else if (d.op === 'roll-call') announce();
      else if (d.op === 'refused') { if (d.tab === me) tab.fail(d.sub, d.message); }
      else if (d.op === 'renew') { if (!d.tabs || d.tabs.indexOf(me) >= 0) tab.renew(d.gen); }
      if (vote) vote(d);
    };
    addEventListener('pagehide', function () { ch.postMessage({ op: 'bye', tab: me }); });
    if (!vote) {
      ch.postMessage({ op: 'roll-call' }); // to count the tabs that were here first
      navigator.locks.request(base + ' ssehub', function () {
        lead();
        return new Promise(function () {}); // held while this page lives
      });
    }
    this.want = function (list, renewed) {
      mine = list;
      announce(renewed);
      refresh();
      if (leader && renewed) streams.answer(me, renewed);
    };
    this.status = function () {
      // A tab that does not lead does not know whether the leader's stream is open: null.
      return { mode: election, via: 'direct', leader: leader, tab: me, pages: 1 + Object.keys(peers).length,
               streams: leader ? streams.count() : null, open: leader ? streams.isOpen(me) : null };
    };
  }

  // Leader election without Web Locks (pages that are not a secure context): the leader beats
  // every second; when beats stop (or the leader says bye) the lowest tab id that claims wins.
  function heartbeat(me, ch, lead, resign, isLeader) {
    var lastBeat = 0, leaderTab = null, claiming = false;
    function claim() {
      claiming = true;
      ch.postMessage({ op: 'claim', tab: me });
      setTimeout(function () {
        if (claiming && Date.now() - lastBeat > 400) { claiming = false; lead(); ch.postMessage({ op: 'beat', tab: me }); }
        claiming = false;
      }, 300);
    }
    setInterval(function () {
      if (isLeader()) ch.postMessage({ op: 'beat', tab: me });
      else if (!claiming && Date.now() - lastBeat > 2500) claim();
    }, 1000);
    ch.postMessage({ op: 'roll-call' });
    setTimeout(function () { if (!isLeader() && Date.now() - lastBeat > 400) claim(); }, 300);
    return function (d) {
      if (d.op === 'beat' && d.tab !== me) {
        lastBeat = Date.now(); leaderTab = d.tab; claiming = false;
        if (isLeader() && d.tab < me) resign();
      } else if (d.op === 'roll-call' && isLeader()) {
        ch.postMessage({ op: 'beat', tab: me });
      } else if (d.op === 'claim' && d.tab < me) {
        claiming = false;
        lastBeat = Date.now(); // give the lower id its chance
      } else if (d.op === 'bye' && d.tab === leaderTab) {
        leaderTab = null; lastBeat = 0;
        setTimeout(claim, Math.random() * 50);
      }
    };
  }

  // The page's own stream, shared among the tabs of its origin.
  function directTransport(mode) {
    if (mode === 'single' || typeof BroadcastChannel !== 'function') return new SingleTransport();
    if (mode === 'locks' || mode === 'heartbeat') return new LeaderTransport(mode);
    return new LeaderTransport(navigator.locks ? 'locks' : 'heartbeat');
  }

  function start() {
    if (transport) return;
    var mode = config.mode, sameOrigin = new URL(scriptUrl).origin === location.origin;
    if (mode === 'auto') {
      if (sameOrigin) mode = typeof SharedWorker === 'function' ? 'worker' : 'direct';
      else mode = 'bridge';
    }
    if (mode === 'bridge' && sameOrigin) mode = 'worker'; // the page is where the bridge would be
    if (mode === 'worker') transport = new WorkerTransport();
    else if (mode === 'bridge') transport = new BridgeTransport();
    else transport = directTransport(mode);
  }

  function stats() {
    var s = transport ? transport.status()
      : { mode: 'none', via: 'none', leader: false, pages: 0, streams: 0, open: false };
    s.shared = s.pages > 1;
    s.lastEventId = lastSeen;
    return s;
  }

  window.ssehub = {
    // topics: a name, a list of names, or nothing for every event. onEvent({type, data, id,
    // topic}). options: {token, withCredentials, onError, since}: token is a string or a
    // function returning one (or a Promise of one), called again when the hub says it
    // expired; withCredentials sends the browser's cookies (the hub's --jwt-cookie);
    // onError(err) is called once if the hub refuses this subscription (401, 403, an origin
    // the hub does not serve) or the token function fails, and the subscription ends; since:
    // an event id (the one the page was rendered at), to get every event after it. Without
    // since, a reloaded page goes on from the last id it got. Returns {close()}.
    subscribe: function (topics, onEvent, options) {
      options = options || {};
      if (topics == null) topics = [];
      else if (typeof topics === 'string') topics = [topics];
      var token = options.token, since = options.since;
      if (token != null && typeof token !== 'string' && typeof token !== 'function') {
        throw new TypeError('ssehub.subscribe: token must be a string or a function');
      }
      if (since != null && since !== '' && (typeof since !== 'string' || !ID.test(since))) {
        throw new TypeError('ssehub.subscribe: since must be an event id such as "1764068700000-3"');
      }
      if (!Array.isArray(topics)) throw new TypeError('ssehub.subscribe: topics must be a name or a list of names');
      topics.forEach(function (t) {
        var problem = topicProblem(t);
        if (problem) throw new TypeError('ssehub.subscribe: ' + problem + ' (' + JSON.stringify(String(t)).slice(0, 80) + ')');
      });
      var id = String(nextSub++), memory = memoryKey(topics);
      subs[id] = { topics: topics.slice(), onEvent: onEvent, onError: options.onError, token: token,
                   cred: !!options.withCredentials, current: null, ready: false,
                   since: since || recalled(memory), seen: '', memory: memory };
      start();
      if (closedWith) later(function () { fail(id, closedWith); });
      else refresh([id]);
      return { close: function () { if (subs[id]) { delete subs[id]; transport.want(listing()); } } };
    },
    // Before the first subscribe: {mode: 'auto' | 'bridge' | 'worker' | 'locks' | 'heartbeat' |
    // 'single' | 'direct', bridge: 'worker' | 'locks' | 'heartbeat' (how the bridges share)}.
    configure: function (options) {
      if (options && options.mode) config.mode = options.mode;
      if (options && options.bridge) config.bridge = options.bridge;
    },
    // {mode, via: 'bridge' | 'direct', shared, pages (sharing the holder), streams (it reads),
    // open (this page's stream is open now; null: not known here), leader, lastEventId}.
    stats: stats,
    status: stats
  };
})();
