"""Limits (SPEC.md "Limits", issue 5): each limit answered with its status code,
counted in /metrics and logged, and crossing it harms nobody else."""

import json
import resource
import socket
import time
import unittest

from harness import (Conn, ConnectionClosed, Hub, HubTestCase, SseClient, connect, http_request,
                     metrics, publish, publish_ok, read_all, wait_until)




def rejected(addr, reason):
    return metrics(addr)['ssehub_rejected_requests_total{reason="%s"}' % reason]


def raw_exchange(addr, data, timeout=5.0):
    """Send raw bytes, read until the hub closes; return everything received."""
    s = connect(addr, timeout)
    s.sendall(data)
    out = read_all(s, timeout)
    s.close()
    return out


class SubscriberLimitTest(HubTestCase):
    def test_max_subscribers_answers_503_with_retry_after(self):
        hub = self.start_hub("--max-subscribers", "2")
        a = self.subscribe(hub.addr)
        self.subscribe(hub.addr)
        third = SseClient(hub.addr, expect_status=None, wait_open=False)
        self.addCleanup(third.close)
        self.assertEqual(third.status, 503)
        self.assertIn("retry-after", third.headers)
        self.assertEqual(rejected(hub.addr, "too_many_subscribers"), 1)
        hub.wait_for_log("too many subscribers")
        # The ones inside the limit are unaffected; a freed place can be taken again.
        self.assert_next_event(a, "t", "x", publish_ok(hub.addr, "t", "x")["id"])
        a.close()
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 1)
        self.subscribe(hub.addr)


