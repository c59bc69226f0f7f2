#!/usr/bin/env python3
"""Soak test: many subscribers, steady publishing and churn against one real hub.

    soak.py [--subscribers 5000] [--duration 600] [--churn 0.10] [--rate 10] ...

What it does (all on 127.0.0.1, in one process: a selectors loop over non-blocking
sockets for the subscribers, and a sender and a receiver thread for the publisher):

 1. starts `ssehub serve` (tests/integration/harness.py's Hub: ephemeral port, fresh
    state dir, default options) and counts its open descriptors: the baseline;
 2. fills the hub's replay history (--prefill events, default the hub's default of
    4096) so that the history is at its steady size before anything is measured;
 3. opens --subscribers streams (GET /events), then publishes --rate events a second
    for --duration seconds (on one keep-alive connection, up to --pipeline requests
    outstanding, so that the rate holds while the hub fans each event out). Each
    event's data carries its sequence number. Meanwhile --churn of the subscribers a
    minute are closed and replaced, alternately by a subscriber that resumes with the
    Last-Event-ID its predecessor had last (it must continue with exactly the next
    event: replay then live, no gap, no duplicate) and by a fresh one (it must get
    every event published after its stream opened);
 4. after --warmup seconds samples the hub's RSS; at the end, with the same number of
    subscribers connected, samples it again: the change must stay within
    --rss-tolerance (default 5 %; not applied to an AddressSanitizer build, whose
    quarantine keeps freed memory: there LeakSanitizer checks at the hub's exit);
 5. waits until every open subscriber has the last event, closes everything, and waits
    for the hub's descriptor count to return to the baseline.

Every subscriber is checked as its events arrive: sequence numbers must run on by
exactly one (a jump is a loss, a step back a duplicate or reordering), ids must grow
and be the ids the publisher was answered, and a stream must not end unless we closed
it. Subscribers that stayed the whole run must have received every published event
exactly once, in order.

No timing is asserted: only RSS, descriptors, loss, duplicates and order. Every wait
has a deadline. Exit status 0 when every check passes, 1 otherwise; --json FILE also
writes the figures as JSON.
"""

import argparse
import collections
import errno
import json
import os
import random
import selectors
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import harness  # noqa: E402  (the integration tests' harness: Hub, wait_until)

EVENT_TYPE = b"soak"
PREFILL_TYPE = "prefill"
MAX_ERRORS_KEPT = 50


def log(msg):
    print("soak: " + msg, flush=True)


def parse_id(raw):
    a, _, b = raw.partition(b"-")
    return (int(a), int(b or 0))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def sanitizer_build(pid):
    """True when the hub runs with AddressSanitizer (its quarantine keeps freed memory, so RSS
    grows by design and LeakSanitizer does the leak check at exit instead)."""
    with open("/proc/%d/maps" % pid) as f:
        if "libasan" in f.read():
            return True
    with open("/proc/%d/exe" % pid, "rb") as f:
        import mmap
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            return m.find(b"__asan_init") >= 0


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


# ---------------------------------------------------------------- publisher

