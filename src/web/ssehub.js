/* ssehub.js: one event stream per browser for every tab of a page's origin. Served by ssehub.
 *
 *   <script src="https://hub.example:8443/ssehub.js"></script>
 *   const sub = ssehub.subscribe(["todo", "chat"], ev => console.log(ev.type, ev.data, ev.topic));
 *   sub.close();
 *   // private topics: a token (or a function giving one, called again to renew it)
 *   ssehub.subscribe(["todo/alice"], onEvent, { token: () => getToken(), onError: console.error });
 *
 * Browsers open at most six HTTP/1.1 connections per host; an EventSource per tab uses one
 * each. Here the tabs share one stream: a SharedWorker holds it when the script comes from the
 * page's own origin; otherwise one tab is elected leader (Web Locks, or BroadcastChannel
 * heartbeats where locks are unavailable) and passes events on over a BroadcastChannel. The
 * stream asks for the union of every tab's topics, with every tab's token (the hub unions
 * their rights); each tab gets what it subscribed to. When the holder goes away another takes
 * over and resumes after the last event id it saw, so nothing is lost, and ids already seen
 * are skipped, so nothing arrives twice. When a token expires (ssehub.expired) the holder asks
 * the tabs for fresh ones and resumes the same way. An event with no topic (a legacy ?signal=
 * broadcast, say) reaches every subscription. No dependencies.
 */
