"""GET /ssehub/last-id (issue 18): the id a page rendered now subscribes from, so that an event
published between the rendering and the subscription is delivered exactly once, with no
ssehub.gap, and nothing published before it is. Also on a fresh hub (no event yet: the run's
start), after a restart, under HEAD, and with Redis."""

import json
import shutil
import tempfile
import unittest

from harness import HubTestCase, http_request, metrics, parse_id, publish_ok, wait_until
from redis_harness import RedisTestCase, free_port, metric

PATH = "/ssehub/last-id"


def last_id(addr, headers=None):
    r = http_request(addr, "GET", PATH, headers)
    if r.status != 200:
        raise AssertionError("GET %s answered %d %r" % (PATH, r.status, r.body))
    return r, json.loads(r.body)["id"]


class LastId(HubTestCase):
    def assert_resumes_with(self, hub, since, expected):
        """A subscription from `since` gets exactly the `expected` (type, data, id) events
        first -- no ssehub.gap, nothing older -- then a live one."""
        sub = self.subscribe(hub.addr, headers={"Last-Event-ID": since})
        for type_, data, id_ in expected:
            self.assert_next_event(sub, type_, data, id_)
        live = publish_ok(hub.addr, "live", "after")["id"]
        self.assert_next_event(sub, "live", "after", live)
        self.assertEqual(metrics(hub.addr)["ssehub_gaps_total"], 0)
        self.live = live
        return sub

    def test_the_answer(self):
        hub = self.start_hub()
        r, id_ = last_id(hub.addr)
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertEqual(r.headers["cache-control"], "no-store")
        self.assertEqual(r.headers["access-control-allow-origin"], "*")
        self.assertEqual(list(json.loads(r.body)), ["id"])
        parse_id(id_)
        doc = publish_ok(hub.addr, "t", "x")
        _, after = last_id(hub.addr)
        self.assertEqual(after, doc["id"])
        self.assertLess(parse_id(id_), parse_id(after))

    def test_an_event_published_after_the_answer_is_delivered_once_and_none_before(self):
        hub = self.start_hub()
        publish_ok(hub.addr, "old", "1")
        publish_ok(hub.addr, "old", "2")
        _, since = last_id(hub.addr)
        between = publish_ok(hub.addr, "new", "between")["id"]
        sub = self.subscribe(hub.addr, "/events?last_event_id=" + since)
        self.assert_resumes_with(hub, since, [("new", "between", between)])
        # The same through the query parameter, opened before the live event of the check
        # above: that event follows, once.
        self.assert_next_event(sub, "new", "between", between)
        self.assert_next_event(sub, "live", "after", self.live)
        self.assert_nothing_broadcast(hub, sub)

    def test_on_a_fresh_hub_the_start_is_a_resume_point(self):
        hub = self.start_hub()
        _, since = last_id(hub.addr)
        # Nothing published yet: up to date, the next event comes live.
        self.assert_resumes_with(hub, since, [])
        fresh = self.start_hub()
        _, since = last_id(fresh.addr)
        first = publish_ok(fresh.addr, "new", "first")["id"]
        second = publish_ok(fresh.addr, "new", "second")["id"]
        self.assertLess(parse_id(since), parse_id(first))
        self.assert_resumes_with(fresh, since,
                                 [("new", "first", first), ("new", "second", second)])

    def test_after_a_restart_the_start_is_above_every_earlier_id(self):
        for persist in ("on", "off"):
            with self.subTest(history_persist=persist):
                state = tempfile.mkdtemp(prefix="ssehub-lastid-")
                self.addCleanup(shutil.rmtree, state, True)
                hub = self.start_hub("--history-persist", persist, state_dir=state)
                old = publish_ok(hub.addr, "old", "before restart")["id"]
                hub.stop()
                hub = self.start_hub("--history-persist", persist, state_dir=state)
                _, since = last_id(hub.addr)
                self.assertLessEqual(parse_id(old), parse_id(since))
                new = publish_ok(hub.addr, "new", "after restart")["id"]
                self.assert_resumes_with(hub, since, [("new", "after restart", new)])
                sub = self.subscribe(hub.addr, headers={"Last-Event-ID": old})
                if persist == "on":
                    # The history came back from disk: the earlier run's id is a resume point.
                    self.assert_next_event(sub, "new", "after restart", new)
                else:
                    # An id of the earlier run is unknown to this one.
                    self.assertEqual(sub.next_event().type, "ssehub.gap")
                hub.stop()

    def test_a_resume_point_the_history_no_longer_covers_gets_a_gap(self):
        hub = self.start_hub("--history-events", "2")
        _, since = last_id(hub.addr)
        ids = [publish_ok(hub.addr, "e", str(k))["id"] for k in range(3)]
        sub = self.subscribe(hub.addr, headers={"Last-Event-ID": since})
        gap = sub.next_event()
        self.assertEqual(gap.type, "ssehub.gap")
        self.assertEqual(json.loads(gap.data)["reason"], "too_old")
        self.assert_next_event(sub, "e", "1", ids[1])
        self.assert_next_event(sub, "e", "2", ids[2])

    def test_head_other_methods_and_cors(self):
        hub = self.start_hub("--cors-origin", "http://intranet:*")
        get = http_request(hub.addr, "GET", PATH)
        head = http_request(hub.addr, "HEAD", PATH)
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")
        self.assertEqual(head.headers["content-length"], get.headers["content-length"])
        self.assertEqual(head.headers["cache-control"], "no-store")
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            with self.subTest(method=method):
                r = http_request(hub.addr, method, PATH, body=b"")
                self.assertEqual(r.status, 405)
                self.assertEqual(r.headers["allow"], "GET, HEAD, OPTIONS")
        r = http_request(hub.addr, "OPTIONS", PATH, {"Origin": "http://intranet:81",
                                                     "Access-Control-Request-Method": "GET"})
        self.assertEqual(r.status, 204)
        self.assertEqual(r.headers["access-control-allow-origin"], "http://intranet:81")
        r, _ = last_id(hub.addr, {"Origin": "http://intranet:81"})
        self.assertEqual(r.headers["access-control-allow-origin"], "http://intranet:81")
        self.assertEqual(r.headers["access-control-allow-credentials"], "true")
        self.assertEqual(http_request(hub.addr, "GET", PATH + "/x").status, 404)
        # An event-stream Accept does not make it a subscription.
        r = http_request(hub.addr, "GET", PATH, {"Accept": "text/event-stream"})
        self.assertEqual(r.headers["content-type"], "application/json")


