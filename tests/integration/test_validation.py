"""Validation of published events: bad type, topic, data or body -> 400 (413 for
size) with a one-line reason, and nothing at all is broadcast."""

import unittest

from harness import (HubTestCase, form_body, http_request, one_line_reason, publish,
                     publish_ok)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


class Validation(HubTestCase):
    def setUp(self):
        self.hub = self.start_hub()
        self.plain = self.subscribe(self.hub.addr)
        self.topical = self.subscribe(self.hub.addr, "/events?topic=t")

    def assert_rejected(self, response, status=400):
        self.assertEqual(response.status, status, response.body)
        one_line_reason(self, response)

    def post(self, headers, body):
        return http_request(self.hub.addr, "POST", "/publish", headers, body)

    def test_event_type_with_line_breaks_or_nul_is_rejected(self):
        for bad in ("a\nb", "a\rb", "a\r\nb", "evil\n\ndata: x", "a\0b", "trailing\n"):
            for as_json in (False, True):
                with self.subTest(event=bad, json=as_json):
                    self.assert_rejected(publish(self.hub.addr, bad, "d", json=as_json))
        self.assert_nothing_broadcast(self.hub, self.plain, self.topical)

    def test_topic_with_line_breaks_or_nul_is_rejected(self):
        for bad in ("t\r", "t\n", "t\r\nevent: x", "t\0"):
            for as_json in (False, True):
                with self.subTest(topic=bad, json=as_json):
                    self.assert_rejected(publish(self.hub.addr, "e", "d", topic=bad,
                                                 json=as_json))
        self.assert_nothing_broadcast(self.hub, self.plain, self.topical)

    def test_event_type_length_limit_is_256_bytes(self):
        doc = publish_ok(self.hub.addr, "e" * 256, "max")
        self.assert_next_event(self.plain, "e" * 256, "max", doc["id"])
        doc = publish_ok(self.hub.addr, "é" * 128, "max utf-8")  # 256 bytes
        self.assert_next_event(self.plain, "é" * 128, "max utf-8", doc["id"])
        self.assert_rejected(publish(self.hub.addr, "e" * 257, "too long"))
        self.assert_rejected(publish(self.hub.addr, "é" * 128 + "e", "257 bytes"))
        self.assert_nothing_broadcast(self.hub, self.plain, self.topical)

    def test_empty_event_type_is_rejected(self):
        self.assert_rejected(publish(self.hub.addr, "", "d"))
        self.assert_rejected(publish(self.hub.addr, "", "d", json=True))
        self.assert_nothing_broadcast(self.hub, self.plain, self.topical)

    def test_topic_length_limit_is_256_bytes(self):
        topic = "t" * 256
        long_sub = self.subscribe(self.hub.addr, "/events?topic=" + topic)
        doc = publish_ok(self.hub.addr, "e", "max", topic=topic)
        self.assertEqual(doc["subscribers"], 2)  # long_sub and the unfiltered one
        self.assert_next_event(long_sub, "e", "max", doc["id"])
        self.assert_next_event(self.plain, "e", "max", doc["id"])
        self.assert_rejected(publish(self.hub.addr, "e", "too long", topic="t" * 257))
        self.assert_nothing_broadcast(self.hub, self.plain, self.topical, long_sub)

    def test_invalid_utf8_is_rejected(self):
        cases = {
            "data 0xFF": [("event", "e"), ("data", b"ok\xffok")],
            "data truncated sequence": [("data", b"\xc3")],
            "data overlong slash": [("data", b"\xc0\xaf")],
            "data surrogate": [("data", b"\xed\xa0\x80")],
            "data above U+10FFFF": [("data", b"\xf4\x90\x80\x80")],
            "event": [("event", b"ev\xfe"), ("data", "d")],
            "topic": [("event", "e"), ("data", "d"), ("topic", b"t\x80")],
        }
        for name, fields in cases.items():
            with self.subTest(case=name):
                self.assert_rejected(self.post(FORM, form_body(fields)))
        with self.subTest(case="raw bytes in a JSON string"):
            self.assert_rejected(self.post(JSON, b'{"event":"e","data":"x\xffy"}'))
        with self.subTest(case="lone surrogate escape in JSON"):
            self.assert_rejected(self.post(JSON, b'{"event":"e","data":"x\\ud800y"}'))
        self.assert_nothing_broadcast(self.hub, self.plain, self.topical)

    def test_malformed_json_is_rejected(self):
        for body in (b'{"event":', b"not json", b'["event","e"]', b""):
            with self.subTest(body=body):
                self.assert_rejected(self.post(JSON, body))
        self.assert_nothing_broadcast(self.hub, self.plain, self.topical)

    def test_json_escaped_line_break_in_event_is_rejected(self):
        for body in (b'{"event":"a\\nb","data":"d"}', b'{"event":"a\\u000db","data":"d"}',
                     b'{"event":"a\\u0000b","data":"d"}',
                     b'{"event":"e","data":"d","topic":"t\\r"}'):
            with self.subTest(body=body):
                self.assert_rejected(self.post(JSON, body))
        self.assert_nothing_broadcast(self.hub, self.plain, self.topical)

    def test_data_over_the_default_64k_limit_is_413(self):
        r = publish(self.hub.addr, "big", "x" * (64 * 1024 + 100))
        self.assert_rejected(r, 413)
        r = publish(self.hub.addr, "big", "y" * (80 * 1024), json=True)
        self.assert_rejected(r, 413)
        self.assert_nothing_broadcast(self.hub, self.plain, self.topical)

    def test_max_event_bytes_option_lowers_the_limit(self):
        hub = self.start_hub("--max-event-bytes", "1K")
        sub = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, "fits", "z" * 900)
        self.assert_next_event(sub, "fits", "z" * 900, doc["id"])
        self.assert_rejected(publish(hub.addr, "big", "z" * 1100), 413)
        self.assert_nothing_broadcast(hub, sub)

    def test_rejected_requests_leave_the_hub_serving(self):
        for _ in range(3):
            self.assert_rejected(publish(self.hub.addr, "a\nb", "d"))
        doc = publish_ok(self.hub.addr, "still", "alive", topic="t")
        self.assertEqual(doc["subscribers"], 2)
        self.assert_next_event(self.topical, "still", "alive", doc["id"])
        self.assert_next_event(self.plain, "still", "alive", doc["id"])


if __name__ == "__main__":
    unittest.main()
