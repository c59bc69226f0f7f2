"""Private topics with Redis scale-out (issue 17): every node enforces the rules from its own
configuration, live and in replay. A node that starts after the events were published replays
them from the Redis stream (not from its own ring), and a resuming subscriber gets exactly the
events its token may read: the public ones without a token, its own private topic with one."""

import os
import shutil
import tempfile

from harness import http_request, publish_ok
from redis_harness import RedisTestCase, metric
from test_private_topics import SECRET, bearer, token


class RedisPrivateTopicsTest(RedisTestCase):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="ssehub-redis-jwt-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.secret_file = os.path.join(self.dir, "secret")
        with open(self.secret_file, "wb") as f:
            f.write(SECRET + b"\n")

    def node(self, redis, *extra):
        return self.start_node(redis, "--jwt-key", self.secret_file, "--private-topic", "todo/*",
                               *extra)

    def publish_all(self, node):
        ids = {}
        for name, topic in (("first", "news"), ("alice", "todo/alice"), ("bob", "todo/bob"),
                            ("news", "news")):
            ids[name] = publish_ok(node.addr, "e", name, topic)["id"]
        return ids

    def test_live_events_on_another_node_respect_its_private_topics(self):
        redis = self.start_redis()
        a, b = self.node(redis), self.node(redis)
        anyone = self.subscribe(b.addr)
        alice = self.subscribe(b.addr, headers=bearer(token(["todo/alice"])))
        self.publish_all(a)
        self.assertEqual([e.data for e in anyone.next_events(2)], ["first", "news"])
        self.assertEqual([e.data for e in alice.next_events(3)], ["first", "alice", "news"])
        self.assert_nothing_broadcast(b, anyone, alice)
        r = http_request(b.addr, "GET", "/events?topic=todo/alice",
                         {"Accept": "text/event-stream"})
        self.assertEqual(r.status, 401, r.body)

    def test_replay_from_the_redis_stream_applies_the_same_rights(self):
        redis = self.start_redis()
        a = self.node(redis)
        ids = self.publish_all(a)
        # Its ring keeps one event: a resume from the first reads the stream's history.
        late = self.node(redis, "--history-events", "1")
        pages = metric(late.addr, "ssehub_redis_history_pages_total") or 0
        resume = {"Last-Event-ID": ids["first"]}
        anyone = self.subscribe(late.addr, headers=resume)
        alice = self.subscribe(late.addr, headers=dict(resume, **bearer(token(["todo/alice"]))))
        self.assertEqual([(e.data, e.own_id) for e in anyone.next_events(1)],
                         [("news", ids["news"])])
        self.assertEqual([(e.data, e.own_id) for e in alice.next_events(2)],
                         [("alice", ids["alice"]), ("news", ids["news"])])
        self.assertGreater(metric(late.addr, "ssehub_redis_history_pages_total") or 0, pages,
                           "the replay came from Redis")
        self.assert_nothing_broadcast(late, anyone, alice)

        # Filtered to the private topic, with the right token: only that topic, from Redis.
        only = self.subscribe(late.addr, "/events?topic=todo/bob",
                              headers=dict(resume, **bearer(token(["todo/bob"]))))
        self.assertEqual([(e.data, e.own_id) for e in only.next_events(1)],
                         [("bob", ids["bob"])])
