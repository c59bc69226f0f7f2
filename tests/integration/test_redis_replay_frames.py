"""A replayed event is the live event, byte for byte (issue 15.2). Events a node takes from the
Redis stream -- live, loaded into its ring at start-up, or read in pages for a replay older
than its ring -- are framed by the same encoder as a local publish: every field of every
replayed frame, topic: included, equals the live frame of the same id. /ssehub.js filters by
that topic field, so a frame without it would hand a tab subscribed to `a` the events of `b`.
"""

import unittest

from harness import publish_ok, signal, wait_until
from redis_harness import RedisTestCase, metric

# (event, data, topic): topics, none, the default type, line breaks of every kind, NUL.
EVENTS = [
    ("tick", "a1", "a"),
    ("tick", "b1", "b"),
    ("message", "plain", None),
    ("note", "two\nlines\r\nand\rcr", "a"),
    ("tick", "nul\x00inside", "b"),
    ("message", "", "a"),
    ("grüße", "✓ utf-8", "b"),
    ("tick", "a2", "a"),
]


def frames_by_id(raw):
    """{id: frame bytes} of every event block in a raw event stream (the response body)."""
    body = bytes(raw)
    out = {}
    for block in body.split(b"\n\n")[:-1]:
        if block.startswith(b"id: "):
            event_id = block.split(b"\n", 1)[0][4:].decode()
            out[event_id] = block + b"\n\n"
    return out


class ReplayFramesTest(RedisTestCase):
    def wait_loaded(self, node, n):
        """A late node's link is up before its ring holds the recent entries: wait for that."""
        node.wait_for_log(r"redis: reading stream \S+ after \S+ \(%d recent events loaded" % n,
                          timeout=10)

    def publish_all(self, addr):
        ids = []
        for event, data, topic in EVENTS:
            ids.append(publish_ok(addr, event, data, topic, json=True)["id"])
        r = signal(addr, [("signal", "legacy"), ("data", "to all")])
        self.assertEqual(r.status, 200, r.body)
        return ids

    def read_frames(self, client, ids):
        wanted = set(ids)
        client.read_until(lambda: wanted <= set(frames_by_id(client.raw)), timeout=10,
                          what="every replayed event")
        return frames_by_id(client.raw)

    def test_replayed_frames_equal_the_live_frames_from_every_source(self):
        redis = self.start_redis()
        origin = self.start_node(redis)
        # Takes every event from Redis live, as it is published.
        follower = self.start_node(redis)
        live = self.subscribe(origin.addr)
        first = publish_ok(origin.addr, "tick", "before")["id"]
        ids = self.publish_all(origin.addr)
        wait_until(lambda: (metric(origin.addr, "ssehub_events_published_total") or 0)
                   >= len(ids) + 2)
        self.wait_read(follower, len(ids) + 2)
        # Signals are not in `ids`: find the last event's id from the live stream.
        live_frames = self.read_frames(live, ids)
        self.assertEqual(len(live_frames), len(ids) + 2)
        # Started now: loads the newest entries into its ring (all of them), or keeps two and
        # reads the older ones from the stream in pages.
        loaded = self.start_node(redis)
        paged = self.start_node(redis, "--history-events", "2")
        self.wait_loaded(loaded, len(ids) + 2)
        self.wait_loaded(paged, 2)
        for node, how in ((origin, "local"), (follower, "Redis live"), (loaded, "ring load"),
                          (paged, "paged replay")):
            with self.subTest(source=how):
                client = self.subscribe(node.addr, headers={"Last-Event-ID": first})
                replayed = self.read_frames(client, set(live_frames) - {first})
                self.assertEqual(set(replayed), set(live_frames) - {first})
                for event_id, frame in sorted(replayed.items()):
                    self.assertEqual(frame, live_frames[event_id],
                                     "%s: the replayed frame of %s differs" % (how, event_id))
        # Each topic's frames name it, after a failover too.
        for frame in (live_frames[ids[0]], live_frames[ids[4]]):
            self.assertIn(b"\ntopic: ", frame)
        self.assertIn(b"data: nul\x00inside\n", live_frames[ids[4]])
        if metric(paged.addr, "ssehub_redis_history_pages_total") == 0:
            self.fail("the paged node never read a page: the test did not cover paged replay")

    def test_a_topic_filtered_resume_on_another_node_gets_only_its_topic(self):
        redis = self.start_redis()
        origin = self.start_node(redis)
        first = publish_ok(origin.addr, "tick", "before")["id"]
        ids = self.publish_all(origin.addr)
        paged = self.start_node(redis, "--history-events", "2")
        self.wait_loaded(paged, 2)
        client = self.subscribe(paged.addr, "/events?topic=a", headers={"Last-Event-ID": first})
        # Line breaks of every kind reach a page as LF.
        want = [(e, d.replace("\r\n", "\n").replace("\r", "\n")) for (e, d, t) in EVENTS
                if t == "a"] + [("legacy", "to all")]
        got = client.next_events(len(want), timeout=10)
        self.assertEqual([(e.type, e.data) for e in got], want)
        frames = frames_by_id(client.raw)
        for e in got[:-1]:
            self.assertIn(b"\ntopic: a\n", frames[e.own_id])
        self.assertNotIn(b"topic:", frames[got[-1].own_id])


if __name__ == "__main__":
    unittest.main()
