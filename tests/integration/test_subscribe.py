"""Subscribing: which requests are subscriptions, the response head, the stream
opening, delivery to one and to many subscribers, topic filters, heartbeats."""

import unittest

from harness import HubTestCase, http_request, publish_ok, signal, wait_until


class ResponseHead(HubTestCase):
    def test_events_path_without_accept_header_is_a_subscription(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/events", accept=False)
        self.assertEqual(sub.status, 200)
        self.assertEqual(sub.headers.get("content-type"), "text/event-stream")

    def test_stream_response_headers_are_exactly_as_specified(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/events")
        self.assertEqual(sub.status, 200)
        self.assertEqual(sub.headers.get("content-type"), "text/event-stream")
        self.assertEqual(sub.headers.get("cache-control"), "no-store")
        self.assertEqual(sub.headers.get("x-accel-buffering"), "no")
        self.assertEqual(sub.headers.get("access-control-allow-origin"), "*")
        self.assertNotIn("content-length", sub.headers)
        self.assertNotIn("transfer-encoding", sub.headers)

    def test_cors_origin_option_sets_the_allow_origin_header(self):
        # A named origin is answered to a request from it (test_cors_origins.py has the rest).
        hub = self.start_hub("--cors-origin", "https://intranet.example")
        sub = self.subscribe(hub.addr, "/events", headers={"Origin": "https://intranet.example"})
        self.assertEqual(sub.headers.get("access-control-allow-origin"),
                         "https://intranet.example")

    def test_stream_opens_with_retry_then_a_comment(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/events")
        self.assertEqual(sub.items[0], ("retry", 3000))
        self.assertEqual(sub.items[1][0], "comment")
        self.assertRegex(bytes(sub.raw), rb"^retry: ?3000(\r\n|\n|\r):")

    def test_retry_ms_option_sets_the_retry_field(self):
        hub = self.start_hub("--retry-ms", "1234")
        sub = self.subscribe(hub.addr, "/events")
        self.assertEqual(sub.items[0], ("retry", 1234))
        self.assertEqual(sub.parser.retry, 1234)


class WhichRequestsSubscribe(HubTestCase):
    def test_intramine_url_with_event_stream_accept_is_a_subscription(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/SSE/IMCHAT/?statusid=123")
        self.assertEqual(sub.headers.get("content-type"), "text/event-stream")
        doc = publish_ok(hub.addr, "chat", "hello IntraMine")
        self.assertEqual(doc["subscribers"], 1)
        self.assert_next_event(sub, "chat", "hello IntraMine", doc["id"])

    def test_root_path_with_event_stream_accept_is_a_subscription_not_the_page(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/")
        self.assertEqual(sub.headers.get("content-type"), "text/event-stream")
        doc = publish_ok(hub.addr, "ping", "1")
        self.assert_next_event(sub, "ping", "1", doc["id"])

    def test_accept_header_listing_several_types_is_a_subscription(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/any/where", accept=False,
                             headers={"Accept": "text/html;q=0.5, text/event-stream"})
        self.assertEqual(sub.headers.get("content-type"), "text/event-stream")

    def test_get_without_event_stream_accept_on_other_paths_is_not_a_subscription(self):
        hub = self.start_hub()
        r = http_request(hub.addr, "GET", "/SSE/IMCHAT/?statusid=123")
        self.assertNotEqual(r.headers.get("content-type"), "text/event-stream")
        self.assertEqual(r.status, 404)


class Delivery(HubTestCase):
    def test_subscriber_receives_published_event_with_its_id(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, "greeting", "hello world")
        self.assertEqual(doc["subscribers"], 1)
        event = self.assert_next_event(sub, "greeting", "hello world", doc["id"])
        self.assertEqual(event.id, doc["id"])

    def test_default_type_is_message(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, None, "no type given")
        self.assert_next_event(sub, "message", "no type given", doc["id"])

    def test_every_event_frame_carries_its_own_id(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        docs = [publish_ok(hub.addr, "t", str(i)) for i in range(5)]
        for i, doc in enumerate(docs):
            self.assert_next_event(sub, "t", str(i), doc["id"])

    def test_utf8_data_arrives_unchanged(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        text = "héllo wörld — ✓ 日本語 😀"
        doc = publish_ok(hub.addr, "ünïcode", text)
        self.assert_next_event(sub, "ünïcode", text, doc["id"])

    def test_large_event_within_the_limit_arrives_whole(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        data = "".join(chr(ord("a") + i % 26) for i in range(60000))
        doc = publish_ok(hub.addr, "big", data)
        self.assert_next_event(sub, "big", data, doc["id"], timeout=10)

    def test_several_subscribers_get_the_same_events_in_publish_order(self):
        hub = self.start_hub()
        subs = [self.subscribe(hub.addr) for _ in range(5)]
        published = []
        for i in range(30):
            doc = publish_ok(hub.addr, "seq", "event %d" % i, json=bool(i % 2))
            self.assertEqual(doc["subscribers"], 5)
            published.append(("seq", "event %d" % i, doc["id"]))
        self.assert_ids_increase([p[2] for p in published])
        for sub in subs:
            got = [(e.type, e.data, e.own_id) for e in sub.next_events(30, timeout=10)]
            self.assertEqual(got, published)

    def test_subscriber_count_drops_when_a_subscriber_disconnects(self):
        hub = self.start_hub()
        stay = self.subscribe(hub.addr)
        leave = self.subscribe(hub.addr)
        self.assertEqual(publish_ok(hub.addr, "x", "both")["subscribers"], 2)
        leave.close()
        wait_until(lambda: publish_ok(hub.addr, "x", "probe")["subscribers"] == 1,
                   timeout=5, interval=0.05,
                   message="hub still counts a closed subscriber")
        self.assertEqual(stay.next_event().data, "both")


class TopicFilter(HubTestCase):
    def test_topic_filters_select_events(self):
        hub = self.start_hub()
        only_a = self.subscribe(hub.addr, "/events?topic=a")
        a_or_b = self.subscribe(hub.addr, "/events?topic=a&topic=b")
        everything = self.subscribe(hub.addr, "/events")
        only_c = self.subscribe(hub.addr, "/SSE/IMCHAT/?statusid=1&topic=c")

        plan = [("b", "to b", 2), ("a", "to a", 3), ("c", "to c", 2), (None, "no topic", 1),
                ("a", "to a again", 3), ("zzz", "to nobody filtered", 1)]
        ids = {}
        for topic, data, count in plan:
            doc = publish_ok(hub.addr, "news", data, topic=topic, json=(topic == "c"))
            self.assertEqual(doc["subscribers"], count, "published %r to %r" % (data, topic))
            ids[data] = doc["id"]
        r = signal(hub.addr, "signal=end&data=done")
        self.assertEqual(r.status, 200)

        expected = {
            "only_a": ["to a", "to a again"],
            "a_or_b": ["to b", "to a", "to a again"],
            "everything": ["to b", "to a", "to c", "no topic", "to a again",
                           "to nobody filtered"],
            "only_c": ["to c"],
        }
        for name, sub in (("only_a", only_a), ("a_or_b", a_or_b),
                          ("everything", everything), ("only_c", only_c)):
            with self.subTest(subscriber=name):
                got = []
                while True:
                    event = sub.next_event()
                    if event.type == "end":
                        self.assertEqual(event.data, "done")
                        break
                    self.assertEqual(event.type, "news")
                    self.assertEqual(event.own_id, ids[event.data])
                    got.append(event.data)
                self.assertEqual(got, expected[name])

    def test_percent_encoded_topic_names_match(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/events?topic=caf%C3%A9%20news")
        doc = publish_ok(hub.addr, "t", "for café news", topic="café news")
        self.assertEqual(doc["subscribers"], 1)
        self.assert_next_event(sub, "t", "for café news", doc["id"])


class Heartbeat(HubTestCase):
    def test_idle_subscriber_gets_heartbeat_comments(self):
        hub = self.start_hub("--heartbeat", "1")
        sub = self.subscribe(hub.addr)
        opening = len(sub.comments)
        sub.read_until(lambda: len(sub.comments) > opening, timeout=3,
                       what="first heartbeat comment")
        sub.read_until(lambda: len(sub.comments) > opening + 1, timeout=3,
                       what="second heartbeat comment")
        self.assertEqual(sub.events, [])
        # heartbeats are comments only: nothing the parser would act on
        self.assertEqual([i for i in sub.items if i[0] not in ("comment", "retry")], [])

    def test_heartbeats_do_not_disturb_event_delivery(self):
        hub = self.start_hub("--heartbeat", "1")
        sub = self.subscribe(hub.addr)
        opening = len(sub.comments)
        sub.read_until(lambda: len(sub.comments) > opening, timeout=3,
                       what="heartbeat comment")
        doc = publish_ok(hub.addr, "after", "heartbeat")
        self.assert_next_event(sub, "after", "heartbeat", doc["id"])


if __name__ == "__main__":
    unittest.main()
