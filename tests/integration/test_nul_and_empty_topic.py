"""Validation as SPEC.md words it (issue 15.6). Data is any UTF-8 text, U+0000 included (the
WHATWG event-stream grammar allows NUL in a data line): it is accepted and delivered intact,
over HTTP/1.1 and HTTP/2, from the replay ring and to the CLI subscriber; event type, topic and
id still refuse it. A topic is 1..256 bytes: absent is fine, present and empty is 400."""

import json
import subprocess
import unittest

from harness import (requires, HubTestCase, hub_binary, http_request, metrics, one_line_reason, publish,
                     publish_ok, wait_until)
from tls_support import TlsHubTestCase, h2_offered

NUL_DATA = "before\x00after \x00\x00 end"
NUL_LINE = b"data: before\x00after \x00\x00 end\n"


class NulInData(HubTestCase):
    def test_nul_in_data_is_accepted_and_delivered_intact_over_http1(self):
        hub = self.start_hub()
        client = self.subscribe(hub.addr)
        ids = [publish_ok(hub.addr, "nul", NUL_DATA, json=True)["id"],
               publish_ok(hub.addr, "nul", NUL_DATA)["id"]]  # form: data=before%00after...
        for event_id in ids:
            self.assert_next_event(client, "nul", NUL_DATA, event_id)
        self.assertEqual(client.raw.count(NUL_LINE), 2)

    def test_nul_in_data_comes_back_intact_from_the_replay_ring(self):
        hub = self.start_hub()
        first = publish_ok(hub.addr, "tick", "first")["id"]
        event_id = publish_ok(hub.addr, "nul", NUL_DATA, json=True)["id"]
        client = self.subscribe(hub.addr, headers={"Last-Event-ID": first})
        self.assert_next_event(client, "nul", NUL_DATA, event_id)
        self.assertIn(NUL_LINE, bytes(client.raw))

    def test_nul_still_refused_in_type_topic_and_id(self):
        hub = self.start_hub()
        for as_json in (False, True):
            for r in (publish(hub.addr, "a\x00b", "d", json=as_json),
                      publish(hub.addr, "t", "d", "to\x00pic", json=as_json)):
                self.assertEqual(r.status, 400, r.body)
                one_line_reason(self, r)
                self.assertIn(b"NUL", r.body)

    def test_the_cli_subscriber_prints_nul_data_intact(self):
        hub = self.start_hub()
        proc = subprocess.Popen([hub_binary(), "subscribe", "--url", hub.url,
                                 "--json", "--max-events", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(proc.kill)
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 1, timeout=5)
        event_id = publish_ok(hub.addr, "nul", NUL_DATA, json=True)["id"]
        out, err = proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(json.loads(out), {"id": event_id, "event": "nul", "data": NUL_DATA})


class EmptyTopic(HubTestCase):
    def test_an_empty_topic_is_400_and_nothing_is_broadcast(self):
        hub = self.start_hub()
        client = self.subscribe(hub.addr)
        cases = [({"Content-Type": "application/json"}, b'{"data":"x","topic":""}'),
                 ({"Content-Type": "application/x-www-form-urlencoded"}, b"data=x&topic="),
                 ({"Content-Type": "application/x-www-form-urlencoded"}, b"topic=&data=x")]
        for headers, body in cases:
            with self.subTest(body=body):
                r = http_request(hub.addr, "POST", "/publish", headers, body)
                self.assertEqual(r.status, 400, r.body)
                one_line_reason(self, r)
                self.assertEqual(r.body, b"topic is empty\n")
        self.assertEqual(metrics(hub.addr)["ssehub_events_published_total"], 0)
        # Absent (or JSON null) is no topic, as before.
        first = publish_ok(hub.addr, "tick", "no topic", json=True)["id"]
        self.assert_next_event(client, "tick", "no topic", first)
        r = http_request(hub.addr, "POST", "/publish", {"Content-Type": "application/json"},
                         b'{"data":"null topic","topic":null}')
        self.assertEqual(r.status, 202, r.body)
        self.assert_next_event(client, "message", "null topic")


@requires(h2_offered(), "ssehub built without TLS or nghttp2")
class NulOverH2(TlsHubTestCase):
    def test_nul_in_data_is_delivered_intact_over_h2(self):
        from test_h2 import RawH2  # noqa: E402 -- the raw HTTP/2 client of the h2 suite
        hub, tls, plain = self.start_tls_hub()
        c = RawH2(tls)
        self.addCleanup(c.close)
        c.request(1, "GET", "/events", end_stream=True)
        wait_until(lambda: metrics(plain)["ssehub_subscribers"] == 1, 5)
        event_id = publish_ok(plain, "nul", NUL_DATA, json=True)["id"]
        frame = ("id: %s\nevent: nul\n" % event_id).encode() + NUL_LINE + b"\n"
        c.wait_for(lambda: frame in c.body(1), timeout=5, what="the NUL event over h2")


if __name__ == "__main__":
    unittest.main()
