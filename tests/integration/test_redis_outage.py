"""Scale-out on Redis Streams, Redis failures (issue 11): kill -9 Redis mid-stream and restart
it -- no subscriber is dropped and heartbeats go on, publishes get 503 with Retry-After while it
is down, /healthz and /metrics say so, the node reconnects and reads on from the last id it saw,
and every event accepted before and after is delivered once, in order. A Redis that comes back
without the entries (no persistence), or a node that stalls until the stream is trimmed past it,
makes its subscribers get ssehub.gap."""

import json
import signal
import threading
import unittest

from harness import http_request, one_line_reason, publish, publish_ok, wait_until
from redis_harness import STREAM, RedisTestCase, metric


def redis_ms(redis):
    seconds, micros = redis.call("TIME")
    return int(seconds) * 1000 + int(micros) // 1000


class OutageTest(RedisTestCase):
    def test_redis_killed_mid_stream_loses_nothing_accepted(self):
        redis = self.start_redis(appendonly=True)
        a = self.start_node(redis, "--heartbeat", "1")
        b = self.start_node(redis, "--heartbeat", "1")
        clients = [self.subscribe(a.addr), self.subscribe(b.addr)]
        accepted, refused = [], []
        stop = threading.Event()

        def publisher():
            k = 0
            while not stop.is_set():
                node = (a, b)[k % 2]
                r = publish(node.addr, "tick", str(k))
                k += 1
                if r.status == 202:
                    accepted.append(json.loads(r.body)["id"])
                else:
                    refused.append(r)
                stop.wait(0.003)  # pacing, so the log is not flooded with 503s

        thread = threading.Thread(target=publisher)
        thread.start()
        self.addCleanup(thread.join, 30)
        self.addCleanup(stop.set)
        wait_until(lambda: len(accepted) >= 30, timeout=10)

        redis.kill9()
        wait_until(lambda: len(refused) >= 5, timeout=10)
        for r in refused[:5]:
            self.assertEqual(r.status, 503)
            self.assertGreaterEqual(int(r.headers["retry-after"]), 1)
            one_line_reason(self, r)
        # The one in flight when Redis died may say so instead ("Redis went away ...").
        self.assertIn(b"Redis unavailable", refused[4].body)
        health = http_request(a.addr, "GET", "/healthz")
        self.assertEqual(health.status, 503)
        self.assertIn(b"Redis unavailable", health.body)
        self.assertEqual(metric(a.addr, "ssehub_redis_up"), 0)
        self.assertEqual(metric(a.addr, "ssehub_subscribers"), 1)
        for client in clients:  # still connected, still getting heartbeats
            seen = len(client.comments)
            client.read_until(lambda: len(client.comments) > seen, timeout=5, what="heartbeat")

        down_count = len(accepted)
        redis.start()
        wait_until(lambda: len(accepted) >= down_count + 30, timeout=20,
                   message="publishes not accepted again after Redis came back")
        stop.set()
        thread.join(30)
        self.assertGreater(metric(a.addr, "ssehub_redis_reconnects_total"), 0)
        # The publishing connection can be back before the reading one: healthy once both are.
        wait_until(lambda: http_request(a.addr, "GET", "/healthz").status == 200, timeout=10)

        for client in clients:
            client.read_until(lambda: set(accepted) <= {e.own_id for e in client.events},
                              timeout=10, what="every accepted event")
            self.assertNotIn("ssehub.gap", [e.type for e in client.events])
            ids = [e.own_id for e in client.events]
            self.assertEqual(len(ids), len(set(ids)), "an event was delivered twice")
            self.assert_ids_increase(ids)
        # Both nodes delivered one identical sequence.
        self.assertEqual([e.own_id for e in clients[0].events],
                         [e.own_id for e in clients[1].events][:len(clients[0].events)])
        for node in (a, b):
            self.assertEqual(len([l for l in node.stderr_lines if "redis: lost" in l]), 1)
            self.assertEqual(len([l for l in node.stderr_lines if "connected again" in l]), 1)

    def test_redis_back_without_its_entries_gives_every_subscriber_a_gap(self):
        redis = self.start_redis()  # no persistence: a restart loses the stream
        a, b = self.start_node(redis), self.start_node(redis)
        clients = [self.subscribe(a.addr), self.subscribe(b.addr)]
        before = publish_ok(a.addr, "tick", "before")["id"]
        for client in clients:
            self.assert_next_event(client, "tick", "before", before)
        redis.kill9()
        wait_until(lambda: publish(a.addr, "tick", "refused").status == 503, timeout=10)
        redis.start()
        for node in (a, b):
            wait_until(lambda: metric(node.addr, "ssehub_redis_up") == 1, timeout=15)
        after = publish_ok(b.addr, "tick", "after")["id"]
        for client in clients:
            gap = client.next_event(timeout=10)
            self.assertEqual(gap.type, "ssehub.gap")
            info = json.loads(gap.data)
            self.assertEqual((info["reason"], info["requested"]), ("upstream_lost", before))
            self.assert_next_event(client, "tick", "after", after)
        self.assertEqual(metric(a.addr, "ssehub_redis_upstream_gaps_total"), 1)

    def test_a_node_that_falls_behind_the_trimmed_stream_sends_a_gap(self):
        redis = self.start_redis()
        a = self.start_node(redis, "--history-events", "10")  # its XADDs trim to ~10 (~100)
        b = self.start_node(redis)
        client = self.subscribe(b.addr)
        first = publish_ok(a.addr, "tick", "first")["id"]
        self.assert_next_event(client, "tick", "first", first)
        b.proc.send_signal(signal.SIGSTOP)  # a node that stalls while the stream moves on
        self.addCleanup(b.proc.send_signal, signal.SIGCONT)
        ids = [publish_ok(a.addr, "tick", str(k))["id"] for k in range(400)]
        oldest = redis.call("XRANGE", STREAM, "-", "+", "COUNT", "1")[0][0].decode()
        self.assertNotEqual(oldest, ids[0], "the stream was not trimmed past B")
        # B's reply for ids[0] was queued while it stalled; let it be late by Redis's clock.
        late_ms = int(ids[0].split("-")[0]) + 500
        wait_until(lambda: redis_ms(redis) >= late_ms, timeout=5)
        b.proc.send_signal(signal.SIGCONT)
        client.read_until(lambda: any(e.data == "399" for e in client.events), timeout=10,
                          what="the last event")
        events = [e for e in client.events if e.type != "tick" or e.data != "first"]
        types = [e.type for e in events]
        self.assertIn("ssehub.gap", types)
        gap = events[types.index("ssehub.gap")]
        self.assertEqual(json.loads(gap.data)["reason"], "upstream_lost")
        after = [int(e.data) for e in events[types.index("ssehub.gap") + 1:]]
        self.assertEqual(after, list(range(after[0], 400)), "in order, nothing skipped after it")
        self.assertGreaterEqual(metric(b.addr, "ssehub_redis_upstream_gaps_total"), 1)
        b.wait_for_log(r"warn: redis: this node fell behind stream")


if __name__ == "__main__":
    unittest.main()
