"""IntraMine's legacy broadcast: GET /?signal=NAME[&data=..|&activeserver=..&port=..]
reaches every subscriber, topic-filtered ones included, with SPEC.md's data rules."""

import unittest

from harness import HubTestCase, http_request, parse_id, publish_ok, signal


class LegacySignal(HubTestCase):
    def test_intramine_todochanged_reaches_every_subscriber(self):
        hub = self.start_hub()
        plain = self.subscribe(hub.addr, "/events")
        intramine = self.subscribe(hub.addr, "/SSE/IMCHAT/?statusid=123")
        filtered = self.subscribe(hub.addr, "/events?topic=unrelated")
        r = http_request(hub.addr, "GET", "/?signal=todochanged&activeserver=host&port=43124")
        self.assertEqual(r.status, 200, r.body)
        ids = set()
        for sub in (plain, intramine, filtered):
            event = self.assert_next_event(sub, "todochanged", "host 43124")
            self.assertIsNotNone(event.own_id)
            ids.add(event.own_id)
        self.assertEqual(len(ids), 1, "one event, one id: %r" % ids)

    def test_frame_of_intramine_signal(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/SSE/IMCHAT/?statusid=123")
        r = signal(hub.addr, "signal=todochanged&activeserver=host&port=43124")
        self.assertEqual(r.status, 200)
        event = sub.next_event()
        text = bytes(sub.raw).decode()
        self.assertRegex(text, r"(^|\r\n|\n|\r)event: ?todochanged(\r\n|\n|\r)")
        self.assertRegex(text, r"(^|\r\n|\n|\r)data: ?host 43124(\r\n|\n|\r)(\r\n|\n|\r)")
        self.assertIn("id: %s" % event.own_id, text)

    def test_data_parameter_is_the_data(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        r = signal(hub.addr, "signal=x&data=hello")
        self.assertEqual(r.status, 200)
        self.assert_next_event(sub, "x", "hello")

    def test_data_parameter_wins_over_activeserver_and_port(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        r = signal(hub.addr, "signal=x&activeserver=h&port=1&data=explicit")
        self.assertEqual(r.status, 200)
        self.assert_next_event(sub, "x", "explicit")

    def test_data_parameter_is_percent_decoded(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        r = signal(hub.addr, "signal=x&data=hello%20w%C3%B6rld%26more")
        self.assertEqual(r.status, 200)
        self.assert_next_event(sub, "x", "hello wörld&more")

    def test_signal_without_data_dispatches_empty_data(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        r = signal(hub.addr, "signal=x")
        self.assertEqual(r.status, 200)
        self.assert_next_event(sub, "x", "")
        text = bytes(sub.raw).decode()
        self.assertRegex(text, r"(\r\n|\n|\r)data:(\r\n|\n|\r)(\r\n|\n|\r)|"
                               r"(\r\n|\n|\r)data: (\r\n|\n|\r)(\r\n|\n|\r)")

    def test_other_query_parameters_are_allowed(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        r = signal(hub.addr, "foo=bar&signal=reload&statusid=7&data=d&zzz")
        self.assertEqual(r.status, 200)
        self.assert_next_event(sub, "reload", "d")

    def test_signal_ids_follow_published_ids(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        first = publish_ok(hub.addr, "p", "before")["id"]
        self.assertEqual(signal(hub.addr, "signal=s").status, 200)
        last = publish_ok(hub.addr, "p", "after")["id"]
        self.assert_next_event(sub, "p", "before", first)
        middle = self.assert_next_event(sub, "s", "").own_id
        self.assert_next_event(sub, "p", "after", last)
        self.assert_ids_increase([first, middle, last])

    def test_signal_with_no_subscribers_still_answers_200(self):
        hub = self.start_hub()
        r = signal(hub.addr, "signal=todochanged&activeserver=host&port=43124")
        self.assertEqual(r.status, 200)

    def test_signal_name_with_line_break_is_rejected(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        for query in ("signal=a%0Ab", "signal=a%0Db", "signal=a%00b", "signal=%FF"):
            with self.subTest(query=query):
                r = signal(hub.addr, query)
                self.assertEqual(r.status, 400, r.body)
        self.assert_nothing_broadcast(hub, sub)

    def test_signal_ids_are_valid_event_ids(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        signal(hub.addr, "signal=a")
        parse_id(self.assert_next_event(sub, "a", "").own_id)


if __name__ == "__main__":
    unittest.main()
