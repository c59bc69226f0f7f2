"""Hostile HTTP/1.1 clients (issue 16): each attack runs beside honest subscribers and a
publisher (HonestTraffic) and a /healthz probe on its own connection (LoopProbe), and each
test asserts its bounds: resident memory growth per attacking connection, the loop's worst
stall, descriptors back where they were, and that the honest clients lost nothing.

The figures are printed (stderr) so a run shows how far inside each bound the hub stays.

  pipelining amplification  requests pipelined once, answers never read (issue 16 item 2)
  pipelined publishes       the same with POST /publish
  slowloris                 heads that never finish
  huge header counts        thousands of tiny fields, up to and past max-header-bytes
  malformed heads           bare CR, obs-fold, HTTP/2.0, HTTP/0.9 (issues 15.4, 16.10)
"""

import concurrent.futures
import os
import sys
import time

from harness import Conn, HubTestCase, http_request, wait_until
from hostile_support import (HonestTraffic, LoopProbe, fd_count, rss_kib, slow_reader,
                             start_reading, unsent_bytes)

# The loop must answer /healthz within this while an attack runs (the goal is 100 ms; a
# shared CI machine gets slack, the sanitizer build, several times slower, more). The measured
# figure is printed.
STALL_BOUND_S = 3.0 if os.environ.get("SSEHUB_SANITIZE") == "1" else 1.0

# What each pipelined path must answer, in order: (status, content-type prefix).
PIPELINED_PATHS = [
    (b"/", 200, "text/html"),
    (b"/ssehub.js", 200, "text/javascript"),
    (b"/healthz", 200, "text/plain"),
    (b"/nope", 404, "text/plain"),
    (b"/metrics", 200, "text/plain; version=0.0.4"),
]


def report(what, **figures):
    print("\n  %s: %s" % (what, ", ".join("%s=%s" % kv for kv in figures.items())),
          file=sys.stderr)


def pipelined_gets(n):
    return b"".join(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % PIPELINED_PATHS[i % 5][0]
                    for i in range(n))


