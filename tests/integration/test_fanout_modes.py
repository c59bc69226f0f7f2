"""Both ways a fan-out reaches the kernel (--io-uring auto: the pass's writes submitted together
through io_uring; off: one send() per delivery) deliver the same thing: every event, once, in
order, intact, to fast subscribers and to a slow reader whose socket keeps taking only part of
a frame (the short-send and EAGAIN paths, finished by libuv). The start-up log names the way in
use. The same holds over TLS (HTTP/1.1 and HTTP/2), whose ciphertext joins the same pass."""

import ctypes
import json
import os
import platform
import ssl
import socket
import threading
import time
import unittest

from harness import Conn, HubTestCase, hub_binary, metrics, require, requires, wait_until
from h2_raw import DATA, WINDOW_UPDATE, RawH2, settings
from tls_support import TlsHubTestCase, TlsSseClient, h2_offered, have_tls

# More than the hub's socket send buffer can hold (tcp_wmem's maximum is 4 MiB), so the slow
# reader's sends come back short or EAGAIN, in the io_uring batch as well as outside it.
EVENTS = 120
PAYLOAD = "x" * 60000


def kernel_offers_io_uring():
    """Whether io_uring_setup() works here (not disabled by sysctl or seccomp)."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "aarch64"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)  # struct io_uring_params, zeroed
    fd = libc.syscall(425, 1, params)  # __NR_io_uring_setup, the same on x86_64 and aarch64
    if fd < 0:
        return False
    os.close(fd)
    return True


TLS_CLIENT = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
TLS_CLIENT.check_hostname = False
TLS_CLIENT.verify_mode = ssl.CERT_NONE
TLS_CLIENT.set_alpn_protocols(["http/1.1"])


def sse_events(text):
    """(id, data) of every complete event block of an event stream's body."""
    out = []
    for block in text.split("\n\n")[:-1]:
        fields = dict(line.split(": ", 1) for line in block.split("\n")
                      if ": " in line and not line.startswith(":"))
        if "data" in fields:
            out.append((fields.get("id"), fields["data"]))
    return out


class SlowReader:
    """A subscriber with a 4 KiB receive buffer that reads a little at a time, so the hub's
    sends to it keep coming back short or EAGAIN. Counts the complete events it has."""

    def __init__(self, addr, tls_port=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        if tls_port is None:
            self.sock.connect(addr)
        else:  # the same, over TLS: the hub's short sends are then of ciphertext
            self.sock.connect(("127.0.0.1", tls_port))
            self.sock = TLS_CLIENT.wrap_socket(self.sock, server_hostname="localhost")
        self.sock.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        self.data = bytearray()
        self.lock = threading.Lock()
        self.done = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.5)
        while not self.done:
            try:
                chunk = self.sock.recv(16384)
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.data += chunk
            time.sleep(0.001)  # a slow consumer, on purpose

    def count(self):
        with self.lock:
            return self.data.count(b"\n\n") - 1  # less the stream's opening block

    def events(self):
        """(id, data) of every complete event block received so far."""
        with self.lock:
            text = bytes(self.data).decode("utf-8", "replace")
        return sse_events(text.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in text else "")

    def close(self):
        self.done = True
        self.sock.close()
        self.thread.join(5)


