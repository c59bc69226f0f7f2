/* ssehub.js: one event stream per browser for every tab of a page's origin. Served by ssehub.
 *
 *   <script src="https://hub.example:8443/ssehub.js"></script>
 *   const sub = ssehub.subscribe(["todo", "chat"], ev => console.log(ev.type, ev.data, ev.topic));
 *   sub.close();
 *
 * Browsers open at most six HTTP/1.1 connections per host; an EventSource per tab uses one
 * each. Here the tabs share one stream: a SharedWorker holds it when the script comes from the
 * page's own origin; otherwise one tab is elected leader (Web Locks, or BroadcastChannel
 * heartbeats where locks are unavailable) and passes events on over a BroadcastChannel. The
 * stream asks for the union of every tab's topics; each tab gets what it subscribed to. When
 * the holder goes away another takes over and resumes after the last event id it saw, so
 * nothing is lost, and ids already seen are skipped, so nothing arrives twice. An event with no
 * topic (a legacy ?signal= broadcast, say) reaches every subscription. No dependencies.
 */
(function () {
  'use strict';

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
    var set = {};
    for (var i = 0; i < lists.length; i++) {
      if (!lists[i].length) return [];
      for (var j = 0; j < lists[i].length; j++) set[lists[i][j]] = true;
    }
    return Object.keys(set).sort();
  }
  function same(a, b) { return a && b && a.join('\n') === b.join('\n') && a.length === b.length; }

  // ---- one text/event-stream over fetch: parses every field, resumes by the last id --------
  function EventReader(base, onEvent) {
    this.base = base; this.onEvent = onEvent; this.topics = null;
    this.lastId = ''; this.retry = 3000; this.ctrl = null; this.timer = 0; this.gen = 0;
  }
  EventReader.prototype.want = function (topics, lastId) {
    if (lastId && (!this.lastId || newer(lastId, this.lastId))) this.lastId = lastId;
    if (topics === null) return this.stop();
    if (same(this.topics, topics)) return;
    this.topics = topics;
    this.restart(0);
  };
  EventReader.prototype.stop = function () {
    this.gen++; this.topics = null; clearTimeout(this.timer);
    if (this.ctrl) this.ctrl.abort();
    this.ctrl = null;
  };
  EventReader.prototype.restart = function (delay) {
    var self = this, gen = ++this.gen;
    clearTimeout(this.timer);
    if (this.ctrl) this.ctrl.abort();
    this.ctrl = null;
    this.timer = setTimeout(function () { if (gen === self.gen) self.connect(gen); }, delay);
  };
  EventReader.prototype.connect = function (gen) {
    var self = this, ctrl = new AbortController(), q = [];
    this.ctrl = ctrl;
    this.topics.forEach(function (t) { q.push('topic=' + encodeURIComponent(t)); });
    if (this.lastId) q.push('last_event_id=' + encodeURIComponent(this.lastId));
    var url = this.base + 'events' + (q.length ? '?' + q.join('&') : '');
    fetch(url, { cache: 'no-store', credentials: 'omit', signal: ctrl.signal }).then(function (res) {
      if (!res.ok || !res.body) throw new Error('ssehub: status ' + res.status);
      var reader = res.body.getReader(), decoder = new TextDecoder(), parser = new Parser(self);
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
      if (gen === self.gen) self.restart(self.retry);
    });
  };

  // The WHATWG event-stream rules, plus the hub's "topic" field (EventSource ignores it).
  function Parser(reader) { this.r = reader; this.buf = ''; this.reset(); }
  Parser.prototype.reset = function () { this.data = ''; this.type = ''; this.topic = ''; this.id = null; };
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
    else if (name === 'id') { if (value.indexOf('\0') < 0) this.id = value; }
    else if (name === 'retry') { if (/^\d+$/.test(value)) this.r.retry = +value; }
  };
  Parser.prototype.dispatch = function () {
    if (this.id !== null) this.r.lastId = this.id;
    if (this.data !== '') {
      this.r.onEvent({ type: this.type || 'message', data: this.data.slice(0, -1),
                       id: this.id || '', topic: this.topic });
    }
    this.reset();
  };

  // ---- inside the SharedWorker: one reader for every connected tab --------------------------
  if (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope) {
    var ports = [];
    var shared = new EventReader(new URL('.', self.location.href).href, function (ev) {
      ports.forEach(function (p) { if (p.want && wants(p.want, ev)) p.port.postMessage({ op: 'event', ev: ev }); });
    });
    var update = function () {
      shared.want(unionOf(ports.filter(function (p) { return p.want; }).map(function (p) { return p.want; })));
    };
    self.onconnect = function (e) {
      var p = { port: e.ports[0], want: null };
      ports.push(p);
      p.port.onmessage = function (m) {
        if (m.data.op === 'want') p.want = m.data.topics;
        else if (m.data.op === 'bye' && ports.indexOf(p) >= 0) ports.splice(ports.indexOf(p), 1);
        update();
      };
    };
    return;
  }

  // ---- in a page ----------------------------------------------------------------------------
  var scriptUrl = (document.currentScript && document.currentScript.src) || location.href;
  var base = new URL('.', scriptUrl).href;
  var subs = {}, nextSub = 1, seen = '', transport = null, config = { mode: 'auto' };

  // Every event a tab gets passes here once: ids already seen are skipped (a new holder of the
  // stream resumes from its own last id), then each subscription takes what it asked for.
  function deliver(ev) {
    if (ev.id) {
      if (seen && !newer(ev.id, seen)) return;
      seen = ev.id;
    }
    Object.keys(subs).forEach(function (k) {
      var s = subs[k];
      if (s && wants(s.topics, ev)) {
        try { s.onEvent(ev); } catch (e) { setTimeout(function () { throw e; }); }
      }
    });
  }
  function wanted() {
    return unionOf(Object.keys(subs).map(function (k) { return subs[k].topics; }));
  }

  function WorkerTransport() {
    var w = new SharedWorker(scriptUrl, { name: 'ssehub ' + base });
    w.port.onmessage = function (m) { if (m.data.op === 'event') deliver(m.data.ev); };
    addEventListener('pagehide', function () { w.port.postMessage({ op: 'bye' }); });
    this.want = function (topics) { w.port.postMessage({ op: 'want', topics: topics }); };
    this.status = function () { return { mode: 'worker', leader: false }; };
  }

  function SingleTransport() {
    var reader = new EventReader(base, deliver);
    this.want = function (topics) { reader.want(topics, seen); };
    this.status = function () { return { mode: 'single', leader: true }; };
  }

  // One tab holds the stream and passes events on; the others listen on the channel.
  function LeaderTransport(election) {
    var me = Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
    var ch = new BroadcastChannel('ssehub ' + base), peers = {}, mine = null, leader = false;
    var reader = new EventReader(base, function (ev) { ch.postMessage({ op: 'event', ev: ev }); deliver(ev); });
    function refresh() {
      if (!leader) return;
      var lists = [];
      if (mine) lists.push(mine);
      Object.keys(peers).forEach(function (k) { lists.push(peers[k]); });
      reader.want(unionOf(lists), seen);
    }
    function announce() { ch.postMessage({ op: 'want', tab: me, topics: mine }); }
    function lead() {
      if (leader) return;
      leader = true;
      ch.postMessage({ op: 'roll-call' });
      refresh();
    }
    function resign() { leader = false; reader.stop(); }
    var vote = election === 'locks' ? null : heartbeat(me, ch, lead, resign, function () { return leader; });
    ch.onmessage = function (m) {
      var d = m.data;
      if (d.op === 'event') deliver(d.ev);
      else if (d.op === 'want') { if (d.topics) peers[d.tab] = d.topics; else delete peers[d.tab]; refresh(); }
      else if (d.op === 'bye') { delete peers[d.tab]; refresh(); }
      else if (d.op === 'roll-call') announce();
      if (vote) vote(d);
    };
    addEventListener('pagehide', function () { ch.postMessage({ op: 'bye', tab: me }); });
    if (!vote) {
      navigator.locks.request(base + ' ssehub', function () {
        lead();
        return new Promise(function () {}); // held while this page lives
      });
    }
    this.want = function (topics) { mine = topics; announce(); refresh(); };
    this.status = function () { return { mode: election, leader: leader, tab: me }; };
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

  function start() {
    if (transport) return;
    var mode = config.mode;
    if (mode === 'auto') {
      var sameOrigin = new URL(scriptUrl).origin === location.origin;
      if (typeof SharedWorker === 'function' && sameOrigin) mode = 'worker';
      else if (typeof BroadcastChannel !== 'function') mode = 'single';
      else mode = navigator.locks ? 'locks' : 'heartbeat';
    }
    if (mode === 'worker') transport = new WorkerTransport();
    else if (mode === 'single') transport = new SingleTransport();
    else transport = new LeaderTransport(mode === 'locks' ? 'locks' : 'heartbeat');
  }

  window.ssehub = {
    // topics: a name, a list of names, or nothing for every event. onEvent({type, data, id,
    // topic}). Returns {close()}.
    subscribe: function (topics, onEvent) {
      if (topics == null) topics = [];
      else if (typeof topics === 'string') topics = [topics];
      var id = nextSub++;
      subs[id] = { topics: topics.slice(), onEvent: onEvent };
      start();
      transport.want(wanted());
      return { close: function () { if (subs[id]) { delete subs[id]; transport.want(wanted()); } } };
    },
    // Before the first subscribe: {mode: 'auto' | 'worker' | 'locks' | 'heartbeat' | 'single'}.
    configure: function (options) { if (options && options.mode) config.mode = options.mode; },
    status: function () {
      var s = transport ? transport.status() : { mode: 'none', leader: false };
      s.lastEventId = seen;
      return s;
    }
  };
})();
