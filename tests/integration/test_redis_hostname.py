"""Scale-out on Redis Streams, a host name in --redis (issue 11): the name is resolved off the
loop before each round of connection attempts. `localhost` connects and carries events; a name
that does not resolve leaves the node serving its subscribers, with publishes and /healthz
answering 503 and the reason, while it keeps retrying with backoff."""

import unittest

from harness import http_request, publish, publish_ok, wait_until
from redis_harness import RedisTestCase, metric


class HostNameTest(RedisTestCase):
    def test_a_host_name_is_resolved_and_used(self):
        redis = self.start_redis()
        node = self.start_node(redis, url="redis://localhost:%d/0" % redis.port)
        node.wait_for_log(r"info: redis: localhost resolves to 127\.0\.0\.1")
        client = self.subscribe(node.addr)
        answer = publish_ok(node.addr, "tick", "via a name")
        self.assert_next_event(client, "tick", "via a name", answer["id"])
        self.assertEqual(redis.call("XLEN", "ssehub:events"), 1)

    def test_a_name_that_does_not_resolve_is_retried_and_the_hub_keeps_serving(self):
        node = self.start_hub("--redis", "redis://no-such-host.invalid:6379/0",
                              "--heartbeat", "1")
        client = self.subscribe(node.addr)
        wait_until(lambda: (metric(node.addr, "ssehub_redis_reconnects_total") or 0) >= 2,
                   timeout=15, message="no retry:\n" + node.stderr_text())
        lines = [l for l in node.stderr_text().splitlines() if "cannot resolve" in l]
        self.assertEqual(len(lines), 1, node.stderr_text())
        self.assertIn("no-such-host.invalid", lines[0])
        health = http_request(node.addr, "GET", "/healthz")
        self.assertEqual(health.status, 503)
        self.assertIn(b"cannot resolve no-such-host.invalid", health.body)
        refused = publish(node.addr, "tick", "x")
        self.assertEqual(refused.status, 503)
        self.assertIn("retry-after", {k.lower() for k in refused.headers})
        client.read_until(lambda: any("heartbeat" in c for c in client.comments), timeout=5,
                          what="a heartbeat while Redis cannot be reached")
        node.assert_alive()


if __name__ == "__main__":
    unittest.main()