class FanOutModesTest(HubTestCase):
    def run_mode(self, mode):
        hub = self.start_hub("--io-uring", mode, "--max-queued-bytes", "16M")
        line = hub.wait_for_log(r"info: fan-out: ")
        fast = [self.subscribe(hub.addr) for _ in range(3)]
        slow = SlowReader(hub.addr)
        self.addCleanup(slow.close)
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 4)
        sent = publish_events(self, hub.addr, EVENTS, PAYLOAD)
        for client in fast:
            got = [(e.own_id, e.data) for e in client.next_events(EVENTS, timeout=30)]
            self.assertTrue(got == sent, "a fast subscriber's events differ from those sent")
        wait_until(lambda: slow.count() >= EVENTS, timeout=60,
                   message="the slow reader did not get every event")
        self.assertTrue(slow.events() == sent, "the slow reader's events differ from those sent")
        m = metrics(hub.addr)
        self.assertEqual(m["ssehub_slow_subscribers_dropped_total"], 0)
        self.assertEqual(m["ssehub_subscribers"], 4)
        return line, m

    def test_auto_hands_the_writes_to_io_uring_or_says_why_not(self):
        line, m = self.run_mode("auto")
        self.assertTrue("through io_uring" in line or "io_uring unavailable" in line, line)
        if not kernel_offers_io_uring():
            self.assertEqual(m["ssehub_uring_sends_total"], 0)
            return
        require("built without liburing" not in line,
                "the kernel offers io_uring but this build lacks liburing")
        # The kernel offers it and the hub has it: the ring must really have carried sends (a
        # subscriber's send goes to the ring when its queue is idle at the fan-out: measured
        # 256 of the 480 deliveries here; a busy machine leaves more queues busy, so the bound
        # is loose, but a path that never ran gives 0).
        self.assertIn("through io_uring", line)
        self.assertGreaterEqual(m["ssehub_uring_sends_total"], EVENTS // 4)

    def test_off_sends_one_by_one(self):
        line, m = self.run_mode("off")
        self.assertIn("one send() per delivery (--io-uring off)", line)
        self.assertEqual(m["ssehub_uring_sends_total"], 0)


def publish_events(test, addr, count, payload):
    """Publishes `count` events over one keep-alive connection -> [(id, data)] in order."""
    conn = Conn(addr)
    test.addCleanup(conn.close)
    sent = []
    for i in range(count):
        body = json.dumps({"event": "e", "data": "%d %s" % (i, payload)}).encode()
        r = conn.request("POST", "/publish", {"Content-Type": "application/json"}, body)
        test.assertEqual(r.status, 202, r.body)
        sent.append((json.loads(r.body)["id"], "%d %s" % (i, payload)))
    return sent


@requires(have_tls(hub_binary()), "ssehub built without TLS (libssl-dev)")
class TlsFanOutTest(TlsHubTestCase):
    """Encrypted subscribers in the io_uring pass: the ciphertext of HTTP/1.1 over TLS and of
    HTTP/2 sessions goes out with the pass's submission, and what the socket does not take
    (a slow reader) follows through libuv, in order."""

    def h2_subscriber(self, port, streams=1):
        """An HTTP/2 connection with event streams 1, 3, ... and windows opened wide."""
        h2 = RawH2(port, settings(INITIAL_WINDOW_SIZE=2**31 - 1))
        self.addCleanup(h2.close)
        h2.send(WINDOW_UPDATE, 0, 0, (2**31 - 1 - 65535).to_bytes(4, "big"))
        h2.handshake()
        for i in range(streams):
            h2.request(1 + 2 * i, "GET", "/events", end_stream=True)
        h2.wait_for(lambda: all(h2.of(DATA, 1 + 2 * i) for i in range(streams)),
                    what="the streams' opening comments")
        return h2

    @requires(h2_offered(), "ssehub built without nghttp2 (libnghttp2-dev)")
    def test_a_pass_of_more_than_64_kib_to_one_h2_connection_is_all_sent(self):
        # The session writes 64 KiB, then waits for its output to drain; that output went
        # with the pass's io_uring submission, and its completion must wake the session as a
        # uv_write's would (before, 33 of 100 streams had the event after 12 s).
        hub, tls_port, plain = self.start_tls_hub("--max-queued-bytes", "16M")
        h2 = self.h2_subscriber(tls_port, streams=100)
        wait_until(lambda: metrics(("127.0.0.1", plain))["ssehub_subscribers"] == 100)
        before = {s: len(h2.body(s)) for s in range(1, 200, 2)}
        publish_events(self, ("127.0.0.1", plain), 1, "y" * 2000)
        h2.wait_for(lambda: all(len(h2.body(s)) - before[s] >= 2000 for s in before),
                    timeout=10, what="the event on every one of the 100 streams")

    def test_tls_and_h2_writes_join_the_pass_and_arrive_in_order(self):
        hub, tls_port, plain = self.start_tls_hub("--max-queued-bytes", "16M")
        line = hub.wait_for_log(r"info: fan-out: ")
        fast = [TlsSseClient(tls_port) for _ in range(3)]
        for c in fast:
            self.addCleanup(c.close)
        slow = SlowReader(None, tls_port=tls_port)
        self.addCleanup(slow.close)
        with_h2 = h2_offered()
        h2 = self.h2_subscriber(tls_port) if with_h2 else None
        expected = 4 + (1 if with_h2 else 0)
        wait_until(lambda: metrics(("127.0.0.1", plain))["ssehub_subscribers"] == expected)
        sent = publish_events(self, ("127.0.0.1", plain), EVENTS, PAYLOAD)
        for client in fast:
            got = [(e.own_id, e.data) for e in client.next_events(EVENTS, timeout=30)]
            self.assertTrue(got == sent, "a TLS subscriber's events differ from those sent")
        wait_until(lambda: slow.count() >= EVENTS, timeout=60,
                   message="the slow TLS reader did not get every event")
        self.assertTrue(slow.events() == sent,
                        "the slow TLS reader's events differ from those sent")
        if h2:
            # Counting blank lines, not parsing, while the 7 MB arrive a TLS record at a time.
            h2.wait_for(lambda: h2.body(1).count(b"\n\n") >= EVENTS + 1, timeout=60,
                        what="every event on the HTTP/2 stream")
            self.assertTrue(sse_events(h2.body(1).decode()) == sent,
                            "the HTTP/2 stream's events differ from those sent")
            # A publish on the subscriber's own connection: the pass it starts ends inside
            # nghttp2's input callbacks, where the session must not be entered; its event still
            # reaches the stream (on the next loop turn), and the answer comes back.
            h2.request(3, "POST", "/publish", end_stream=False,
                       headers=[(31, "application/x-www-form-urlencoded")])  # content-type
            h2.data(3, b"data=same-connection", end_stream=True)
            h2.wait_for(lambda: b"data: same-connection" in h2.body(1) and h2.body(3),
                        what="the event published on the stream's own connection")
            self.assertIn(b'"id"', h2.body(3))
        m = metrics(("127.0.0.1", plain))
        self.assertEqual(m["ssehub_slow_subscribers_dropped_total"], 0)
        self.assertEqual(m["ssehub_subscribers"], expected)
        if kernel_offers_io_uring() and "through io_uring" in line:
            # Only encrypted subscribers: every send the ring made was ciphertext (before TLS
            # joined the pass this was 0).
            self.assertGreaterEqual(m["ssehub_uring_sends_total"], EVENTS // 4)
        else:
            require(not kernel_offers_io_uring(),
                    "the kernel offers io_uring but the hub does not use it: " + line)


if __name__ == "__main__":
    unittest.main()
