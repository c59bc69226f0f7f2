"""What every hostile-client test measures beside its attack: the hub's resident memory, its
descriptors, and whether the one loop still answers an honest client while the attack runs.

  rss_kib(pid)      resident set of a process, KiB (VmRSS)
  fd_count(pid)     open descriptors of a process
  LoopProbe(addr)   a thread that asks GET /healthz on its own keep-alive connection over and
                    over; .worst is the slowest answer (seconds), .failures the answers that
                    were not 200 or did not come within the probe's timeout
  unsent_bytes(sock) bytes a client socket has sent that its peer has not acknowledged
                    (0: the hub's kernel holds all of it)
  HonestTraffic     subscribers and a publisher beside an attack; .verify() asserts that
                    every subscriber got every published event, in order
  slow_reader()     a client socket with a small receive buffer, for clients that never read;
                    start_reading() opens its window again
"""

import fcntl
import multiprocessing
import os
import socket
import termios
import threading
import time

from harness import Conn, SseClient, publish_ok, wait_until


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def _probe_in_child(addr, timeout, interval, stop, results):
    probe = LoopProbe(addr, timeout, interval)
    probe._conn = Conn(addr, timeout=timeout)
    probe._once()
    results.send("ready")
    while not stop.is_set():
        probe._once()
        stop.wait(interval)
    probe._conn.close()
    results.send((probe.worst, probe.answers, probe.failures))


class LoopProbe:
    """Use as a context manager around an attack:

        with LoopProbe(hub.addr) as probe:
            attack()
        self.assertLess(probe.worst, 0.1)

    The probe's connection is opened before the attack starts, so it measures the loop, not
    the accept queue. It stops on exit and re-raises nothing: the test asserts on the figures.

    separate_process=True runs the probe in a child process: a test whose own threads keep
    Python busy (parsing thousands of answers) would otherwise delay the probe's thread by
    the interpreter lock and count that as the hub's stall.
    """

    def __init__(self, addr, timeout=10.0, interval=0.005, separate_process=False):
        self.addr = addr
        self.timeout = timeout
        self.interval = interval
        self.separate_process = separate_process
        self.worst = 0.0
        self.answers = 0
        self.failures = []
        self._stop = threading.Event()
        self._thread = None
        self._conn = None
        self._child = None

    def __enter__(self):
        if self.separate_process:
            ctx = multiprocessing.get_context("spawn")
            self._stop = ctx.Event()
            self._results, child_end = ctx.Pipe(duplex=False)
            self._child = ctx.Process(target=_probe_in_child, daemon=True,
                                      args=(self.addr, self.timeout, self.interval,
                                            self._stop, child_end))
            self._child.start()
            if not self._results.poll(30) or self._results.recv() != "ready":
                raise AssertionError("the loop probe's process did not start")
            return self
        self._conn = Conn(self.addr, timeout=self.timeout)
        self._once()  # the connection works before the attack starts
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._child:
            if self._results.poll(self.timeout + 5):
                self.worst, self.answers, self.failures = self._results.recv()
            else:
                self.failures.append("the loop probe's process did not report")
            self._child.join(5)
            return False
        self._thread.join(self.timeout + 5)
        self._conn.close()
        return False

    def _once(self):
        started = time.monotonic()
        try:
            r = self._conn.request("GET", "/healthz")
            ok = r.status == 200
        except Exception as e:  # a dead or stalled loop: recorded, asserted by the test
            ok = False
            r = e
        took = time.monotonic() - started
        self.worst = max(self.worst, took)
        self.answers += 1
        if not ok:
            self.failures.append(repr(r))
            self._conn.close()
            self._conn = Conn(self.addr, timeout=self.timeout)

    def _run(self):
        while not self._stop.is_set():
            self._once()
            self._stop.wait(self.interval)


def unsent_bytes(sock):
    """Bytes in the socket's send queue (sent but not acknowledged, or not sent yet)."""
    buf = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")  # SIOCOUTQ
    return int.from_bytes(buf, "little")


def slow_reader(addr, rcvbuf=4096, timeout=30.0):
    """A client connection (harness Conn) whose socket takes at most about `rcvbuf` bytes
    before the hub must wait: for clients that send and never read."""
    conn = Conn(addr, timeout)
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    return conn


def start_reading(conn, rcvbuf=1 << 20):
    """A slow_reader that starts to read: its receive window opens again (the small buffer
    also clamped the window, and a clamped window crawls at one probe per 200 ms)."""
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_WINDOW_CLAMP, rcvbuf)


class HonestTraffic:
    """Honest clients beside an attack. Use as a context manager around it:

        with HonestTraffic(hub.addr) as honest:
            attack()
        honest.verify(self)

    `subscribers` SseClients are open before the attack; a thread publishes one event every
    `interval` seconds while it runs (each on a fresh connection, as a publisher would).
    verify() asserts every publish got 202 and every subscriber received every event (type
    "honest"), in order.
    """

    def __init__(self, addr, subscribers=2, interval=0.02):
        self.addr = addr
        self.interval = interval
        self.clients = [SseClient(addr) for _ in range(subscribers)]
        self.published = []  # (id, data)
        self.errors = []
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        wait_until(lambda: self.published or self.errors, timeout=10.0,
                   message="the honest publisher never published")
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(30)
        return False

    def _run(self):
        n = 0
        while not self._stop.is_set():
            data = "honest-%d" % n
            try:
                self.published.append((publish_ok(self.addr, "honest", data)["id"], data))
            except Exception as e:  # recorded; verify() fails on it
                self.errors.append(repr(e))
            n += 1
            self._stop.wait(self.interval)

    def verify(self, test, timeout=20.0):
        test.assertEqual(self.errors, [], "honest publishes failed during the attack")
        deadline = time.monotonic() + timeout
        for client in self.clients:  # other events (an attacker's publishes) are skipped
            got = []
            while len(got) < len(self.published):
                e = client.next_event(max(0.0, deadline - time.monotonic()))
                if e.type == "honest":
                    got.append((e.own_id, e.data))
            test.assertEqual(got, self.published, "an honest subscriber lost or reordered events")

    def close(self):
        for client in self.clients:
            client.close()


def check_honest_subscribers(test, subscribers, publish_addr, count=5, label="honest"):
    """Publishes `count` events on `publish_addr` and asserts every one of `subscribers` (harness
    SseClients, already open) receives all of them, in order: the attack beside them cost them
    nothing."""
    from harness import publish_ok
    sent = [publish_ok(publish_addr, label, "%s-%d" % (label, i))["id"] for i in range(count)]
    for sub in subscribers:
        got = sub.next_events(count, timeout=20)
        test.assertEqual([e.id for e in got], sent)
        test.assertEqual([e.data for e in got], ["%s-%d" % (label, i) for i in range(count)])


# Under the sanitizers (SSEHUB_SANITIZE=1) memory figures mean little (ASan keeps freed memory
# in quarantine, shadow memory grows with use) and the loop runs several times slower: RSS
# bounds are not asserted there and stall bounds are five times as generous.
SANITIZED = os.environ.get("SSEHUB_SANITIZE") == "1"


def assert_rss_growth_below(test, grown_kib, bound_kib, what="RSS growth per connection"):
    if not SANITIZED:
        test.assertLess(grown_kib, bound_kib, "%s: %d KiB" % (what, grown_kib))


def stall_bound(seconds):
    """The worst /healthz answer a test accepts: `seconds`, or five times that sanitized."""
    return seconds * 5 if SANITIZED else seconds
