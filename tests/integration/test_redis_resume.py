"""Scale-out on Redis Streams, resume (issue 11): a page resumes on node B with an id node A
handed out -- served from B's ring, from the stream only (in pages, under a small output
bound), or with ssehub.gap first when the stream no longer holds it -- then goes live with no
duplicate and no gap. A node that starts late loads the newest entries for replay."""

import json
import re
import unittest

from harness import publish_ok
from redis_harness import STREAM, RedisTestCase, metric


def publish_many(addr, n, prefix="e"):
    return [publish_ok(addr, "tick", "%s%d" % (prefix, k))["id"] for k in range(n)]


class ResumeTest(RedisTestCase):
    def assert_events(self, client, expected_ids, datas):
        events = client.next_events(len(expected_ids), timeout=10)
        self.assertEqual([(e.own_id, e.data) for e in events], list(zip(expected_ids, datas)))

    def test_resume_on_another_node_from_its_ring(self):
        redis = self.start_redis()
        a, b = self.start_node(redis), self.start_node(redis)
        ids = publish_many(a.addr, 5)
        self.wait_read(b, 5)
        client = self.subscribe(b.addr, headers={"Last-Event-ID": ids[1]})
        self.assert_events(client, ids[2:], ["e2", "e3", "e4"])
        live = publish_ok(a.addr, "tick", "live")["id"]
        self.assert_next_event(client, "tick", "live", live)
        self.assertEqual(metric(b.addr, "ssehub_redis_history_pages_total"), 0)
        self.assert_nothing_broadcast(b, client)

    def test_resume_from_the_stream_only_in_pages_then_live(self):
        redis = self.start_redis()
        a = self.start_node(redis)
        # B keeps 3 events in its ring, and its output bound makes a replay page 4 events.
        b = self.start_node(redis, "--history-events", "3", "--max-queued-bytes", "16K",
                            "--max-event-bytes", "1K")
        ids = publish_many(a.addr, 30)
        self.wait_read(b, 30)
        client = self.subscribe(b.addr, headers={"Last-Event-ID": ids[2]})
        self.assert_events(client, ids[3:], ["e%d" % k for k in range(3, 30)])
        self.assertGreaterEqual(metric(b.addr, "ssehub_redis_history_pages_total"), 6)
        live = publish_ok(b.addr, "tick", "live")["id"]
        self.assert_next_event(client, "tick", "live", live)
        self.assert_nothing_broadcast(b, client)

    def test_resume_older_than_the_stream_gets_a_gap_first(self):
        redis = self.start_redis()
        a = self.start_node(redis)
        b = self.start_node(redis, "--history-events", "3")
        ids = publish_many(a.addr, 20)
        self.wait_read(b, 20)
        self.assertEqual(redis.call("XTRIM", STREAM, "MAXLEN", "5"), 15)
        client = self.subscribe(b.addr, headers={"Last-Event-ID": ids[2]})
        gap = client.next_event(timeout=10)
        self.assertEqual(gap.type, "ssehub.gap")
        info = json.loads(gap.data)
        self.assertEqual((info["reason"], info["requested"]), ("too_old", ids[2]))
        self.assert_events(client, ids[15:], ["e%d" % k for k in range(15, 20)])
        live = publish_ok(a.addr, "tick", "live")["id"]
        self.assert_next_event(client, "tick", "live", live)

    def test_an_id_inside_the_stream_it_does_not_hold_gets_an_unknown_gap(self):
        redis = self.start_redis()
        a = self.start_node(redis)
        b = self.start_node(redis, "--history-events", "2")
        ids = publish_many(a.addr, 6)
        self.wait_read(b, 6)
        self.assertEqual(redis.call("XDEL", STREAM, ids[2]), 1)
        client = self.subscribe(b.addr, headers={"Last-Event-ID": ids[2]})
        gap = client.next_event(timeout=10)
        self.assertEqual((gap.type, json.loads(gap.data)["reason"]), ("ssehub.gap", "unknown"))
        self.assert_events(client, ids[3:], ["e%d" % k for k in range(3, 6)])

    def test_a_node_started_later_replays_recent_events_from_its_ring(self):
        redis = self.start_redis()
        a = self.start_node(redis)
        ids = publish_many(a.addr, 10)
        c = self.start_node(redis)
        # The link is up before the recent entries are in the ring; a resume in between would
        # (correctly) be paged from the stream instead. Wait for the load.
        c.wait_for_log(r"redis: reading stream \S+ after %s \(10 recent events loaded"
                       % re.escape(ids[9]), timeout=10)
        client = self.subscribe(c.addr, headers={"Last-Event-ID": ids[4]})
        self.assert_events(client, ids[5:], ["e%d" % k for k in range(5, 10)])
        self.assertEqual(metric(c.addr, "ssehub_redis_history_pages_total"), 0)
        live = publish_ok(c.addr, "tick", "live")["id"]
        self.assert_next_event(client, "tick", "live", live)

    def test_topic_filters_apply_to_replays_from_the_stream(self):
        redis = self.start_redis()
        a = self.start_node(redis)
        b = self.start_node(redis, "--history-events", "2")
        first = publish_ok(a.addr, "tick", "start")["id"]
        publish_ok(a.addr, "tick", "a1", "a")
        publish_ok(a.addr, "tick", "b1", "b")
        publish_ok(a.addr, "tick", "a2", "a")
        for k in range(4):
            publish_ok(a.addr, "tick", "b%d" % (k + 2), "b")
        self.wait_read(b, 8)
        client = self.subscribe(b.addr, "/events?topic=a", headers={"Last-Event-ID": first})
        self.assert_next_event(client, "tick", "a1")
        self.assert_next_event(client, "tick", "a2")
        self.assert_nothing_broadcast(b, client)


if __name__ == "__main__":
    unittest.main()
