"""HTTP/2 over TLS (issue 9), driven by nghttp2's own clients (Debian nghttp2-client): many
event streams on one connection, every endpoint over h2, flow control windows that stay closed
count against max-queued-bytes, GOAWAY on shutdown, and h2load."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from harness import metrics, publish_ok, requires, stop_process, wait_until
from h2_raw import CANCEL, DATA, END_STREAM, GOAWAY, HEADERS, RST_STREAM, RawH2
from tls_support import TlsHubTestCase, h2_offered, tls_socket

NGHTTP = shutil.which("nghttp")
H2LOAD = shutil.which("h2load")


H2_STREAMS = 'ssehub_multiplexed_streams{protocol="h2"}'
H2_CONNECTIONS = 'ssehub_multiplexed_connections{protocol="h2"}'


class Nghttp:
    """`nghttp -v ...` in the background; its output (frames and bodies) read as it comes."""

    def __init__(self, args):
        self.out = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([NGHTTP, "-v"] + list(args), stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=subprocess.STDOUT)

    def text(self):
        self.out.seek(0)
        return self.out.read().decode("utf-8", "replace")

    def wait_for(self, pred, timeout=10.0, what="nghttp output"):
        try:
            return wait_until(lambda: pred(self.text()), timeout)
        except AssertionError:
            raise AssertionError("%s not seen within %.0f s; nghttp printed:\n%s"
                                 % (what, timeout, self.text()[-3000:])) from None

    def wait_exit(self, timeout=10.0):
        return self.proc.wait(timeout=timeout)

    def close(self):
        stop_process(self.proc)
        self.out.close()


@requires(NGHTTP and H2LOAD, "nghttp2-client (nghttp, h2load) is not installed")
@requires(h2_offered(), "ssehub built without TLS or nghttp2")
class H2TestCase(TlsHubTestCase):
    def start_h2_hub(self, *args):
        hub, self.tls, self.plain = self.start_tls_hub(*args)
        self.base = "https://127.0.0.1:%d" % self.tls
        return hub

    def nghttp(self, *args):
        n = Nghttp(args)
        self.addCleanup(n.close)
        return n

    def run_nghttp(self, *args, timeout=20):
        r = subprocess.run([NGHTTP, "-v"] + list(args), capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return r.stdout + r.stderr


class H2Streams(H2TestCase):
    def test_a_hundred_event_streams_share_one_connection(self):
        hub = self.start_h2_hub()
        n = self.nghttp("-m", "100", "-H", "accept: text/event-stream",
                        self.base + "/events?topic=news")
        wait_until(lambda: metrics(self.plain)["ssehub_subscribers"] == 100, 10,
                   message="100 h2 subscribers never registered")
        m = metrics(self.plain)
        self.assertEqual(m[H2_CONNECTIONS], 1)
        self.assertEqual(m[H2_STREAMS], 100)
        self.assertEqual(m["ssehub_connections"], 2)  # the h2 one and this /metrics request
        doc = publish_ok(self.plain, "headline", "one for all", topic="news")
        self.assertEqual(doc["subscribers"], 100)
        n.wait_for(lambda t: t.count("data: one for all") == 100, what="100 deliveries")
        self.assertEqual(n.text().count("id: %s" % doc["id"]), 100)
        self.assertEqual(
            len(re.findall(r"recv \(stream_id=\d+\) content-type: text/event-stream", n.text())),
            100)

    def test_server_settings_size_concurrent_streams_from_max_subscribers(self):
        self.start_h2_hub("--max-subscribers", "300")
        out = self.run_nghttp(self.base + "/healthz")
        self.assertIn("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):316]", out)
        self.assertRegex(out, r"recv \(stream_id=\d+\) :status: 200")

    def test_endpoints_over_h2(self):
        self.start_h2_hub()
        out = self.run_nghttp(self.base + "/healthz")
        self.assertRegex(out, r":status: 200")
        self.assertIn("ok", out)
        out = self.run_nghttp(self.base + "/metrics")
        self.assertIn("ssehub_multiplexed_connections{protocol=\"h2\"} 1", out)
        out = self.run_nghttp(self.base + "/")
        self.assertRegex(out, r"content-type: text/html")
        out = self.run_nghttp(self.base + "/nowhere")
        self.assertRegex(out, r":status: 404")
        out = self.run_nghttp("-H", ":method: PUT", self.base + "/publish")
        self.assertRegex(out, r":status: 405")
        self.assertIn("allow: POST, OPTIONS", out)
        out = self.run_nghttp("-H", ":method: OPTIONS", self.base + "/events")
        self.assertRegex(out, r":status: 204")
        self.assertIn("access-control-allow-methods", out)

    def test_publish_over_h2_reaches_http11_subscribers(self):
        self.start_h2_hub()
        sub = self.subscribe(self.plain)
        body = os.path.join(self.cert.dir, "body")
        with open(body, "w") as f:
            f.write("event=via-h2&data=hello+there")
        out = self.run_nghttp("-d", body, "-H", "content-type: application/x-www-form-urlencoded",
                              self.base + "/publish")
        self.assertRegex(out, r":status: 202")
        self.assertRegex(out, r'"subscribers":1')
        self.assert_next_event(sub, "via-h2", "hello there")

    def test_limits_hold_over_h2(self):
        self.start_h2_hub("--max-header-bytes", "1K", "--max-event-bytes", "1K")
        out = self.run_nghttp("-H", "x-pad: " + "v" * 2000, self.base + "/healthz")
        self.assertRegex(out, r":status: 431")
        body = os.path.join(self.cert.dir, "big")
        with open(body, "w") as f:
            f.write("data=" + "x" * 5000)
        out = self.run_nghttp("-d", body, "-H", "content-type: application/x-www-form-urlencoded",
                              self.base + "/publish")
        self.assertRegex(out, r":status: 413")
        m = metrics(self.plain)
        self.assertEqual(m['ssehub_rejected_requests_total{reason="header_too_large"}'], 1)
        self.assertEqual(m['ssehub_rejected_requests_total{reason="body_too_large"}'], 1)

    def test_resume_over_h2_replays_after_last_event_id(self):
        self.start_h2_hub()
        ids = [publish_ok(self.plain, "r", "n%d" % i)["id"] for i in range(3)]
        n = self.nghttp("-H", "accept: text/event-stream", "-H", "last-event-id: " + ids[0],
                        self.base + "/events")
        n.wait_for(lambda t: "data: n2" in t, what="replayed events")
        text = n.text()
        self.assertNotIn("data: n0", text)
        self.assertLess(text.index("data: n1"), text.index("data: n2"))


class H2FlowControl(H2TestCase):
    def check_closed_window_drops(self, window_args):
        self.start_h2_hub("--max-queued-bytes", "16K")
        good = self.subscribe(self.plain)
        stalled = self.nghttp(*(window_args + ["-H", "accept: text/event-stream",
                                               self.base + "/events"]))
        wait_until(lambda: metrics(self.plain)["ssehub_subscribers"] == 2)
        payload = "w" * 2000
        for i in range(200):
            publish_ok(self.plain, "fill", "%d %s" % (i, payload))
            self.assertEqual(good.next_event(5).data, "%d %s" % (i, payload))
            if metrics(self.plain)["ssehub_slow_subscribers_dropped_total"] == 1:
                break
        else:
            self.fail("a stream whose window stayed closed was never dropped")
        stalled.wait_for(lambda t: "recv RST_STREAM" in t, what="RST_STREAM")
        self.assertEqual(metrics(self.plain)["ssehub_subscribers"], 1)
        # Others are unaffected, and the connection itself still serves.
        doc = publish_ok(self.plain, "after", "x")
        self.assert_next_event(good, "after", "x", doc["id"])

    def test_a_stream_window_that_stays_closed_counts_like_a_slow_subscriber(self):
        self.check_closed_window_drops(["-w", "1"])

    def test_a_connection_window_that_stays_closed_counts_too(self):
        self.check_closed_window_drops(["-W", "1"])


class H2Lifecycle(H2TestCase):
    def test_sigterm_ends_streams_with_goaway_and_exits_0(self):
        hub = self.start_h2_hub()
        n = self.nghttp("-H", "accept: text/event-stream", self.base + "/events")
        wait_until(lambda: metrics(self.plain)["ssehub_subscribers"] == 1)
        publish_ok(self.plain, "last", "words")
        n.wait_for(lambda t: "data: words" in t)
        hub.signal(signal.SIGTERM)
        self.assertEqual(hub.wait_exit(10), 0)
        self.assertEqual(n.wait_exit(10), 0)
        text = n.text()
        self.assertIn("recv GOAWAY", text)
        self.assertRegex(text, r"recv DATA frame <length=0, flags=0x01")  # END_STREAM

    def test_idle_h2_connection_gets_goaway_at_the_request_timeout(self):
        self.start_h2_hub("--request-timeout", "1")
        # A connection that only sends the preface and SETTINGS: nghttp with no request cannot
        # do that, so use raw frames over TLS.
        s = tls_socket(self.tls, alpn=("h2",))
        self.addCleanup(s.close)
        s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        s.settimeout(5)
        data = b""
        start = time.monotonic()
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        self.assertLess(time.monotonic() - start, 4.5)
        # A GOAWAY frame (type 7) came before the close.
        self.assertIn(b"\x07\x00\x00\x00\x00\x00", data)

    def test_a_request_that_never_ends_is_reset_at_the_request_timeout(self):
        hub = self.start_h2_hub("--request-timeout", "1")
        c = RawH2(self.tls)
        self.addCleanup(c.close)
        c.request(1, "GET", "/events?topic=slow", end_stream=True)
        wait_until(lambda: metrics(self.plain)["ssehub_subscribers"] == 1, 5)
        # A publish whose headers came but whose body never will.
        form = (31, "application/x-www-form-urlencoded")  # content-type: static 31
        started = time.monotonic()
        c.request(3, "POST", "/publish", end_stream=False, headers=[form])
        c.wait_for(lambda: c.of(RST_STREAM, 3), timeout=5, what="RST_STREAM on stream 3")
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 0.8)
        self.assertLess(elapsed, 3.0)
        self.assertEqual(c.rst_code(3), CANCEL)
        self.assertEqual(c.of(HEADERS, 3), [])  # no answer, as over HTTP/1.1
        hub.wait_for_log(r"reset HTTP/2 stream: request not received within "
                         r"request-timeout \(1 s\)")
        m = metrics(self.plain)
        self.assertEqual(m['ssehub_rejected_requests_total{reason="timeout"}'], 1)
        self.assertEqual(m[H2_CONNECTIONS], 1)
        self.assertEqual(m[H2_STREAMS], 1)  # the event stream; the reset one is freed
        # The event stream on the same connection goes on, well past the timeout.
        doc = publish_ok(self.plain, "still", "here", topic="slow")
        self.assertEqual(doc["subscribers"], 1)
        c.wait_for(lambda: b"data: here" in c.body(1), what="the event on stream 1")
        # So does publishing on it: headers, then the body in a DATA frame of its own.
        c.request(5, "POST", "/publish", end_stream=False, headers=[form])
        c.data(5, b"event=after&data=reset&topic=slow", end_stream=True)
        c.wait_for(lambda: any(f[1] & END_STREAM for f in c.of(DATA, 5)),
                   what="the answer to the publish on stream 5")
        self.assertIn(b'"subscribers":1', c.body(5))
        c.wait_for(lambda: b"data: reset" in c.body(1), what="the h2 publish on stream 1")
        # Nothing else was cut: the subscriber was never reset, the connection never closed.
        self.assertIsNone(c.rst_code(1))
        self.assertIsNone(c.rst_code(5))
        self.assertEqual(c.of(GOAWAY, 0), [])
        m = metrics(self.plain)
        self.assertEqual(m['ssehub_rejected_requests_total{reason="timeout"}'], 1)
        self.assertEqual(m["ssehub_subscribers"], 1)

    def test_requests_that_finish_in_time_are_not_cut(self):
        self.start_h2_hub("--request-timeout", "2")
        c = RawH2(self.tls)
        self.addCleanup(c.close)
        c.request(1, "GET", "/events?topic=t", end_stream=True)
        # A body sent in two halves, the second after a while but within the timeout.
        form = (31, "application/x-www-form-urlencoded")
        c.request(3, "POST", "/publish", end_stream=False, headers=[form])
        c.data(3, b"event=slow&data=", end_stream=False)
        deadline = time.monotonic() + 1.0
        c.wait_for(lambda: time.monotonic() >= deadline, what="a second")
        c.data(3, b"but+in+time&topic=t", end_stream=True)
        c.wait_for(lambda: b"data: but in time" in c.body(1), what="the event on stream 1")
        self.assertIsNone(c.rst_code(3))
        # The subscriber outlives several timeouts, and the connection with it.
        deadline = time.monotonic() + 5.0
        c.wait_for(lambda: time.monotonic() >= deadline, timeout=7, what="five seconds")
        self.assertIsNone(c.rst_code(1))
        self.assertEqual(c.of(GOAWAY, 0), [])
        doc = publish_ok(self.plain, "later", "on", topic="t")
        self.assertEqual(doc["subscribers"], 1)
        c.wait_for(lambda: b"data: on" in c.body(1), what="the later event on stream 1")
        self.assertEqual(
            metrics(self.plain).get('ssehub_rejected_requests_total{reason="timeout"}', 0), 0)

    def test_requests_left_unfinished_are_bounded_per_connection(self):
        self.start_h2_hub()
        sub = self.subscribe(self.plain)
        s = tls_socket(self.tls, alpn=("h2",))
        self.addCleanup(s.close)
        # HPACK: :method POST (static 3), :path / (4), :scheme https (7), :authority literal.
        block = b"\x83\x84\x87\x41\x09127.0.0.1"
        frames = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
        for i in range(200):  # HEADERS without END_STREAM: the bodies never come
            frames += (len(block).to_bytes(3, "big") + b"\x01\x04" +
                       (1 + 2 * i).to_bytes(4, "big") + block)
        s.sendall(frames)
        s.settimeout(5)
        data = b""
        refused = 0
        deadline = time.monotonic() + 10
        while refused < 72 and time.monotonic() < deadline:
            data += s.recv(65536)
            refused, pos = 0, 0
            while pos + 9 <= len(data):
                length = int.from_bytes(data[pos:pos + 3], "big")
                if pos + 9 + length > len(data):
                    break
                if data[pos + 3] == 3 and data[pos + 9:pos + 13] == b"\x00\x00\x00\x07":
                    refused += 1  # RST_STREAM, REFUSED_STREAM
                pos += 9 + length
        self.assertEqual(refused, 200 - 128)
        self.assertEqual(metrics(self.plain)[H2_STREAMS], 128)
        doc = publish_ok(self.plain, "others", "fine")
        self.assert_next_event(sub, "others", "fine", doc["id"])

    def test_h2load_against_the_h2_listener(self):
        self.start_h2_hub()
        r = subprocess.run([H2LOAD, "-n", "2000", "-c", "4", "-m", "10",
                            self.base + "/healthz"], capture_output=True, text=True, timeout=60)
        self.assertIn("Application protocol: h2", r.stdout)
        self.assertIn("2000 succeeded", r.stdout, r.stdout)
        self.assertIn("2000 2xx", r.stdout)

    def test_h2_protocol_garbage_after_the_handshake_is_closed_without_harm(self):
        hub = self.start_h2_hub()
        sub = self.subscribe(self.plain)
        s = tls_socket(self.tls, alpn=("h2",))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # not the h2 preface
        s.settimeout(5)
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
        s.close()
        doc = publish_ok(self.plain, "fine", "yes")
        self.assert_next_event(sub, "fine", "yes", doc["id"])
        self.assertEqual(metrics(self.plain)[H2_CONNECTIONS], 0)


if __name__ == "__main__":
    unittest.main()