(function () {
  'use strict';

  var MAX_TOKENS = 8;          // the hub takes at most 8 access_token parameters on a request
  var RENEW_WAIT_MS = 10000;   // how long the holder waits for the tabs' fresh tokens

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
  // It reads for "clients": every subscription of every tab, {key: {topics, tokens, cred,
  // renews}}, and asks the hub for the union of their topics with all their tokens. hooks:
  // event(ev); refused(key, message) when the hub refuses a subscription for good; renew()
  // when tokens must be fetched again (then resume() once they are in).
  function EventReader(base, hooks) {
    this.base = base; this.hooks = hooks; this.clients = {}; this.refused = {};
    this.plan = null; this.sig = ''; this.paused = false; this.renewed = false;
    this.lastId = ''; this.retry = 3000; this.ctrl = null; this.timer = 0; this.gen = 0;
  }
  EventReader.prototype.want = function (clients, lastId) {
    if (lastId && (!this.lastId || newer(lastId, this.lastId))) this.lastId = lastId;
    this.clients = clients;
    for (var k in this.refused) if (!clients[k]) delete this.refused[k];
    this.replan(false);
  };
  EventReader.prototype.replan = function (force) {
    var self = this, lists = [], tokens = [], cred = false, keys = [];
    // The hub counts the token cookie too: with credentials, one place fewer for the others.
    var anyCred = Object.keys(this.clients).some(function (k) {
      return !self.refused[k] && self.clients[k].cred;
    });
    var most = MAX_TOKENS - (anyCred ? 1 : 0);
    Object.keys(this.clients).sort().forEach(function (k) {
      if (self.refused[k]) return;
      var c = self.clients[k];
      var add = c.tokens.filter(function (t, i) { return tokens.indexOf(t) < 0 && c.tokens.indexOf(t) === i; });
      if (tokens.length + add.length > most) {
        return self.refuse(k, 'ssehub: this browser\'s subscriptions hold more than ' + most +
                           ' different tokens, the most one stream can carry' +
                           (anyCred ? ' beside the token cookie' : ''));
      }
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
    this.restart(0);
  };
  EventReader.prototype.halt = function () {
    this.gen++; clearTimeout(this.timer);
    if (this.ctrl) this.ctrl.abort();
    this.ctrl = null;
  };
  EventReader.prototype.stop = function () {
    this.halt(); this.clients = {}; this.refused = {}; this.plan = null; this.sig = ''; this.paused = false;
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
  EventReader.prototype.connect = function (gen) {
    var self = this, ctrl = new AbortController(), plan = this.plan, answered = false;
    this.ctrl = ctrl;
    var url = streamUrl(this.base, plan.topics, plan.tokens, this.lastId);
    fetch(url, { cache: 'no-store', credentials: plan.cred ? 'include' : 'omit', signal: ctrl.signal }).then(function (res) {
      answered = true;
      if (gen !== self.gen) return;
      if (res.status === 401 || res.status === 403) {
        return res.text().then(function (text) { if (gen === self.gen) self.denied(gen, plan, res.status, text); });
      }
      if (!res.ok || !res.body) throw new Error('ssehub: status ' + res.status);
      self.renewed = false;
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
  // 401 or 403: retrying the same request would be refused forever. A fresh token may cure it
  // (once); otherwise find the subscriptions the hub refuses, each asked for on its own, and
  // go on without them.
  EventReader.prototype.denied = function (gen, plan, status, text) {
    var self = this, why = (text || '').trim() || 'no reason given';
    var renewable = plan.keys.some(function (k) { return self.clients[k] && self.clients[k].renews; });
    if (renewable && !this.renewed) return this.renew();
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
      if (found.length) self.replan(true);
      else self.restart(self.retry); // each alone is allowed (a token ran out meanwhile?)
    });
  };
  // One subscription's own request: {status, text} when refused, null when the hub takes it.
  function probe(base, c) {
    var ctrl = new AbortController();
    return fetch(streamUrl(base, c.topics, c.tokens, ''),
      { cache: 'no-store', credentials: c.cred ? 'include' : 'omit', signal: ctrl.signal }).then(function (res) {
      if (res.status !== 401 && res.status !== 403) { ctrl.abort(); return null; }
      return res.text().then(function (t) { return { status: res.status, text: t.trim() || 'no reason given' }; });
    }).catch(function () { return null; });
  }

  // The WHATWG event-stream rules, plus the hub's "topic" field (EventSource ignores it).
  function Parser(reader, gen) { this.r = reader; this.gen = gen; this.buf = ''; this.reset(); }
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
    if (this.gen !== this.r.gen) return this.reset(); // the reader has moved on
    if (this.id !== null) this.r.lastId = this.id;
    if (this.data !== '') {
      // The hub's own notice, handled here: the pages never see it.
      if (this.type === 'ssehub.expired') this.r.expired(this.data.slice(0, -1));
      else {
        this.r.hooks.event({ type: this.type || 'message', data: this.data.slice(0, -1),
                             id: this.id || '', topic: this.topic });
      }
    }
    this.reset();
  };

  // The holder's side of a renewal: it asked the tabs that renew their tokens for fresh ones,
  // and resumes the reader once each has answered (or RENEW_WAIT_MS passed, or it went away).
  function Renewals(reader) { this.reader = reader; this.gen = 0; this.pending = null; this.timer = 0; }
  Renewals.prototype.start = function (tabs) {
    var self = this, gen = ++this.gen;
    this.pending = {};
    tabs.forEach(function (t) { self.pending[t] = true; });
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { if (gen === self.gen) self.done(); }, tabs.length ? RENEW_WAIT_MS : 0);
    return gen;
  };
  Renewals.prototype.answer = function (tab, gen) {
    if (!this.pending || gen !== this.gen) return;
    delete this.pending[tab];
    if (!Object.keys(this.pending).length) this.done();
  };
  Renewals.prototype.gone = function (tab) { this.answer(tab, this.gen); };
  Renewals.prototype.done = function () {
    clearTimeout(this.timer); this.pending = null; this.gen++;
    this.reader.resume();
  };
  function splitKey(key) { var i = key.indexOf(':'); return [key.slice(0, i), key.slice(i + 1)]; }
  function anyRenews(list) { return list.some(function (s) { return s.renews; }); }

  // ---- inside the SharedWorker: one reader for every connected tab --------------------------
  if (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope) {
    var ports = [], nextPort = 1;
    var find = function (id) { return ports.filter(function (p) { return p.id === id; })[0]; };
    var shared = new EventReader(new URL('.', self.location.href).href, {
      event: function (ev) {
        ports.forEach(function (p) { if (p.topics && wants(p.topics, ev)) p.port.postMessage({ op: 'event', ev: ev }); });
      },
      refused: function (key, message) {
        var k = splitKey(key), p = find(k[0]);
        if (p) p.port.postMessage({ op: 'refused', sub: k[1], message: message });
      },
      renew: function () {
        var gen = renewals.start(ports.filter(function (p) { return anyRenews(p.subs); }).map(function (p) { return p.id; }));
        ports.forEach(function (p) { p.port.postMessage({ op: 'renew', gen: gen }); });
      }
    });
    var renewals = new Renewals(shared);
    var update = function () {
      var clients = {};
      ports.forEach(function (p) {
        p.subs.forEach(function (s) { clients[p.id + ':' + s.sub] = s; });
        p.topics = unionOf(p.subs.map(function (s) { return s.topics; }));
      });
      shared.want(clients);
    };
    self.onconnect = function (e) {
      var p = { id: String(nextPort++), port: e.ports[0], subs: [], topics: null };
      ports.push(p);
      p.port.onmessage = function (m) {
        if (m.data.op === 'want') p.subs = m.data.subs;
        else if (m.data.op === 'bye' && ports.indexOf(p) >= 0) ports.splice(ports.indexOf(p), 1);
        update();
        if (m.data.op === 'bye') renewals.gone(p.id);
        else if (m.data.renewed) renewals.answer(p.id, m.data.renewed);
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
      if (s && s.ready && wants(s.topics, ev)) {
        try { s.onEvent(ev); } catch (e) { setTimeout(function () { throw e; }); }
      }
    });
  }
  // What this tab asks the holder for: each subscription whose token is in.
  function listing() {
    return Object.keys(subs).filter(function (k) { return subs[k].ready; }).map(function (k) {
      var s = subs[k];
      return { sub: k, topics: s.topics, tokens: s.current ? [s.current] : [], cred: s.cred,
               renews: typeof s.token === 'function' };
    });
  }
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
        s.current = t; s.ready = true;
      }, function (e) {
        fail(id, 'ssehub: the token function failed: ' + (e && e.message ? e.message : e));
      });
    })).then(function () { transport.want(listing(), renewed); });
  }
  function renewTokens(gen) {
    refresh(Object.keys(subs).filter(function (k) { return typeof subs[k].token === 'function'; }), gen);
  }

  function WorkerTransport() {
    var w = new SharedWorker(scriptUrl, { name: 'ssehub ' + base });
    w.port.onmessage = function (m) {
      var d = m.data;
      if (d.op === 'event') deliver(d.ev);
      else if (d.op === 'refused') fail(d.sub, d.message);
      else if (d.op === 'renew') renewTokens(d.gen);
    };
    addEventListener('pagehide', function () { w.port.postMessage({ op: 'bye' }); });
    this.want = function (list, renewed) { w.port.postMessage({ op: 'want', subs: list, renewed: renewed || 0 }); };
    this.status = function () { return { mode: 'worker', leader: false }; };
  }

  function SingleTransport() {
    var reader = new EventReader(base, {
      event: deliver,
      refused: function (key, message) { fail(splitKey(key)[1], message); },
      renew: function () { renewTokens(renewals.start(['me'])); }
    });
    var renewals = new Renewals(reader);
    this.want = function (list, renewed) {
      var clients = {};
      list.forEach(function (s) { clients['me:' + s.sub] = s; });
      reader.want(clients, seen);
      if (renewed) renewals.answer('me', renewed);
    };
    this.status = function () { return { mode: 'single', leader: true }; };
  }

  // One tab holds the stream and passes events on; the others listen on the channel.
  function LeaderTransport(election) {
    var me = Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
    var ch = new BroadcastChannel('ssehub ' + base), peers = {}, mine = [], leader = false;
    var reader = new EventReader(base, {
      event: function (ev) { ch.postMessage({ op: 'event', ev: ev }); deliver(ev); },
      refused: function (key, message) {
        var k = splitKey(key);
        if (k[0] === me) fail(k[1], message);
        else ch.postMessage({ op: 'refused', tab: k[0], sub: k[1], message: message });
      },
      renew: function () {
        var tabs = Object.keys(peers).filter(function (t) { return anyRenews(peers[t]); });
        var gen = renewals.start(tabs.concat(me));
        ch.postMessage({ op: 'renew', gen: gen });
        renewTokens(gen);
      }
    });
    var renewals = new Renewals(reader);
    function refresh() {
      if (!leader) return;
      var clients = {};
      mine.forEach(function (s) { clients[me + ':' + s.sub] = s; });
      Object.keys(peers).forEach(function (t) {
        peers[t].forEach(function (s) { clients[t + ':' + s.sub] = s; });
      });
      reader.want(clients, seen);
    }
    function announce(renewed) { ch.postMessage({ op: 'want', tab: me, subs: mine, renewed: renewed || 0 }); }
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
      else if (d.op === 'want') {
        if (d.subs.length) peers[d.tab] = d.subs; else delete peers[d.tab];
        refresh();
        if (leader && d.renewed) renewals.answer(d.tab, d.renewed);
      } else if (d.op === 'bye') {
        delete peers[d.tab];
        refresh();
        if (leader) renewals.gone(d.tab);
      } else if (d.op === 'roll-call') announce();
      else if (d.op === 'refused') { if (d.tab === me) fail(d.sub, d.message); }
      else if (d.op === 'renew') renewTokens(d.gen);
      if (vote) vote(d);
    };
    addEventListener('pagehide', function () { ch.postMessage({ op: 'bye', tab: me }); });
    if (!vote) {
      navigator.locks.request(base + ' ssehub', function () {
        lead();
        return new Promise(function () {}); // held while this page lives
      });
    }
    this.want = function (list, renewed) {
      mine = list;
      announce(renewed);
      refresh();
      if (leader && renewed) renewals.answer(me, renewed);
    };
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
    // topic}). options: {token, withCredentials, onError}: token is a string or a function
    // returning one (or a Promise of one), called again when the hub says it expired;
    // withCredentials sends the browser's cookies (the hub's --jwt-cookie); onError(err) is
    // called once if the hub refuses this subscription (401, 403) or the token function
    // fails, and the subscription ends. Returns {close()}.
    subscribe: function (topics, onEvent, options) {
      options = options || {};
      if (topics == null) topics = [];
      else if (typeof topics === 'string') topics = [topics];
      var token = options.token;
      if (token != null && typeof token !== 'string' && typeof token !== 'function') {
        throw new TypeError('ssehub.subscribe: token must be a string or a function');
      }
      var id = String(nextSub++);
      subs[id] = { topics: topics.slice(), onEvent: onEvent, onError: options.onError, token: token,
                   cred: !!options.withCredentials, current: null, ready: false };
      start();
      refresh([id]);
      return { close: function () { if (subs[id]) { delete subs[id]; transport.want(listing()); } } };
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