def pipelined_publishes(n, tag):
    out = []
    for i in range(n):
        body = b"event=flood&data=%s-%d" % (tag, i)
        out.append(b"POST /publish HTTP/1.1\r\nHost: x\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\n"
                   b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    return b"".join(out)


class HostileHttp1Test(HubTestCase):
    def setUp(self):
        self.hub = self.start_hub("--request-timeout", "5")
        self.honest = HonestTraffic(self.hub.addr)
        self.addCleanup(self.honest.close)

    def wait_delivered(self, conns):
        """Every byte the attackers sent is with the hub's kernel, and the loop has turned
        since (one /healthz round trip), so the hub has read what it is going to read."""
        wait_until(lambda: all(unsent_bytes(c.sock) == 0 for c in conns), timeout=10.0,
                   message="the hub's kernel did not take the attackers' requests")
        self.assertEqual(http_request(self.hub.addr, "GET", "/healthz").status, 200)

    def assert_rss_bound(self, growth_kib, bound_kib):
        # AddressSanitizer's quarantine holds freed memory on purpose: RSS says nothing there
        # (the figure is still reported).
        if os.environ.get("SSEHUB_SANITIZE") != "1":
            self.assertLess(growth_kib, bound_kib, "RSS grew %d KiB" % growth_kib)

    def assert_loop_bound(self, probe, what):
        report(what, probe_worst_ms="%.1f" % (probe.worst * 1000), probe_answers=probe.answers)
        self.assertEqual(probe.failures, [])
        self.assertLess(probe.worst, STALL_BOUND_S)

    def test_pipelined_requests_never_read_hold_a_bounded_output_each(self):
        attackers, per_attacker = 20, 1700
        attack = pipelined_gets(per_attacker)
        pid = self.hub.proc.pid
        fds_before = fd_count(pid)
        with LoopProbe(self.hub.addr, separate_process=True) as probe, self.honest:
            rss_before = rss_kib(pid)
            conns = [slow_reader(self.hub.addr) for _ in range(attackers)]
            for c in conns:
                c.send(attack)  # once, and nothing is read
            self.wait_delivered(conns)
            growth = rss_kib(pid) - rss_before
            report("pipelining amplification", attackers=attackers,
                   request_bytes=len(attack), rss_growth_kib=growth,
                   per_attacker_kib=growth // attackers)
            # Before the bound: ~17 MB per attacker (1700 answers queued). Now: about the
            # 64 KiB output bound plus the unread input.
            self.assert_rss_bound(growth, attackers * 1024)
            # Once they read (all at once, as a client that stopped reading would resume),
            # every request is answered, in order.
            def answers(c):
                start_reading(c)
                got = []
                for i in range(per_attacker):
                    r = c.read_response(timeout=30.0)
                    got.append((r.status, r.headers["content-type"]))
                c.close()
                return got

            with concurrent.futures.ThreadPoolExecutor(attackers) as pool:
                results = list(pool.map(answers, conns))
            for got in results:
                self.assertEqual(len(got), per_attacker)
                for i, (status, ctype) in enumerate(got):
                    path, want_status, want_ctype = PIPELINED_PATHS[i % 5]
                    self.assertEqual((status, ctype[:len(want_ctype)]), (want_status, want_ctype),
                                     "answer %d (%s)" % (i, path))
        self.assert_loop_bound(probe, "pipelining amplification")
        self.honest.verify(self)
        wait_until(lambda: fd_count(pid) <= fds_before, timeout=10.0,
                   message="descriptors not released")

    def test_a_pipeliner_that_never_reads_is_closed_at_the_request_timeout(self):
        pid = self.hub.proc.pid
        fds_before = fd_count(pid)
        conns = [slow_reader(self.hub.addr) for _ in range(5)]
        for c in conns:
            c.send(pipelined_gets(1700))
        self.wait_delivered(conns)
        started = time.monotonic()
        # Its answers stay unread: --request-timeout (5 s) after the last request it got
        # answered, the hub lets it go, and with it what it held.
        wait_until(lambda: fd_count(pid) <= fds_before, timeout=15.0,
                   message="a client that never reads was never closed")
        report("never-reading pipeliner", closed_after_s="%.1f" % (time.monotonic() - started))
        for c in conns:
            c.close()

    def test_pipelined_publishes_never_read_are_bounded_and_all_answered_in_order(self):
        attackers, per_attacker = 5, 2000
        pid = self.hub.proc.pid
        with LoopProbe(self.hub.addr, separate_process=True) as probe, self.honest:
            rss_before = rss_kib(pid)
            conns = [slow_reader(self.hub.addr) for _ in range(attackers)]
            for n, c in enumerate(conns):
                c.send(pipelined_publishes(per_attacker, b"a%d" % n))
            self.wait_delivered(conns)
            growth = rss_kib(pid) - rss_before
            report("pipelined publishes", attackers=attackers, rss_growth_kib=growth)
            for c in conns:
                start_reading(c)
                ids = []
                for i in range(per_attacker):
                    r = c.read_response(timeout=30.0)
                    self.assertEqual(r.status, 202, "answer %d: %r" % (i, r.body))
                    ids.append(tuple(int(x) for x in r.body.split(b'"id":"')[1]
                                     .split(b'"')[0].split(b"-")))
                self.assertEqual(ids, sorted(ids), "answers out of order")
                c.close()
        # The events are retained (history), so only the growth past that is the attack's;
        # the bound is generous: 2000 small events and their answers per attacker.
        self.assert_rss_bound(growth, attackers * 2048)
        self.assert_loop_bound(probe, "pipelined publishes")
        self.honest.verify(self)

    def test_slowloris_heads_are_closed_at_the_request_timeout(self):
        attackers = 200
        pid = self.hub.proc.pid
        fds_before = fd_count(pid)
        with LoopProbe(self.hub.addr, separate_process=True) as probe, self.honest:
            rss_before = rss_kib(pid)
            conns = []
            for _ in range(attackers):
                c = Conn(self.hub.addr, timeout=10.0)
                c.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                conns.append(c)
            self.wait_delivered(conns)
            growth = rss_kib(pid) - rss_before
            for c in conns:  # a trickle does not extend the request timeout
                c.send(b"a")
            for c in conns:
                c.wait_closed(timeout=15.0)  # --request-timeout 5
                c.close()
        report("slowloris", attackers=attackers, rss_growth_kib=growth)
        self.assert_rss_bound(growth, attackers * 64)
        self.assert_loop_bound(probe, "slowloris")
        self.honest.verify(self)
        wait_until(lambda: fd_count(pid) <= fds_before, timeout=10.0,
                   message="descriptors not released")

    def test_huge_header_counts_are_bounded_by_max_header_bytes(self):
        attackers = 20
        pid = self.hub.proc.pid
        just_under = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"a:b\r\n" * 1200 + b"\r\n"
        far_over = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"a:b\r\n" * 20000 + b"\r\n"
        with LoopProbe(self.hub.addr, separate_process=True) as probe, self.honest:
            rss_before = rss_kib(pid)
            conns = [Conn(self.hub.addr, timeout=10.0) for _ in range(attackers)]
            for c in conns:
                c.send(just_under * 20)  # pipelined, each head just inside the limit
            for c in conns:
                for _ in range(20):
                    self.assertEqual(c.read_response().status, 200)
            for c in conns:
                try:
                    c.send(far_over)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # refused and closed before all of it was sent
            for c in conns:
                r = c.read_response()
                self.assertEqual(r.status, 431)
                c.wait_closed()
                c.close()
            growth = rss_kib(pid) - rss_before
        report("huge header counts", attackers=attackers, rss_growth_kib=growth)
        self.assert_rss_bound(growth, attackers * 256)
        self.assert_loop_bound(probe, "huge header counts")
        self.honest.verify(self)

    def test_malformed_heads_are_refused_and_closed(self):
        heads = [
            (b"GET / HTTP/1.1\r\nHost: x\r\n\rSome-Header: y\r\n\r\n", 400),
            (b"POST /publish HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 400),
            (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400),
            (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
            (b"GET /\r\n\r\n", 400),
        ]
        pid = self.hub.proc.pid
        fds_before = fd_count(pid)
        with LoopProbe(self.hub.addr, separate_process=True) as probe, self.honest:
            for _ in range(20):
                conns = []
                for head, _status in heads:
                    c = Conn(self.hub.addr, timeout=10.0)
                    # A valid request pipelined behind it must not be answered.
                    c.send(head + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    conns.append(c)
                for c, (head, status) in zip(conns, heads):
                    self.assertEqual(c.read_response().status, status, head)
                    self.assertEqual(c.wait_closed(), b"", head)
                    c.close()
        self.assert_loop_bound(probe, "malformed heads")
        self.honest.verify(self)
        wait_until(lambda: fd_count(pid) <= fds_before, timeout=10.0,
                   message="descriptors not released")


if __name__ == "__main__":
    import unittest
    unittest.main()
