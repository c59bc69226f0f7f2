"""Hostile TLS clients (issue 16): each attack beside honest subscribers and a probe asking
/healthz on the plain port over and over; asserts memory per attacking connection, the worst
/healthz answer (printed for the report) and that the honest subscribers lost nothing.

  stalled handshakes   hundreds of connections that send half a ClientHello, or nothing
  handshake churn      full handshakes as fast as a client can make them
  renegotiation        a TLS 1.2 client asks to renegotiate: refused with an alert
  weak suites          (test_tls.TlsCiphers) and encrypted keys (test_tls.TlsEncryptedKey)"""

import socket
import subprocess
import sys
import time
import unittest

from harness import requires, connect, metrics, wait_until
from hostile_support import (LoopProbe, assert_rss_growth_below, check_honest_subscribers,
                             fd_count, rss_kib, stall_bound)
from tls_support import TlsHubTestCase, have_tls, tls_socket
import harness


def report(what, **figures):
    print("\n  [%s] %s" % (what, ", ".join("%s=%s" % kv for kv in figures.items())),
          file=sys.stderr)


def client_hello_head():
    """The first 60 bytes of a real ClientHello (what a stalled handshake sends)."""
    a, b = socket.socketpair()
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ssl_sock = ctx.wrap_socket(a, server_hostname="localhost", do_handshake_on_connect=False)
    ssl_sock.setblocking(False)
    try:
        ssl_sock.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = b.recv(65536)
    ssl_sock.close()
    b.close()
    return hello[:60]


@requires(have_tls(harness.hub_binary()), "ssehub built without OpenSSL")
class HostileTls(TlsHubTestCase):
    def start(self, *args):
        self.hub, self.tls, self.plain = self.start_tls_hub(*args)
        self.honest = [self.subscribe(self.plain) for _ in range(2)]
        wait_until(lambda: metrics(self.plain)["ssehub_subscribers"] == 2)

    def test_stalled_handshakes_are_closed_at_the_request_timeout(self):
        # 8 s: opening the 300 connections must end before the first is closed, also on a
        # loaded CI machine (with 2 s and 4 s it did not, beside the browser suites).
        timeout = 8
        self.start("--request-timeout", str(timeout))
        before_rss, before_fds = rss_kib(self.hub.pid), fd_count(self.hub.pid)
        head = client_hello_head()
        socks = []
        with LoopProbe(self.plain) as probe:
            started = time.monotonic()
            for i in range(300):
                s = connect(self.tls)
                self.addCleanup(s.close)
                if i % 2:
                    s.sendall(head)  # half a ClientHello, then nothing
                socks.append(s)
            # Less two: a connection of start()'s last /metrics request may still have been
            # open in the hub when before_fds was taken (seen as 299 of 300, old build too).
            wait_until(lambda: fd_count(self.hub.pid) >= before_fds + 298, timeout)
            grown = (rss_kib(self.hub.pid) - before_rss) / len(socks)
            # Every one closed by the hub, at the timeout and not before.
            for s in socks:
                s.settimeout(10)
                try:
                    self.assertEqual(s.recv(4096)[:0], b"")
                except ConnectionResetError:
                    pass
            took = time.monotonic() - started
            check_honest_subscribers(self, self.honest, self.plain, label="stalled")
        report("stalled handshakes", connections=len(socks),
               rss_growth_kib_per_conn="%.1f" % grown, all_closed_after_s="%.1f" % took,
               worst_healthz_s="%.3f" % probe.worst)
        self.assertGreaterEqual(took, timeout - 0.5)
        self.assertLess(took, timeout + 4)
        assert_rss_growth_below(self, grown, 64)  # KiB per stalled connection
        wait_until(lambda: fd_count(self.hub.pid) <= before_fds + 2, 5)
        self.assertEqual(probe.failures, [])
        self.assertLess(probe.worst, stall_bound(1.0))

    def test_handshake_churn_leaves_the_loop_answering(self):
        self.start()
        before_fds = fd_count(self.hub.pid)
        with LoopProbe(self.plain) as probe:
            started = time.monotonic()
            count = 0
            while time.monotonic() - started < 3:
                s = tls_socket(self.tls)
                s.close()
                count += 1
            check_honest_subscribers(self, self.honest, self.plain, label="churn")
        report("handshake churn", handshakes=count, worst_healthz_s="%.3f" % probe.worst)
        wait_until(lambda: fd_count(self.hub.pid) <= before_fds + 2, 5)
        self.assertEqual(probe.failures, [])
        self.assertLess(probe.worst, stall_bound(1.0))

    def test_renegotiation_is_refused(self):
        self.start()
        with LoopProbe(self.plain) as probe:
            p = subprocess.Popen(["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.tls,
                                  "-tls1_2", "-servername", "localhost"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
            self.addCleanup(p.wait)
            self.addCleanup(p.kill)
            # "R" asks s_client to renegotiate once connected.
            p.stdin.write(b"R\n")
            p.stdin.flush()
            text = b""
            deadline = time.monotonic() + 10
            while b"no renegotiation" not in text and time.monotonic() < deadline:
                chunk = p.stdout.read1(4096)
                if not chunk:
                    break
                text += chunk
            check_honest_subscribers(self, self.honest, self.plain, label="reneg")
        report("renegotiation", worst_healthz_s="%.3f" % probe.worst)
        self.assertIn(b"RENEGOTIATING", text)
        self.assertIn(b"no renegotiation", text)
        self.assertEqual(probe.failures, [])


if __name__ == "__main__":
    unittest.main()
