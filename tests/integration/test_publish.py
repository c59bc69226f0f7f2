"""Publishing: POST /publish with form and JSON bodies, the 202 answer, id order,
line breaks in data, empty data, and attempts to inject fields or events."""

import json
import time
import unittest

from harness import (HubTestCase, form_body, http_request, parse_id, publish, publish_ok,
                     check_publish_response)


class Answer(HubTestCase):
    def test_form_publish_answers_202_with_id_and_subscriber_count(self):
        hub = self.start_hub()
        r = publish(hub.addr, "update", "v1")
        self.assertEqual(r.status, 202, r.body)
        self.assertIn("application/json", r.headers.get("content-type", ""))
        doc = json.loads(r.body)
        self.assertEqual(sorted(doc), ["id", "subscribers"])
        self.assertRegex(doc["id"], r"^\d+-\d+$")
        self.assertEqual(doc["subscribers"], 0)

    def test_json_publish_answers_202_and_delivers(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        r = publish(hub.addr, "update", "from json", json=True)
        doc = check_publish_response(r)
        self.assertEqual(doc["subscribers"], 1)
        self.assert_next_event(sub, "update", "from json", doc["id"])

    def test_json_publish_without_event_is_a_message(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, None, "plain", json=True)
        self.assert_next_event(sub, "message", "plain", doc["id"])

    def test_ids_strictly_increase(self):
        hub = self.start_hub()
        ids = [publish_ok(hub.addr, "n", str(i), json=bool(i % 3 == 0))["id"]
               for i in range(60)]
        self.assert_ids_increase(ids)
        self.assertEqual(len(set(ids)), 60)

    def test_id_millisecond_part_is_wall_clock_time(self):
        hub = self.start_hub()
        before = int(time.time() * 1000)
        ms, _ = parse_id(publish_ok(hub.addr, "t", "x")["id"])
        after = int(time.time() * 1000)
        # ids may run ahead of the clock (high-water mark), never far behind it
        self.assertGreaterEqual(ms, before - 1000)
        self.assertLess(ms, after + 60_000)


class FormBodies(HubTestCase):
    def test_form_plus_and_percent_escapes_decode(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        body = b"event=form%20test&data=a+b%2Bc%26d%3De%25"
        r = http_request(hub.addr, "POST", "/publish",
                         {"Content-Type": "application/x-www-form-urlencoded"}, body)
        doc = check_publish_response(r)
        self.assert_next_event(sub, "form test", "a b+c&d=e%", doc["id"])

    def test_form_field_order_does_not_matter(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/events?topic=t1")
        body = form_body([("data", "d"), ("topic", "t1"), ("event", "e")])
        r = http_request(hub.addr, "POST", "/publish",
                         {"Content-Type": "application/x-www-form-urlencoded"}, body)
        doc = check_publish_response(r)
        self.assertEqual(doc["subscribers"], 1)
        self.assert_next_event(sub, "e", "d", doc["id"])

    def test_form_content_type_with_charset_parameter(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        r = http_request(hub.addr, "POST", "/publish",
                         {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
                         form_body([("event", "cs"), ("data", "ü")]))
        doc = check_publish_response(r)
        self.assert_next_event(sub, "cs", "ü", doc["id"])

    def test_json_content_type_with_charset_and_escapes(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        body = b'{"event":"j","data":"caf\\u00e9 \\"q\\" \\\\ \\ud83d\\ude00\\ttab"}'
        r = http_request(hub.addr, "POST", "/publish",
                         {"Content-Type": "application/json; charset=utf-8"}, body)
        doc = check_publish_response(r)
        self.assert_next_event(sub, "j", 'café "q" \\ 😀\ttab', doc["id"])


class LineBreaks(HubTestCase):
    def test_each_line_break_form_starts_a_new_data_line(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        cases = [
            ("lf", "one\ntwo\nthree", "one\ntwo\nthree"),
            ("crlf", "one\r\ntwo\r\nthree", "one\ntwo\nthree"),
            ("cr", "one\rtwo\rthree", "one\ntwo\nthree"),
            ("mixed", "a\r\nb\nc\rd", "a\nb\nc\nd"),
            ("blank lines", "a\n\n\nb", "a\n\n\nb"),
            ("cr cr lf", "a\r\r\nb", "a\n\nb"),
            ("trailing lf", "end\n", "end\n"),
            ("leading lf", "\nstart", "\nstart"),
            ("only lf", "\n", "\n"),
        ]
        for name, data, expected in cases:
            with self.subTest(case=name):
                doc = publish_ok(hub.addr, "lines", data, json=(name == "cr"))
                self.assert_next_event(sub, "lines", expected, doc["id"])

    def test_frame_has_one_data_line_per_line_of_data(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, "framed", "x\r\ny\rz")
        self.assert_next_event(sub, "framed", "x\ny\nz", doc["id"])
        frame = bytes(sub.raw).decode()
        self.assertRegex(frame, r"(\r\n|\n|\r)data: ?x(\r\n|\n|\r)data: ?y(\r\n|\n|\r)"
                                r"data: ?z(\r\n|\n|\r)(\r\n|\n|\r)")
        self.assertIn("id: %s" % doc["id"], frame)
        self.assertIn("event: framed", frame)

    def test_data_that_looks_like_sse_fields_stays_data(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        data = "event: evil\nid: 1-1\nretry: 1\n: comment\ndata: nested"
        doc = publish_ok(hub.addr, "lookalike", data)
        self.assert_next_event(sub, "lookalike", data, doc["id"])
        self.assertEqual(sub.parser.retry, 3000)


class EmptyData(HubTestCase):
    def test_empty_data_still_dispatches_an_event(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, "empty", "")
        self.assert_next_event(sub, "empty", "", doc["id"])

    def test_missing_data_field_dispatches_empty_data(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, "nodata", None)
        self.assert_next_event(sub, "nodata", "", doc["id"])
        doc = publish_ok(hub.addr, "nodata-json", None, json=True)
        self.assert_next_event(sub, "nodata-json", "", doc["id"])


class Injection(HubTestCase):
    def test_blank_line_in_data_cannot_start_a_second_event(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        attempts = [
            "x\n\nevent: evil\ndata: y",
            "x\r\n\r\nevent: evil\r\ndata: y",
            "x\r\revent: evil\rdata: y\r\r",
            "x\n\nid: 99999999999999-0\n\n",
            "x\n\nretry: 1\n\n",
        ]
        for i, data in enumerate(attempts):
            with self.subTest(attempt=data):
                doc = publish_ok(hub.addr, "safe", data, json=bool(i % 2))
                expected = data.replace("\r\n", "\n").replace("\r", "\n")
                event = self.assert_next_event(sub, "safe", expected, doc["id"])
                self.assertEqual(event.id, doc["id"])
        self.assertEqual(sub.parser.retry, 3000)
        self.assertNotIn("evil", [e.type for e in sub.events])
        self.assertEqual([i for i in sub.items if i[0] == "field"], [])
        self.assert_nothing_broadcast(hub, sub)

    def test_injection_through_the_legacy_signal_data_is_split_too(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        r = http_request(hub.addr, "GET", "/?signal=sig&data=x%0A%0Aevent%3A%20evil%0Adata%3A%20y")
        self.assertEqual(r.status, 200, r.body)
        self.assert_next_event(sub, "sig", "x\n\nevent: evil\ndata: y")
        self.assert_nothing_broadcast(hub, sub)


if __name__ == "__main__":
    unittest.main()