class LastIdWithRedis(RedisTestCase):
    def ready_id(self, hub):
        """The node's last-id once it has read the stream (503 until then)."""
        wait_until(lambda: http_request(hub.addr, "GET", PATH).status == 200, 10,
                   message="last-id never became available")
        return last_id(hub.addr)[1]

    def test_an_empty_stream_and_then_events_from_any_node(self):
        redis = self.start_redis()
        a, b = self.start_node(redis), self.start_node(redis)
        since = self.ready_id(b)
        self.assertEqual(since, "0-0")
        first = publish_ok(a.addr, "new", "from a")["id"]
        self.wait_read(b, 1)
        sub = self.subscribe(b.addr, headers={"Last-Event-ID": since})
        self.assert_next_event(sub, "new", "from a", first)
        live = publish_ok(a.addr, "live", "x")["id"]
        self.assert_next_event(sub, "live", "x", live)
        self.assertEqual(metric(b.addr, "ssehub_gaps_total"), 0)

    def test_no_position_before_the_stream_was_read(self):
        # A node whose Redis is not there (yet) knows no position: 503, try again soon.
        hub = self.start_hub("--redis", "redis://127.0.0.1:%d/0" % free_port())
        r = http_request(hub.addr, "GET", PATH)
        self.assertEqual(r.status, 503, r.body)
        self.assertEqual(r.headers["retry-after"], "1")
        self.assertEqual(r.headers["cache-control"], "no-store")
        self.assertIn(b"Redis", r.body)

    def test_the_newest_entry_read_and_an_event_published_after_it(self):
        redis = self.start_redis()
        a, b = self.start_node(redis), self.start_node(redis)
        old = publish_ok(a.addr, "old", "x")["id"]
        self.wait_read(b, 1)
        since = self.ready_id(b)
        self.assertEqual(since, old)
        between = publish_ok(a.addr, "new", "between")["id"]
        sub = self.subscribe(b.addr, headers={"Last-Event-ID": since})
        self.assert_next_event(sub, "new", "between", between)
        self.assertEqual(metric(b.addr, "ssehub_gaps_total"), 0)


if __name__ == "__main__":
    unittest.main()
