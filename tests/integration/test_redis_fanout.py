"""Scale-out on Redis Streams, fan-out (issue 11): an event published on one node reaches the
subscribers of every node with the same id; concurrent publishes on two nodes come out in one
identical order everywhere; the 202 is sent once Redis stored the event and carries Redis's id;
XADD trims the stream; pipelined publishes are answered in order; a publisher that leaves before
Redis answers is forgotten safely."""

import json
import os
import signal as signals
import socket
import tempfile
import threading
import unittest

from harness import (Conn, build_request, http_request, parse_id, publish_ok, signal,
                     wait_until)
from redis_harness import STREAM, RedisTestCase, metric, redis_stalled


class FanOutTest(RedisTestCase):
    def test_publish_on_one_node_reaches_every_node_with_the_same_id(self):
        redis = self.start_redis()
        nodes = [self.start_node(redis) for _ in range(3)]
        clients = [self.subscribe(n.addr) for n in nodes]
        answer = publish_ok(nodes[0].addr, "hello", "from A")
        entries = redis.call("XRANGE", STREAM, "-", "+")
        self.assertEqual([e[0].decode() for e in entries], [answer["id"]],
                         "the 202 carries the id Redis gave")
        for client in clients:
            self.assert_next_event(client, "hello", "from A", answer["id"])

    def test_legacy_signal_through_redis_reaches_topic_filtered_subscribers(self):
        redis = self.start_redis()
        a, b = self.start_node(redis), self.start_node(redis)
        filtered = self.subscribe(b.addr, "/events?topic=news")
        plain = self.subscribe(a.addr, "/SSE/IMCHAT/?statusid=1")
        r = signal(b.addr, "signal=todochanged&activeserver=host&port=81")
        self.assertEqual((r.status, r.body), (200, b"OK\n"))
        for client in (filtered, plain):
            self.assert_next_event(client, "todochanged", "host 81")
        fields = redis.call("XRANGE", STREAM, "-", "+")[0][1]
        self.assertEqual(fields, [b"ssehub", b"1", b"event", b"todochanged", b"data",
                                  b"host 81", b"broadcast", b"1"])

    def test_topics_travel_through_the_stream(self):
        redis = self.start_redis()
        a, b = self.start_node(redis), self.start_node(redis)
        news = self.subscribe(b.addr, "/events?topic=news")
        publish_ok(a.addr, "tick", "sport only", "sport")
        publish_ok(a.addr, "tick", "news only", "news")
        self.assert_next_event(news, "tick", "news only")

    def test_concurrent_publishes_on_two_nodes_give_one_order_everywhere(self):
        redis = self.start_redis()
        nodes = [self.start_node(redis) for _ in range(3)]
        clients = [self.subscribe(n.addr) for n in nodes]
        per_publisher = 150
        accepted = {0: [], 1: []}

        def publisher(i):
            for k in range(per_publisher):
                accepted[i].append(publish_ok(nodes[i].addr, "p%d" % i, str(k))["id"])

        threads = [threading.Thread(target=publisher, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        total = 2 * per_publisher
        orders = []
        for client in clients:
            events = client.next_events(total, timeout=20)
            orders.append([(e.own_id, e.type, e.data) for e in events])
        self.assertEqual(orders[0], orders[1])
        self.assertEqual(orders[0], orders[2])
        ids = [o[0] for o in orders[0]]
        self.assert_ids_increase(ids)
        self.assertEqual(sorted(ids, key=parse_id), sorted(accepted[0] + accepted[1],
                                                           key=parse_id))
        # Each publisher's own events keep the order it published them in.
        for i in (0, 1):
            mine = [o[2] for o in orders[0] if o[1] == "p%d" % i]
            self.assertEqual(mine, [str(k) for k in range(per_publisher)])
        self.assert_nothing_broadcast(nodes[2], *clients)

    def test_xadd_trims_the_stream_to_about_history_events(self):
        redis = self.start_redis()
        node = self.start_node(redis, "--history-events", "10")
        for k in range(400):
            publish_ok(node.addr, "tick", str(k))
        length = redis.call("XLEN", STREAM)
        self.assertLess(length, 400)
        self.assertGreaterEqual(length, 10)

    def test_pipelined_publishes_are_answered_in_order(self):
        redis = self.start_redis()
        node = self.start_node(redis)
        client = self.subscribe(node.addr)
        addr = node.addr
        body = b"event=tick&data=%d"
        requests = b"".join(
            build_request(addr, "POST", "/publish",
                          {"Content-Type": "application/x-www-form-urlencoded"}, body % k)
            for k in range(3))
        requests += build_request(addr, "GET", "/healthz")
        requests += build_request(addr, "POST", "/publish",
                                  {"Content-Type": "application/x-www-form-urlencoded"},
                                  b"event=tick&data=last")
        with Conn(addr) as conn:
            conn.send(requests)
            answers = [conn.read_response() for _ in range(5)]
        self.assertEqual([a.status for a in answers], [202, 202, 202, 200, 202])
        ids = [json.loads(answers[i].body)["id"] for i in (0, 1, 2, 4)]
        self.assert_ids_increase(ids)
        events = client.next_events(4)
        self.assertEqual([e.data for e in events], ["0", "1", "2", "last"])
        self.assertEqual([e.own_id for e in events], ids)

    def test_a_publish_whose_connection_closes_before_redis_answers_is_dropped_safely(self):
        redis = self.start_redis()
        node = self.start_node(redis, "--request-timeout", "1")
        client = self.subscribe(node.addr)
        # Redis stalls for 2 s; the hub gives up on the waiting publishers after 1 s (the
        # request timeout) and closes them; Redis's answers then find nobody waiting.
        stall = threading.Thread(target=redis.call, args=("DEBUG", "SLEEP", "2"))
        stall.start()
        self.addCleanup(stall.join, 10)
        wait_until(lambda: redis_stalled(redis), timeout=5)
        conns = []
        for k in range(10):
            conn = Conn(node.addr)
            self.addCleanup(conn.close)
            conn.send(build_request(node.addr, "POST", "/publish",
                                    {"Content-Type": "application/x-www-form-urlencoded"},
                                    b"event=gone&data=%d" % k))
            conns.append(conn)
        for conn in conns:
            self.assertEqual(conn.wait_closed(timeout=5), b"", "closed without an answer")
        stall.join(10)
        # Redis stored the events: every node delivers them. The hub is fine.
        events = client.next_events(10, timeout=10)
        self.assertEqual(sorted(int(e.data) for e in events), list(range(10)))
        answer = publish_ok(node.addr, "tick", "after")
        self.assert_next_event(client, "tick", "after", answer["id"])
        self.assertEqual(metric(node.addr, 'ssehub_rejected_requests_total{reason="timeout"}'), 10)
        node.assert_alive()

    def test_while_redis_stalls_later_requests_wait_in_order_and_a_half_close_is_answered(self):
        redis = self.start_redis()
        node = self.start_node(redis)
        client = self.subscribe(node.addr)
        stall = threading.Thread(target=redis.call, args=("DEBUG", "SLEEP", "0.5"))
        stall.start()
        self.addCleanup(stall.join, 10)
        wait_until(lambda: redis_stalled(redis), timeout=5)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        with Conn(node.addr) as pipelined, Conn(node.addr) as half_closed:
            # One request now, the next ones while the first still awaits Redis.
            pipelined.send(build_request(node.addr, "POST", "/publish", form, b"data=first"))
            half_closed.send(build_request(node.addr, "POST", "/publish", form, b"data=half"))
            half_closed.sock.shutdown(socket.SHUT_WR)
            pipelined.send(build_request(node.addr, "GET", "/healthz"))
            pipelined.send(build_request(node.addr, "POST", "/publish", form, b"data=second"))
            answers = [pipelined.read_response(timeout=10) for _ in range(3)]
            half = half_closed.read_response(timeout=10)
            self.assertEqual(half_closed.wait_closed(), b"")
        self.assertEqual([a.status for a in answers], [202, 200, 202])
        self.assertEqual(half.status, 202)
        first, second = (json.loads(answers[i].body)["id"] for i in (0, 2))
        self.assert_ids_increase([first, second])
        events = client.next_events(3, timeout=10)
        self.assertEqual(sorted(e.data for e in events), ["first", "half", "second"])

    def test_healthz_metrics_and_a_unix_socket_url(self):
        redis = self.start_redis(unix_socket=True)
        node = self.start_node(redis, url="unix:" + redis.unix_path)
        r = http_request(node.addr, "GET", "/healthz")
        self.assertEqual((r.status, r.body), (200, b"ok\n"))
        publish_ok(node.addr, "tick", "x")
        self.wait_read(node, 1)
        self.assertEqual(metric(node.addr, "ssehub_redis_xadd_duration_seconds_count"), 1)
        self.assertEqual(metric(node.addr, "ssehub_events_published_total"), 1)

    def test_redis_keys_in_the_config_file_and_a_reload(self):
        redis = self.start_redis()
        fd, path = tempfile.mkstemp(prefix="ssehub-conf-")
        self.addCleanup(os.unlink, path)
        with os.fdopen(fd, "w") as f:
            f.write('redis = "%s"\nredis-stream = "site:events"\n' % redis.url)
        node = self.start_hub("--config", path)
        wait_until(lambda: metric(node.addr, "ssehub_redis_up") == 1, timeout=10)
        answer = publish_ok(node.addr, "tick", "x")
        self.assertEqual(redis.call("XRANGE", "site:events", "-", "+")[0][0].decode(),
                         answer["id"])
        with open(path, "w") as f:
            f.write('redis = "%s"\nredis-stream = "other"\n' % redis.url)
        node.signal(signals.SIGHUP)
        node.wait_for_log(r"warn: redis and redis-stream changes take effect only after a restart")
        node.wait_for_log(r"info: reloaded configuration")
        publish_ok(node.addr, "tick", "y")
        self.assertEqual(redis.call("XLEN", "site:events"), 2)

    def test_a_lone_hub_does_not_show_redis_metrics(self):
        hub = self.start_hub()
        self.assertIsNone(metric(hub.addr, "ssehub_redis_up"))


if __name__ == "__main__":
    unittest.main()