class RequestSizeTest(HubTestCase):
    def test_request_line_over_the_limit_is_414_then_close(self):
        hub = self.start_hub("--max-header-bytes", "1K")
        reply = raw_exchange(hub.addr, b"GET /" + b"a" * 2000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 414 "), reply[:80])
        self.assertEqual(rejected(hub.addr, "uri_too_long"), 1)

    def test_headers_over_the_limit_are_431_then_close(self):
        hub = self.start_hub("--max-header-bytes", "1K")
        headers = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"v" * 100) for i in range(20))
        reply = raw_exchange(hub.addr, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 431 "), reply[:80])
        self.assertEqual(rejected(hub.addr, "header_too_large"), 1)
        hub.wait_for_log("431")

    def test_body_over_the_limit_is_413_by_content_length(self):
        hub = self.start_hub("--max-event-bytes", "1K")
        reply = raw_exchange(hub.addr, b"POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                             b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 413 "), reply[:80])

    def test_chunked_body_growing_past_the_limit_is_413_while_reading(self):
        hub = self.start_hub("--max-event-bytes", "1K")
        client = self.subscribe(hub.addr)
        s = connect(hub.addr)
        s.sendall(b"POST /publish HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                  b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
        s.sendall(b"400\r\n" + b"data=" + b"z" * 1019 + b"\r\n")
        s.sendall(b"400\r\n" + b"z" * 1024 + b"\r\n")  # past the limit; no terminating chunk
        reply = s.recv(4096)
        s.close()
        self.assertTrue(reply.startswith(b"HTTP/1.1 413 "), reply[:80])
        self.assertEqual(rejected(hub.addr, "body_too_large"), 1)
        self.assert_nothing_broadcast(hub, client)


class RequestTimeoutTest(HubTestCase):
    def assert_closed_by_hub(self, s, timeout=5.0):
        deadline = time.monotonic() + timeout
        s.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                if s.recv(4096) == b"":
                    return
            except socket.timeout:
                continue
            except ConnectionResetError:
                return
        self.fail("hub did not close the connection")

    def trickle(self, s, data, until_closed):
        """Send one byte at a time, 100 ms apart, until the hub closes."""
        s.settimeout(0.1)
        deadline = time.monotonic() + 6
        for byte in data:
            try:
                s.sendall(bytes([byte]))
                if s.recv(4096) == b"":
                    return True
            except socket.timeout:
                pass
            except (BrokenPipeError, ConnectionResetError):
                return True
            if time.monotonic() > deadline:
                break
        return False

    def test_trickled_request_line_headers_and_stalled_body_are_cut(self):
        hub = self.start_hub("--request-timeout", "1")
        subscriber = self.subscribe(hub.addr)
        line = connect(hub.addr)
        self.addCleanup(line.close)
        self.assertTrue(self.trickle(line, b"GET /healthz" + b"x" * 200, True))
        headers = connect(hub.addr)
        self.addCleanup(headers.close)
        headers.sendall(b"GET /healthz HTTP/1.1\r\n")
        self.assertTrue(self.trickle(headers, b"X-Slow: " + b"y" * 200, True))
        body = connect(hub.addr)
        self.addCleanup(body.close)
        body.sendall(b"POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nevent=a")
        self.assert_closed_by_hub(body)
        wait_until(lambda: rejected(hub.addr, "timeout") == 3)
        hub.wait_for_log("request-timeout")
        # The established subscriber was not cut by the request timeout.
        self.assert_next_event(subscriber, "t", "still here",
                               publish_ok(hub.addr, "t", "still here")["id"])

    def test_a_slow_but_complete_request_is_served(self):
        hub = self.start_hub("--request-timeout", "3")
        s = connect(hub.addr)
        for piece in (b"GET /hea", b"lthz HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
            s.sendall(piece)
            time.sleep(0.2)  # the trickle itself is the test's input, not a wait
        s.settimeout(5)
        self.assertTrue(s.recv(4096).startswith(b"HTTP/1.1 200 "))
        s.close()

    def test_idle_keep_alive_connections_are_closed_without_counting(self):
        hub = self.start_hub("--request-timeout", "1")
        conn = Conn(hub.addr)
        self.assertEqual(conn.request("GET", "/healthz").status, 200)
        self.assertEqual(conn.wait_closed(5), b"")  # closed, with nothing more sent
        self.assertEqual(rejected(hub.addr, "timeout"), 0)


class MalformedTest(HubTestCase):
    SHAPES = {
        "content-length and transfer-encoding":
            b"POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "two different content-lengths":
            b"POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n",
        "bad chunk size":
            b"POST /publish HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "NUL in a header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
        "bare CR in a header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
        "missing Host": b"GET /healthz HTTP/1.1\r\n\r\n",
        "two Hosts": b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "bad content-length": b"POST /publish HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
        "space before colon": b"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n",
        "garbage": b"\x00\x01\x02\r\n\r\n",
    }

    def test_smuggling_shapes_and_malformed_requests_are_400_and_close(self):
        hub = self.start_hub()
        client = self.subscribe(hub.addr)
        for name, request in self.SHAPES.items():
            with self.subTest(name):
                reply = raw_exchange(hub.addr, request)
                self.assertTrue(reply.startswith(b"HTTP/1.1 400 "), (name, reply[:120]))
        self.assertEqual(rejected(hub.addr, "bad_request"), len(self.SHAPES))
        self.assert_nothing_broadcast(hub, client)


class SlowSubscriberTest(HubTestCase):
    def test_a_subscriber_that_never_reads_is_dropped_and_others_get_everything(self):
        hub = self.start_hub("--max-queued-bytes", "64K", "--history-bytes", "64M",
                             "--history-events", "100000")
        good = self.subscribe(hub.addr)
        stalled = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(hub.addr)
        self.addCleanup(stalled.close)
        stalled.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 2)
        payload = "p" * 30000
        ids = []
        conn = Conn(hub.addr)
        self.addCleanup(conn.close)
        for i in range(2000):
            r = conn.request("POST", "/publish", {"Content-Type": "application/json"},
                             json.dumps({"event": "big", "data": "%d %s" % (i, payload)}).encode())
            self.assertEqual(r.status, 202)
            ids.append(json.loads(r.body)["id"])
            # Read as we go, so the good subscriber is never the slow one.
            self.assertEqual(good.next_event(10).data, "%d %s" % (i, payload))
            if metrics(hub.addr)["ssehub_slow_subscribers_dropped_total"] == 1:
                break
        else:
            self.fail("the stalled subscriber was never dropped")
        hub.wait_for_log("dropped slow subscriber")
        self.assertEqual(metrics(hub.addr)["ssehub_subscribers"], 1)
        # The dropped one comes back with its last id and misses nothing.
        received = bytearray()
        stalled.settimeout(5)
        while True:
            try:
                chunk = stalled.recv(1 << 20)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
        last_id = None
        for line in bytes(received).split(b"\n"):
            if line.startswith(b"id: "):
                last_id = line[4:].decode()
        self.assertIsNotNone(last_id)
        resumed = self.subscribe(hub.addr, headers={"Last-Event-ID": last_id})
        missed = ids[ids.index(last_id) + 1:]
        events = resumed.next_events(len(missed), timeout=20)
        self.assertEqual([e.own_id for e in events], missed)


class DescriptorLimitTest(unittest.TestCase):
    def test_out_of_descriptors_answers_503_without_spinning_and_recovers(self):
        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

        import harness
        original = harness.subprocess.Popen

        class LimitedPopen(original):
            def __init__(self, *args, **kwargs):
                kwargs["preexec_fn"] = low_limit
                super().__init__(*args, **kwargs)

        harness.subprocess.Popen = LimitedPopen
        try:
            hub = Hub()
        finally:
            harness.subprocess.Popen = original
        self.addCleanup(hub.cleanup)
        self.addCleanup(hub.stop)
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        answers = []
        for _ in range(60):
            s = connect(hub.addr)
            socks.append(s)
            s.settimeout(0.05)
            try:
                answers.append(s.recv(4096))
            except socket.timeout:
                answers.append(None)
        refused = [a for a in answers if a and a.startswith(b"HTTP/1.1 503 ")]
        self.assertTrue(refused, "no connection was refused with 503")
        hub.wait_for_log("refused a connection")
        # CPU time stays low while the hub is at its limit: the loop does not spin.
        with open("/proc/%d/stat" % hub.pid) as f:
            before = sum(int(x) for x in f.read().split()[13:15])
        for s in socks:
            s.close()
        socks.clear()
        # The hub notices the closes on its own time; then it serves again.
        wait_until(lambda: http_request(hub.addr, "GET", "/healthz").status == 200, timeout=10)
        with open("/proc/%d/stat" % hub.pid) as f:
            after = sum(int(x) for x in f.read().split()[13:15])
        self.assertLess(after - before, 100, "hub used %d ticks of CPU" % (after - before))
        self.assertGreaterEqual(
            metrics(hub.addr)['ssehub_rejected_requests_total{reason="out_of_descriptors"}'],
            len(refused))


if __name__ == "__main__":
    unittest.main()
