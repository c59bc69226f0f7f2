"""The rest of the HTTP surface: /healthz, CORS preflight, 404/405, the built-in
page, keep-alive, pipelining, chunked request bodies, malformed requests."""

import re
import socket
import unittest

from harness import (Conn, HubTestCase, build_request, check_publish_response, chunked,
                     form_body, http_request, metrics, one_line_reason, publish_ok, wait_until)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Endpoints(HubTestCase):
    def setUp(self):
        self.hub = self.start_hub()

    def test_healthz_answers_ok(self):
        r = http_request(self.hub.addr, "GET", "/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body.strip(), b"ok")

    def test_options_preflight_allows_the_headers_browsers_need(self):
        r = http_request(self.hub.addr, "OPTIONS", "/publish", {
            "Origin": "http://example.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, authorization, last-event-id"})
        self.assertIn(r.status, (200, 204), r.body)
        self.assertEqual(r.headers.get("access-control-allow-origin"), "*")
        methods = {m.strip().upper() for m in
                   r.headers.get("access-control-allow-methods", "").split(",")}
        self.assertIn("POST", methods)
        allowed = {h.strip().lower() for h in
                   r.headers.get("access-control-allow-headers", "").split(",")}
        for header in ("last-event-id", "content-type", "authorization"):
            self.assertIn(header, allowed)

    def test_options_preflight_on_the_stream_path(self):
        r = http_request(self.hub.addr, "OPTIONS", "/events", {
            "Origin": "http://example.test", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "last-event-id"})
        self.assertIn(r.status, (200, 204), r.body)
        self.assertEqual(r.headers.get("access-control-allow-origin"), "*")
        allowed = {h.strip().lower() for h in
                   r.headers.get("access-control-allow-headers", "").split(",")}
        self.assertIn("last-event-id", allowed)

    def test_unknown_path_is_404(self):
        r = http_request(self.hub.addr, "GET", "/nope")
        self.assertEqual(r.status, 404)

    def test_wrong_method_on_publish_is_405_with_allow(self):
        for method in ("DELETE", "PUT"):
            with self.subTest(method=method):
                r = http_request(self.hub.addr, method, "/publish")
                self.assertEqual(r.status, 405)
                self.assertIn("POST", r.headers.get("allow", "").upper())

    def test_root_page_is_html_that_reads_the_event_stream(self):
        r = http_request(self.hub.addr, "GET", "/")
        self.assertEqual(r.status, 200)
        self.assertRegex(r.headers.get("content-type", ""), r"^text/html\b")
        page = r.body.decode("utf-8")
        # It reads through /ssehub.js (which parses the stream itself, so it sees every event
        # type, and resumes by id); tests/browser/browser.test.mjs proves it in Chromium.
        self.assertIn('<script src="/ssehub.js"></script>', page)
        self.assertIn("window.ssehub.subscribe(", page)
        self.assertIn("window.ssehub.stats()", page)
        self.assertRegex(page, r"(?i)<html")
        # no external assets: everything the page needs is inline or the hub's own
        self.assertIsNone(re.search(r"""(?i)(src|href)\s*=\s*["']?(https?:)?//""", page))

    def test_root_page_with_browser_accept_header_is_the_page(self):
        r = http_request(self.hub.addr, "GET", "/", {
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
        self.assertEqual(r.status, 200)
        self.assertIn("<title>ssehub</title>", r.body.decode("utf-8"))


class KeepAliveAndPipelining(HubTestCase):
    def setUp(self):
        self.hub = self.start_hub()
        self.sub = self.subscribe(self.hub.addr)

    def test_sequential_requests_share_one_connection(self):
        with Conn(self.hub.addr) as conn:
            for _ in range(3):
                r = conn.request("GET", "/healthz")
                self.assertEqual((r.status, r.body.strip()), (200, b"ok"))
            doc = check_publish_response(
                conn.request("POST", "/publish", FORM, form_body([("data", "ka")])))
            self.assert_next_event(self.sub, "message", "ka", doc["id"])
            r = conn.request("GET", "/healthz")
            self.assertEqual(r.status, 200)

    def test_pipelined_requests_are_answered_in_order(self):
        a = build_request(self.hub.addr, "GET", "/healthz")
        b = build_request(self.hub.addr, "POST", "/publish", FORM,
                          form_body([("event", "piped"), ("data", "one")]))
        c = build_request(self.hub.addr, "GET", "/nope")
        d = build_request(self.hub.addr, "GET", "/healthz")
        with Conn(self.hub.addr) as conn:
            conn.send(a + b + c + d)
            r1 = conn.read_response()
            r2 = conn.read_response()
            r3 = conn.read_response()
            r4 = conn.read_response()
        self.assertEqual((r1.status, r1.body.strip()), (200, b"ok"))
        doc = check_publish_response(r2)
        self.assertEqual(r3.status, 404)
        self.assertEqual((r4.status, r4.body.strip()), (200, b"ok"))
        self.assert_next_event(self.sub, "piped", "one", doc["id"])

    def test_pipelined_publishes_keep_their_order(self):
        reqs = b"".join(build_request(self.hub.addr, "POST", "/publish", FORM,
                                      form_body([("event", "p"), ("data", str(i))]))
                        for i in range(10))
        with Conn(self.hub.addr) as conn:
            conn.send(reqs)
            docs = [check_publish_response(conn.read_response()) for _ in range(10)]
        self.assert_ids_increase([d["id"] for d in docs])
        for i, doc in enumerate(docs):
            self.assert_next_event(self.sub, "p", str(i), doc["id"])

    def test_request_sent_one_byte_at_a_time(self):
        raw = build_request(self.hub.addr, "POST", "/publish", FORM,
                            form_body([("event", "slow"), ("data", "drip")]))
        with Conn(self.hub.addr) as conn:
            for i in range(len(raw)):
                conn.send(raw[i:i + 1])
            doc = check_publish_response(conn.read_response())
        self.assert_next_event(self.sub, "slow", "drip", doc["id"])

    def test_connection_close_is_honoured(self):
        with Conn(self.hub.addr) as conn:
            r = conn.request("GET", "/healthz", {"Connection": "close"})
            self.assertEqual(r.status, 200)
            self.assertEqual(conn.wait_closed(5), b"")

    def test_http_1_0_request_is_answered_and_closed(self):
        with Conn(self.hub.addr) as conn:
            conn.send(b"GET /healthz HTTP/1.0\r\n\r\n")
            r = conn.read_response()
            self.assertEqual((r.status, r.body.strip()), (200, b"ok"))
            self.assertEqual(conn.wait_closed(5), b"")


class ChunkedBodies(HubTestCase):
    def setUp(self):
        self.hub = self.start_hub()
        self.sub = self.subscribe(self.hub.addr)

    def test_chunked_form_body(self):
        body = chunked(b"event=chunk", b"ed&da", b"ta=hello%2", b"0w", b"orld")
        r = http_request(self.hub.addr, "POST", "/publish",
                         dict(FORM, **{"Transfer-Encoding": "chunked"}), body)
        doc = check_publish_response(r)
        self.assert_next_event(self.sub, "chunked", "hello world", doc["id"])

    def test_chunked_json_body_splitting_a_utf8_character(self):
        payload = '{"event":"cj","data":"ünï\\ncode"}'.encode("utf-8")
        split = payload.index("ü".encode()) + 1  # inside the two-byte ü
        body = chunked(payload[:split], payload[split:])
        r = http_request(self.hub.addr, "POST", "/publish",
                         {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                         body)
        doc = check_publish_response(r)
        self.assert_next_event(self.sub, "cj", "ünï\ncode", doc["id"])

    def test_chunked_request_then_pipelined_request(self):
        first = (b"POST /publish HTTP/1.1\r\nHost: h\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"event=c1&data=", b"first"))
        second = build_request(self.hub.addr, "POST", "/publish", FORM,
                               form_body([("event", "c2"), ("data", "second")]))
        with Conn(self.hub.addr) as conn:
            conn.send(first + second)
            d1 = check_publish_response(conn.read_response())
            d2 = check_publish_response(conn.read_response())
        self.assert_next_event(self.sub, "c1", "first", d1["id"])
        self.assert_next_event(self.sub, "c2", "second", d2["id"])

    def test_chunked_body_over_the_limit_is_413(self):
        hub = self.start_hub("--max-event-bytes", "1K")
        sub = self.subscribe(hub.addr)
        body = chunked(b"data=", *([b"x" * 500] * 4))
        r = http_request(hub.addr, "POST", "/publish",
                         dict(FORM, **{"Transfer-Encoding": "chunked"}), body)
        self.assertEqual(r.status, 413, r.body)
        self.assert_nothing_broadcast(hub, sub)


class MalformedRequests(HubTestCase):
    def setUp(self):
        self.hub = self.start_hub()
        self.sub = self.subscribe(self.hub.addr)

    def assert_400_and_closed(self, raw):
        with Conn(self.hub.addr) as conn:
            conn.send(raw)
            r = conn.read_response()
            self.assertEqual(r.status, 400, "%r -> %d %r" % (raw, r.status, r.body))
            one_line_reason(self, r)
            conn.wait_closed(5)

    def test_missing_host_is_400_and_close(self):
        self.assert_400_and_closed(b"GET / HTTP/1.1\r\n\r\n")

    def test_repeated_host_is_400_and_close(self):
        self.assert_400_and_closed(b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")

    def test_garbage_is_400_and_close(self):
        self.assert_400_and_closed(b"\x00\x01\r\n\r\n")

    def test_bad_content_length_is_400_and_close(self):
        for value in (b"abc", b"-1", b"1, 2", b"12 34"):
            with self.subTest(content_length=value):
                self.assert_400_and_closed(
                    b"POST /publish HTTP/1.1\r\nHost: h\r\nContent-Length: " + value +
                    b"\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\ndata=x")

    def test_control_character_in_header_is_400_and_close(self):
        self.assert_400_and_closed(b"GET /healthz HTTP/1.1\r\nHost: h\r\nX-A: b\x01c\r\n\r\n")

    def test_content_length_and_chunked_together_is_400(self):
        self.assert_400_and_closed(
            b"POST /publish HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n"
            b"Transfer-Encoding: chunked\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
            + chunked(b"data=x"))

    def test_pipelined_request_after_a_bad_one_is_not_executed(self):
        bad = b"GET /x HTTP/1.1\r\n\r\n"  # no Host
        then = build_request(self.hub.addr, "POST", "/publish", FORM,
                             form_body([("event", "smuggled"), ("data", "no")]))
        with Conn(self.hub.addr) as conn:
            conn.send(bad + then)
            r = conn.read_response()
            self.assertEqual(r.status, 400)
            self.assertEqual(conn.wait_closed(5), b"")
        self.assert_nothing_broadcast(self.hub, self.sub)

    def test_bad_requests_broadcast_nothing_and_hub_keeps_serving(self):
        for raw in (b"GET / HTTP/1.1\r\n\r\n", b"\x00\x01\r\n\r\n",
                    b"POST /publish HTTP/1.1\r\nHost: h\r\nContent-Length: zz\r\n\r\n"):
            with Conn(self.hub.addr) as conn:
                conn.send(raw)
                self.assertEqual(conn.read_response().status, 400)
        self.assert_nothing_broadcast(self.hub, self.sub)
        doc = publish_ok(self.hub.addr, "fine", "still")
        self.assert_next_event(self.sub, "fine", "still", doc["id"])


class PipelinedBurst(HubTestCase):
    """A burst of pipelined publishes worth more than one loop turn of fan-out is handled over
    several turns (ssehub_input_yields_total counts each pause), losing and reordering
    nothing: every answer comes, in order, and every subscriber gets every event in order."""

    def test_a_burst_is_handled_over_several_loop_turns_in_order(self):
        hub = self.start_hub()
        subscribers = []
        for _ in range(100):
            s = socket.create_connection(hub.addr)
            self.addCleanup(s.close)
            s.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
            subscribers.append(s)
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 100)
        # 400 publishes to 100 subscribers: about 40 000 deliveries, five times the budget.
        n = 400
        burst = b"".join(build_request(hub.addr, "POST", "/publish", FORM,
                                       form_body([("event", "b"), ("data", str(i))]))
                         for i in range(n))
        with Conn(hub.addr) as conn:
            conn.send(burst)
            ids = [check_publish_response(conn.read_response(timeout=20))["id"]
                   for _ in range(n)]
        self.assert_ids_increase(ids)
        self.assertGreaterEqual(metrics(hub.addr)["ssehub_input_yields_total"], 1)
        expected = "".join("id: %s\nevent: b\ndata: %d\n\n" % (ids[i], i) for i in range(n))
        for s in subscribers:
            s.settimeout(10)
            got = b""
            while not got.endswith(expected.encode()):
                chunk = s.recv(1 << 16)
                self.assertTrue(chunk, "the hub closed a subscriber")
                got += chunk
                self.assertLess(len(got), 10 * len(expected), "more than was published")
            body = got.split(b"\r\n\r\n", 1)[1].decode()
            events = body[body.index("\n\n") + 2:]  # after the stream's opening block
            self.assertEqual(events, expected)


if __name__ == "__main__":
    unittest.main()