class Publisher:
    """Publishes with POST /publish. prefill(): events one after another on a connection of
    its own. start(): `rate` events a second on one keep-alive connection, pipelined (the hub
    answers a publish once it has queued it for every subscriber, which takes a while with
    thousands of them; pipelining keeps the rate steady without giving up the order: requests
    on one connection are handled in order). A sender thread keeps the schedule, a receiver
    thread reads the answers; at most `window` requests are outstanding."""

    def __init__(self, port, rate, pad, window):
        self.port = port
        self.rate = rate
        self.pad = pad
        self.window = window
        self.sock = None
        self.buf = bytearray()
        self.sent = 0          # highest sequence number whose request has begun to be sent
        self.done = 0          # highest sequence number answered 202
        self.ids = {}          # seq -> id (bytes) as the hub answered
        self.min_subscribers = None
        self.max_subscribers = None
        self.error = None
        self.started = None
        self.rtt_sum = 0.0     # publish round trips (202 received), for the report only
        self.rtt_max = 0.0
        self.slips = 0         # times the schedule was moved on because the publisher fell behind
        self._outstanding = collections.deque()  # (seq, monotonic time sent)
        self._sender_done = False
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._sender = threading.Thread(target=self._send_loop, daemon=True)
        self._receiver = threading.Thread(target=self._receive_loop, daemon=True)
        self.finished = threading.Event()

    # -- HTTP

    def _connect(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf.clear()

    def _request(self, event, data):
        body = ("event=%s&data=%s" % (event, data)).encode("ascii")
        return (b"POST /publish HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: %d\r\n\r\n" % (self.port, len(body))) + body

    def _read_response(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("publish connection closed by the hub")
            self.buf += chunk
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("publish connection closed mid-body")
            rest += chunk
        body, extra = rest[:length], rest[length:]
        self.buf = bytearray(extra)
        if status != 202:
            raise AssertionError("publish answered %d: %r" % (status, body[:200]))
        return json.loads(body)

    def prefill(self, count):
        self._connect()
        try:
            for i in range(count):
                self.sock.sendall(self._request(PREFILL_TYPE, "%d-%s" % (i, "p" * self.pad)))
                self._read_response()
        finally:
            self.sock.close()
            self.sock = None

    # -- paced publishing

    def start(self):
        self._connect()
        self.started = time.monotonic()
        self._receiver.start()
        self._sender.start()

    def stop(self):
        """Stop sending; finished is set once every outstanding request has its answer."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def _fail(self, e):
        if self.error is None:
            self.error = "%s: %s" % (type(e).__name__, e)
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def _send_loop(self):
        try:
            t0 = self.started
            seq = 0
            while True:
                seq += 1
                # Pace to the schedule. On a machine too busy to keep it, fall behind rather
                # than burst: at most one second of backlog is made up.
                due = t0 + (seq - 1) / self.rate
                now = time.monotonic()
                if due < now - 1.0:
                    self.slips += 1
                    t0 += now - 1.0 - due
                    due = now - 1.0
                if self._stop.wait(max(0.0, due - now)):
                    break
                with self._cond:
                    ok = self._cond.wait_for(
                        lambda: len(self._outstanding) < self.window or self._stop.is_set(), 60)
                    if self._stop.is_set():
                        break
                    if not ok:
                        raise AssertionError("no publish answer for 60 s")
                    self.sent = seq
                    self._outstanding.append((seq, time.monotonic()))
                    self._cond.notify_all()
                self.sock.sendall(self._request(EVENT_TYPE.decode(), "%d-%s" % (seq, "x" * self.pad)))
        except BaseException as e:  # reported by the main loop
            self._fail(e)
        finally:
            with self._cond:
                self._sender_done = True
                self._cond.notify_all()

    def _receive_loop(self):
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._outstanding or self._sender_done
                                        or self.error is not None, 60)
                    if self.error is not None or (not self._outstanding and self._sender_done):
                        break
                    if not self._outstanding:
                        continue
                    seq, t_sent = self._outstanding[0]
                answer = self._read_response()
                t = time.monotonic() - t_sent
                with self._cond:
                    self._outstanding.popleft()
                    self._cond.notify_all()
                self.rtt_sum += t
                self.rtt_max = max(self.rtt_max, t)
                self.ids[seq] = answer["id"].encode()
                n = answer["subscribers"]
                self.min_subscribers = n if self.min_subscribers is None else min(n, self.min_subscribers)
                self.max_subscribers = n if self.max_subscribers is None else max(n, self.max_subscribers)
                self.done = seq
        except BaseException as e:
            self._fail(e)
        finally:
            if self.sock is not None:
                self.sock.close()
            self.finished.set()


# ---------------------------------------------------------------- subscribers

class Sub:
    __slots__ = ("n", "kind", "sock", "state", "buf", "resume_id", "expect_first",
                 "open_mark", "first", "last", "last_id", "count", "ok")

    def __init__(self, n, kind, resume_id=None, expect_first=None):
        self.n = n
        self.kind = kind                # "initial", "fresh" or "resume"
        self.sock = None
        self.state = "connecting"       # connecting -> head -> stream -> closed
        self.buf = b""
        self.resume_id = resume_id      # bytes id sent as Last-Event-ID
        self.expect_first = expect_first
        self.open_mark = None           # Publisher.sent when the stream opened
        self.first = None               # first and last sequence numbers received
        self.last = None
        self.last_id = None
        self.count = 0
        self.ok = True


class Soak:
    def __init__(self, args, hub):
        self.args = args
        self.hub = hub
        self.port = hub.port
        self.sel = selectors.DefaultSelector()
        self.subs = set()         # every open subscriber
        self.streaming = []       # subscribers with an open stream (for churn picks)
        self.next_n = 0
        self.pending = []         # subscribers waiting to connect
        self.in_flight = 0
        self.errors = []
        self.error_count = 0
        self.losses = 0
        self.duplicates = 0
        self.gaps = 0
        self.unexpected_close = 0
        self.deliveries = 0
        self.opened = 0
        self.churned = 0
        self.resumed = 0
        self.fresh = 0
        self.finished_subs = []   # closed subscribers' summaries (kind, first, last, count)
        self.publisher = None
        self.rand = random.Random(args.seed)

    # -- errors

    def error(self, sub, what):
        self.error_count += 1
        if sub is not None:
            sub.ok = False
            what = "subscriber %d (%s): %s" % (sub.n, sub.kind, what)
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(what)
        if self.error_count <= 10:
            log("ERROR " + what)

    # -- connecting

    def add(self, kind, resume_id=None, expect_first=None):
        self.next_n += 1
        sub = Sub(self.next_n, kind, resume_id, expect_first)
        self.pending.append(sub)
        return sub

    def start_connects(self):
        while self.pending and self.in_flight < self.args.connect_concurrency:
            sub = self.pending.pop()
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex(("127.0.0.1", self.port))
            if rc not in (0, errno.EINPROGRESS):
                s.close()
                self.error(sub, "connect: %s" % os.strerror(rc))
                continue
            sub.sock = s
            self.subs.add(sub)
            self.in_flight += 1
            self.sel.register(s, selectors.EVENT_WRITE, sub)

    def on_writable(self, sub):
        err = sub.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            self.error(sub, "connect: %s" % os.strerror(err))
            self.close(sub, expected=True)
            return
        req = b"GET /events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n" % self.port
        if sub.resume_id is not None:
            req += b"Last-Event-ID: " + sub.resume_id + b"\r\n"
        req += b"\r\n"
        sub.sock.send(req)  # a few dozen bytes into an empty socket buffer
        sub.state = "head"
        self.sel.modify(sub.sock, selectors.EVENT_READ, sub)

    # -- reading

    def on_readable(self, sub):
        try:
            chunk = sub.sock.recv(262144)
        except (ConnectionResetError, BrokenPipeError) as e:
            chunk = b""
            reason = str(e)
        except BlockingIOError:
            return
        else:
            reason = "end of stream"
        if not chunk:
            self.error(sub, "the hub closed the stream (%s) after %d events" % (reason, sub.count))
            self.unexpected_close += 1
            self.close(sub, expected=True)
            return
        buf = sub.buf + chunk
        if sub.state == "head":
            i = buf.find(b"\r\n\r\n")
            if i < 0:
                sub.buf = buf
                return
            head = buf[:i]
            buf = buf[i + 4:]
            if not head.startswith(b"HTTP/1.1 200 ") or b"text/event-stream" not in head:
                self.error(sub, "not an event stream: %r" % head[:200])
                self.close(sub, expected=True)
                return
            sub.open_mark = self.publisher.sent
            sub.state = "stream"
            self.in_flight -= 1
            self.opened += 1
            self.streaming.append(sub)
        blocks = buf.split(b"\n\n")
        sub.buf = blocks.pop()
        for block in blocks:
            self.on_block(sub, block)

    def on_block(self, sub, block):
        ev_id = ev_type = data = None
        for line in block.split(b"\n"):
            if line.startswith(b"data: "):
                data = line[6:]
            elif line.startswith(b"id: "):
                ev_id = line[4:]
            elif line.startswith(b"event: "):
                ev_type = line[7:]
        if data is None:
            return  # retry field, comments, heartbeats
        if ev_type != EVENT_TYPE:
            if ev_type == b"ssehub.gap":
                self.gaps += 1
            self.error(sub, "unexpected event type %r (data %r)" % (ev_type, data[:120]))
            return
        seq = int(data.partition(b"-")[0])
        self.deliveries += 1
        if ev_id is None:
            self.error(sub, "event %d without an id" % seq)
            return
        pid = parse_id(ev_id)
        known = self.publisher.ids.get(seq)
        if known is not None and known != ev_id:
            self.error(sub, "event %d has id %r, the publisher was answered %r" % (seq, ev_id, known))
        if sub.last is None:
            sub.first = seq
            if sub.kind == "initial" and seq != 1:
                self.losses += seq - 1
                self.error(sub, "first event %d, expected 1" % seq)
            elif sub.kind == "resume" and seq != sub.expect_first:
                if seq > sub.expect_first:
                    self.losses += seq - sub.expect_first
                else:
                    self.duplicates += 1
                self.error(sub, "resumed after %d but first got %d" % (sub.expect_first - 1, seq))
            elif sub.kind == "fresh" and seq > sub.open_mark + 1:
                self.losses += seq - sub.open_mark - 1
                self.error(sub, "stream open when %d was the last published, but first got %d"
                           % (sub.open_mark, seq))
        else:
            if seq != sub.last + 1:
                if seq > sub.last:
                    self.losses += seq - sub.last - 1
                    self.error(sub, "after %d got %d (lost %d)" % (sub.last, seq, seq - sub.last - 1))
                else:
                    self.duplicates += 1
                    self.error(sub, "after %d got %d (duplicate or reordered)" % (sub.last, seq))
            if pid <= sub.last_id:
                self.error(sub, "id %r does not grow" % ev_id)
        sub.last = max(seq, sub.last or 0)
        sub.last_id = pid if sub.last_id is None else max(pid, sub.last_id)
        sub.count += 1

    # -- closing

    def close(self, sub, expected):
        if sub.sock is None:
            return
        try:
            self.sel.unregister(sub.sock)
        except (KeyError, ValueError):
            pass
        sub.sock.close()
        sub.sock = None
        if sub.state in ("connecting", "head"):
            self.in_flight -= 1
        elif sub.state == "stream":
            try:
                self.streaming.remove(sub)
            except ValueError:
                pass
        sub.state = "closed"
        self.subs.discard(sub)
        self.finished_subs.append((sub.kind, sub.first, sub.last, sub.count, sub.ok))

    def churn_one(self):
        if not self.streaming:
            return
        i = self.rand.randrange(len(self.streaming))
        sub = self.streaming[i]
        self.close(sub, expected=True)
        self.churned += 1
        if self.churned % 2 == 0 and sub.last is not None:
            self.resumed += 1
            # The id of the last event it got: the hub must continue with the next one.
            self.add("resume", resume_id=b"%d-%d" % sub.last_id, expect_first=sub.last + 1)
        else:
            self.fresh += 1
            self.add("fresh")

    # -- the loop

    def pump(self, timeout=0.05):
        self.start_connects()
        for key, mask in self.sel.select(timeout):
            sub = key.data
            if sub.sock is None:
                continue
            if mask & selectors.EVENT_WRITE and sub.state == "connecting":
                self.on_writable(sub)
            elif mask & selectors.EVENT_READ:
                self.on_readable(sub)

    def pump_until(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() >= deadline:
                raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
            if self.publisher.error:
                raise AssertionError("publisher failed: %s" % self.publisher.error)
            self.hub.assert_alive()
            self.pump()

    def all_open(self):
        return not self.pending and self.in_flight == 0

    def caught_up(self, seq):
        return all(s.last == seq or (s.open_mark is not None and s.open_mark >= seq and s.last is None)
                   for s in self.streaming)


def run(args):
    random.seed(args.seed)
    result = {"subscribers": args.subscribers, "duration_s": args.duration, "rate": args.rate,
              "churn_per_minute": args.churn, "warmup_s": args.warmup}
    failures = []
    hub = harness.Hub(args=args.hub_args)
    soak = None
    try:
        pid = hub.pid
        result["hub_pid"] = pid
        result["sanitizer_build"] = asan = sanitizer_build(pid)
        fd_base = fd_count(pid)
        result["fd_baseline"] = fd_base
        log("hub pid %d on 127.0.0.1:%d, %d descriptors open at start" % (pid, hub.port, fd_base))

        pub = Publisher(hub.port, args.rate, args.pad, args.pipeline)
        t = time.monotonic()
        pub.prefill(args.prefill)
        log("prefilled the history with %d events in %.1f s" % (args.prefill, time.monotonic() - t))

        soak = Soak(args, hub)
        soak.publisher = pub
        for _ in range(args.subscribers):
            soak.add("initial")
        t = time.monotonic()
        soak.pump_until(soak.all_open, args.connect_timeout, "%d streams to open" % args.subscribers)
        log("%d streams open in %.1f s; %d descriptors in the hub"
            % (args.subscribers, time.monotonic() - t, fd_count(pid)))
        if soak.error_count:
            raise AssertionError("errors while opening the streams")

        # Steady state: publish at the rate, churn at the rate, sample RSS after warm-up.
        pub.start()
        t0 = time.monotonic()
        end = t0 + args.duration
        churn_per_s = args.subscribers * args.churn / 60.0
        next_report = t0 + args.report_every
        rss_warm = None
        rss_samples = []
        cpu_warm = None
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if pub.error:
                raise AssertionError("publisher failed: %s" % pub.error)
            hub.assert_alive()
            due = int((now - t0) * churn_per_s)
            while soak.churned < due:
                soak.churn_one()
            soak.pump()
            if rss_warm is None and now - t0 >= args.warmup:
                # Sample with every subscriber connected, as at the end.
                soak.pump_until(soak.all_open, 30, "replacement streams to open")
                rss_warm = rss_kib(pid)
                cpu_warm = (time.monotonic(), cpu_seconds(pid))
                client_warm = sum(os.times()[:2])
                result["rss_warm_kib"] = rss_warm
                result["fd_warm"] = fd_count(pid)
                log("after %.0f s warm-up: hub RSS %d KiB, %d descriptors"
                    % (now - t0, rss_warm, result["fd_warm"]))
            if now >= next_report:
                next_report += args.report_every
                rss = rss_kib(pid)
                if rss_warm is not None:
                    rss_samples.append(rss)
                log("%4.0f s: published %d, deliveries %d, open %d, churned %d (resumed %d), "
                    "RSS %d KiB, fds %d, errors %d"
                    % (now - t0, pub.done, soak.deliveries, len(soak.streaming), soak.churned,
                       soak.resumed, rss, fd_count(pid), soak.error_count))

        pub.stop()
        result["publish_seconds"] = round(time.monotonic() - pub.started, 1)
        if not pub.finished.wait(30):
            raise AssertionError("publisher did not stop")
        if pub.error:
            raise AssertionError("publisher failed: %s" % pub.error)
        last = pub.done
        soak.pump_until(soak.all_open, 30, "replacement streams to open")
        soak.pump_until(lambda: soak.caught_up(last), args.drain_timeout,
                        "every subscriber to receive event %d" % last)
        rss_end = rss_kib(pid)
        cpu_end = (time.monotonic(), cpu_seconds(pid))
        rss_samples.append(rss_end)
        result["rss_end_kib"] = rss_end
        result["fd_with_subscribers"] = fd_count(pid)
        metrics = harness.http_request(hub.addr, "GET", "/metrics").body.decode()
        mvals = {}
        for line in metrics.splitlines():
            if line and not line.startswith("#") and "{" not in line:
                name, _, value = line.partition(" ")
                mvals[name] = float(value)
        for name in ("ssehub_subscribers", "ssehub_events_published_total",
                     "ssehub_deliveries_total", "ssehub_slow_subscribers_dropped_total",
                     "ssehub_replays_total", "ssehub_gaps_total"):
            result[name] = mvals.get(name)

        # Stayers: connected before the first event, never churned.
        stayers = [s for s in soak.streaming if s.kind == "initial"]
        complete = [s for s in stayers if s.ok and s.first == 1 and s.last == last and s.count == last]
        result.update(published=last, prefill=args.prefill, deliveries=soak.deliveries,
                      churned=soak.churned, resumed=soak.resumed, fresh=soak.fresh,
                      stayers=len(stayers), stayers_complete=len(complete),
                      losses=soak.losses, duplicates=soak.duplicates, gaps=soak.gaps,
                      unexpected_closes=soak.unexpected_close, errors=soak.error_count,
                      publish_slips=pub.slips,
                      publish_rtt_avg_ms=round(1000 * pub.rtt_sum / max(1, last), 2),
                      publish_rtt_max_ms=round(1000 * pub.rtt_max, 2),
                      publish_subscribers_min=pub.min_subscribers,
                      publish_subscribers_max=pub.max_subscribers,
                      rss_max_after_warmup_kib=max(rss_samples),
                      rss_min_after_warmup_kib=min(rss_samples))
        if cpu_warm:
            result["client_cpu_percent"] = round(
                100 * (sum(os.times()[:2]) - client_warm) / max(1e-9, cpu_end[0] - cpu_warm[0]), 1)
            result["hub_cpu_percent"] = round(
                100 * (cpu_end[1] - cpu_warm[1]) / max(1e-9, cpu_end[0] - cpu_warm[0]), 1)

        # Close everything; the hub's descriptors must return to the baseline.
        for s in list(soak.subs):
            soak.close(s, expected=True)
        try:
            harness.wait_until(
                lambda: b"ssehub_subscribers 0\n" in harness.http_request(hub.addr, "GET", "/metrics").body,
                timeout=args.fd_timeout)
        except AssertionError:
            failures.append("the hub still counts subscribers after every one closed")
        # (The /metrics connections above are closed too by now, or soon.)
        try:
            harness.wait_until(lambda: fd_count(pid) == fd_base, timeout=args.fd_timeout)
        except AssertionError:
            pass
        result["fd_end"] = fd_count(pid)
        hub.assert_alive()

        # Verdicts.
        if rss_warm is None:
            failures.append("the run ended before the warm-up did")
        else:
            change = 100.0 * (rss_end - rss_warm) / rss_warm
            result["rss_change_percent"] = round(change, 2)
            if asan:
                log("RSS not checked: the hub is an AddressSanitizer build (its quarantine holds "
                    "freed memory; LeakSanitizer checks for leaks when the hub exits)")
            elif abs(change) > args.rss_tolerance:
                failures.append("RSS changed %+.2f %% (warm-up %d KiB, end %d KiB; limit ±%g %%)"
                                % (change, rss_warm, rss_end, args.rss_tolerance))
        if result["fd_end"] != fd_base:
            failures.append("descriptors did not return to the baseline: %d at start, %d at the end"
                            % (fd_base, result["fd_end"]))
        if soak.losses or soak.duplicates or soak.gaps or soak.unexpected_close or soak.error_count:
            failures.append("%d lost, %d duplicated or reordered, %d gap events, %d streams closed "
                            "by the hub, %d errors in all"
                            % (soak.losses, soak.duplicates, soak.gaps, soak.unexpected_close,
                               soak.error_count))
        if len(complete) != len(stayers):
            failures.append("%d of %d subscribers that stayed did not receive all %d events once, "
                            "in order" % (len(stayers) - len(complete), len(stayers), last))
        if not stayers:
            failures.append("no subscriber stayed the whole run: nothing to check")
        if result.get("ssehub_slow_subscribers_dropped_total"):
            failures.append("the hub dropped %d slow subscribers"
                            % result["ssehub_slow_subscribers_dropped_total"])

        status = hub.stop()
        result["hub_exit_status"] = status
        if status != 0:
            failures.append("hub exit status on SIGTERM was %s" % status)
    except AssertionError as e:
        failures.append(str(e))
    finally:
        if soak is not None:
            for s in list(soak.subs):
                soak.close(s, expected=True)
        hub.stop()
        hub.cleanup()
    result["failures"] = failures
    result["error_samples"] = soak.errors[:10] if soak else []
    # What the hub said besides the routine lines, for a failure's diagnosis.
    result["hub_log"] = [l for l in hub.stderr_lines if not l.startswith("info:")][-20:]
    return result


def report(r):
    log("---- %d subscribers, %.0f s, %g events/s, %g %% churn a minute ----"
        % (r["subscribers"], r["duration_s"], r["rate"], 100 * r["churn_per_minute"]))
    if "published" in r:
        log("published %d events in %.0f s (%.2f a second; the schedule slipped %d times), after %d "
            "to fill the history; %d deliveries checked"
            % (r["published"], r["publish_seconds"], r["published"] / max(1e-9, r["publish_seconds"]),
               r["publish_slips"], r["prefill"], r["deliveries"]))
        log("publish round trip (POST to 202): %.2f ms on average, %.2f ms at most"
            % (r["publish_rtt_avg_ms"], r["publish_rtt_max_ms"]))
        log("churned %d subscribers: %d replaced by a Last-Event-ID resume, %d by a fresh stream"
            % (r["churned"], r["resumed"], r["fresh"]))
        log("stayed the whole run: %d, of which %d received all %d events exactly once, in order"
            % (r["stayers"], r["stayers_complete"], r["published"]))
        log("lost %d, duplicated/reordered %d, gap events %d, streams closed by the hub %d"
            % (r["losses"], r["duplicates"], r["gaps"], r["unexpected_closes"]))
    if "rss_end_kib" in r and "rss_warm_kib" in r:
        log("hub RSS after warm-up %d KiB, at the end %d KiB: %+.2f %% (range after warm-up %d..%d KiB)"
            % (r["rss_warm_kib"], r["rss_end_kib"], r.get("rss_change_percent", 0.0),
               r["rss_min_after_warmup_kib"], r["rss_max_after_warmup_kib"]))
    if "fd_end" in r:
        log("hub descriptors: %d at start, %d with the subscribers, %d after they closed"
            % (r["fd_baseline"], r.get("fd_with_subscribers", -1), r["fd_end"]))
    if r.get("hub_cpu_percent") is not None:
        log("CPU after warm-up: hub %.1f %% of one core, this client (both threads) %.1f %%"
            % (r["hub_cpu_percent"], r["client_cpu_percent"]))
    if r.get("ssehub_deliveries_total") is not None:
        log("hub metrics: events_published_total %d, deliveries_total %d, replays_total %d, "
            "gaps_total %d, slow_subscribers_dropped_total %d"
            % (r["ssehub_events_published_total"], r["ssehub_deliveries_total"],
               r["ssehub_replays_total"], r["ssehub_gaps_total"],
               r["ssehub_slow_subscribers_dropped_total"]))
    for e in r["error_samples"]:
        log("  e.g. " + e)
    if r["failures"]:
        for line in r["hub_log"]:
            log("  hub: " + line)
    for f in r["failures"]:
        log("FAIL: " + f)
    log("PASS" if not r["failures"] else "FAILED")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--subscribers", type=int, default=5000)
    p.add_argument("--duration", type=float, default=600, help="seconds of publishing")
    p.add_argument("--warmup", type=float, default=60,
                   help="seconds of publishing and churn before the first RSS sample")
    p.add_argument("--rate", type=float, default=10, help="events a second")
    p.add_argument("--churn", type=float, default=0.10,
                   help="fraction of the subscribers replaced a minute")
    p.add_argument("--pad", type=int, default=100, help="bytes of padding in each event's data")
    p.add_argument("--pipeline", type=int, default=4,
                   help="publish requests outstanding at most (the hub handles a pipelined batch "
                        "in one go, so a deep one stalls everything else for as long)")
    p.add_argument("--prefill", type=int, default=4096,
                   help="events published first, to bring the hub's history to its steady size")
    p.add_argument("--rss-tolerance", type=float, default=5.0, help="percent")
    p.add_argument("--connect-concurrency", type=int, default=256)
    p.add_argument("--connect-timeout", type=float, default=120)
    p.add_argument("--drain-timeout", type=float, default=60)
    p.add_argument("--fd-timeout", type=float, default=15)
    p.add_argument("--report-every", type=float, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.add_argument("hub_args", nargs="*", help="extra `ssehub serve` options (after --)")
    args = p.parse_args(argv)
    if args.warmup >= args.duration:
        p.error("--warmup must be shorter than --duration")
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = args.subscribers + args.connect_concurrency + 64
        if soft < need:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))
    except (ValueError, OSError):
        pass
    r = run(args)
    report(r)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=2)
    return 0 if not r["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
