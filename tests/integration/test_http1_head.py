"""The HTTP/1.1 request head (issue 16, items 7 and 10): optional whitespace around a field
value is not part of it (Last-Event-ID, Authorization, any header), the auth scheme is
case-insensitive, and the request forms RFC 9112 lets a server refuse are refused and the
connection closed: obs-fold (Transfer-Encoding or any field), HTTP/2.0 over HTTP/1.1
parsing, a request line with no version (HTTP/0.9)."""

import os
import tempfile
import time

from harness import Conn, HubTestCase, http_request, publish_ok


class FieldValueTrimmingTest(HubTestCase):
    def test_last_event_id_with_trailing_whitespace_resumes_without_a_gap(self):
        hub = self.start_hub()
        ids = [publish_ok(hub.addr, "tick", "e%d" % i)["id"] for i in range(4)]
        for value in (ids[1] + " ", ids[1] + "\t", " \t" + ids[1] + " \t "):
            with self.subTest(value=value):
                client = self.subscribe(hub.addr, headers={"Last-Event-ID": value})
                # Exactly what followed ids[1]: no ssehub.gap, no history from the start.
                self.assert_next_event(client, "tick", "e2", ids[2])
                self.assert_next_event(client, "tick", "e3", ids[3])
                client.close()

    def token_file(self, token):
        fd, path = tempfile.mkstemp(prefix="ssehub-tokens-")
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
        self.addCleanup(os.unlink, path)
        return path

    def test_bearer_token_with_whitespace_around_it_and_any_scheme_case_is_accepted(self):
        hub = self.start_hub("--publish-allow", "10.0.0.0/8", "--token-file",
                             self.token_file("s3cret"))
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for value in ("Bearer s3cret ", "Bearer s3cret\t", "bearer s3cret", "BEARER s3cret",
                      "bEaReR   s3cret"):
            with self.subTest(value=value):
                r = http_request(hub.addr, "POST", "/publish",
                                 dict(form, Authorization=value), b"event=a&data=x")
                self.assertEqual(r.status, 202, r.body)
        for value in ("Bearer s3cre", "Basic s3cret", "Bearers3cret", "Bearer"):
            with self.subTest(value=value):
                r = http_request(hub.addr, "POST", "/publish",
                                 dict(form, Authorization=value), b"event=a&data=x")
                self.assertEqual(r.status, 403, r.body)

    def test_trailing_whitespace_is_trimmed_from_every_header(self):
        hub = self.start_hub()
        # Content-Type and Expect are read by the hub too: their values work with OWS.
        r = http_request(hub.addr, "POST", "/publish",
                         {"Content-Type": "application/json \t", "Expect": "100-continue "},
                         b'{"event":"a","data":"x"}')
        self.assertEqual(r.status, 202, r.body)


class RefusedRequestFormsTest(HubTestCase):
    def refused(self, hub, raw, status):
        conn = Conn(hub.addr)
        self.addCleanup(conn.close)
        conn.send(raw)
        r = conn.read_response()
        self.assertEqual(r.status, status, r.body)
        conn.wait_closed()  # refused, then closed: nothing after it is read
        return r

    def test_obs_fold_is_refused(self):
        hub = self.start_hub()
        self.refused(hub, b"POST /publish HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n"
                          b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                          b"e\r\nevent=a&data=x\r\n0\r\n\r\n", 400)
        self.refused(hub, b"GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n", 400)
        # Whitespace between the request line and the first field (RFC 9112 2.2).
        self.refused(hub, b"GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400)

    def test_http_2_0_over_http_1_parsing_gets_505(self):
        hub = self.start_hub()
        r = self.refused(hub, b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505)
        self.assertEqual(r.reason, "HTTP Version Not Supported")

    def test_an_http_0_9_request_line_is_refused(self):
        hub = self.start_hub()
        self.refused(hub, b"GET /\r\n\r\n", 400)
        self.refused(hub, b"GET /\r\nHost: x\r\n\r\n", 400)

    def test_a_field_without_a_name_is_refused(self):
        hub = self.start_hub()
        self.refused(hub, b"GET / HTTP/1.1\r\nHost: x\r\n: y\r\n\r\n", 400)

    def test_a_transfer_coding_other_than_chunked_gets_501(self):
        hub = self.start_hub()
        r = self.refused(hub, b"POST /publish HTTP/1.1\r\nHost: x\r\n"
                              b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501)
        self.assertEqual(r.reason, "Not Implemented")

    def test_chunk_data_must_end_in_crlf(self):
        # llhttp's loose build skipped the two bytes after a chunk's data unseen.
        hub = self.start_hub()
        self.refused(hub, b"POST /publish HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Type: application/x-www-form-urlencoded\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n"
                          b"e\r\nevent=a&data=xXX0\r\n\r\n", 400)

    def test_trailer_fields_do_not_become_headers(self):
        fd, path = tempfile.mkstemp(prefix="ssehub-tokens-")
        with os.fdopen(fd, "w") as f:
            f.write("s3cret\n")
        self.addCleanup(os.unlink, path)
        hub = self.start_hub("--publish-allow", "10.0.0.0/8", "--token-file", path)
        conn = Conn(hub.addr)
        self.addCleanup(conn.close)
        conn.send(b"POST /publish HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/x-www-form-urlencoded\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n"
                  b"e\r\nevent=a&data=x\r\n0\r\nAuthorization: Bearer s3cret\r\n\r\n")
        self.assertEqual(conn.read_response().status, 401)  # the trailer is not a credential

    def test_an_upgrade_request_is_answered_once_then_the_connection_closes(self):
        # The hub speaks no h2c or WebSocket: the request is answered over HTTP/1.1 with
        # Connection: close, and the bytes after it are never a request (they once got a
        # phantom 404, found by fuzz_request_reader).
        hub = self.start_hub()
        conn = Conn(hub.addr)
        self.addCleanup(conn.close)
        conn.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                  b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n"
                  b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        r = conn.read_response()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get("connection", "").lower(), "close")
        self.assertEqual(conn.wait_closed(), b"")  # no second answer

    def test_http_1_0_and_1_1_are_still_served(self):
        hub = self.start_hub()
        for version in (b"HTTP/1.0", b"HTTP/1.1"):
            with self.subTest(version=version):
                conn = Conn(hub.addr)
                self.addCleanup(conn.close)
                conn.send(b"GET /healthz " + version + b"\r\nHost: x\r\n\r\n")
                self.assertEqual(conn.read_response().status, 200)


if __name__ == "__main__":
    import unittest
    unittest.main()
