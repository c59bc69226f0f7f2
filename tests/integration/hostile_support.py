"""What every hostile-client test measures beside its attack: the hub's resident memory, its
descriptors, and whether the one loop still answers an honest client while the attack runs.

  rss_kib(pid)      resident set of a process, KiB (VmRSS)
  fd_count(pid)     open descriptors of a process
  LoopProbe(addr)   a thread that asks GET /healthz on its own keep-alive connection over and
                    over; .worst is the slowest answer (seconds), .failures the answers that
                    were not 200 or did not come within the probe's timeout
"""

import os
import threading
import time

from harness import Conn


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class LoopProbe:
    """Use as a context manager around an attack:

        with LoopProbe(hub.addr) as probe:
            attack()
        self.assertLess(probe.worst, 0.1)

    The probe's connection is opened before the attack starts, so it measures the loop, not
    the accept queue. It stops on exit and re-raises nothing: the test asserts on the figures.
    """

    def __init__(self, addr, timeout=10.0, interval=0.005):
        self.addr = addr
        self.timeout = timeout
        self.interval = interval
        self.worst = 0.0
        self.answers = 0
        self.failures = []
        self._stop = threading.Event()
        self._thread = None
        self._conn = None

    def __enter__(self):
        self._conn = Conn(self.addr, timeout=self.timeout)
        self._once()  # the connection works before the attack starts
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
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
