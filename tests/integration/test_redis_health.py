"""What /healthz says about Redis (issue 16.10). Redis that is up but refuses writes (out of
memory under noeviction) makes /healthz answer 503 with Redis's error until it takes writes
again; a frozen Redis is noticed when the man page says, 5 to 6 s after it froze, and the log
line names the same 5 s."""

import signal
import time
import unittest

from harness import http_request, publish, publish_ok, wait_until
from redis_harness import RedisTestCase, metric


def healthz(addr):
    return http_request(addr, "GET", "/healthz")


class RedisHealth(RedisTestCase):
    def test_healthz_reports_redis_refusing_writes_until_it_takes_them_again(self):
        redis = self.start_redis()
        node = self.start_node(redis)
        client = self.subscribe(node.addr)
        publish_ok(node.addr, "tick", "before")
        self.assertEqual(healthz(node.addr).status, 200)
        redis.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
        redis.call("CONFIG", "SET", "maxmemory", "1")
        r = publish(node.addr, "tick", "refused")
        self.assertEqual(r.status, 503, r.body)
        self.assertIn(b"OOM", r.body)
        h = healthz(node.addr)
        self.assertEqual(h.status, 503, h.body)
        self.assertTrue(h.body.startswith(b"Redis refuses writes: OOM"), h.body)
        self.assertEqual(h.body.count(b"\n"), 1)
        node.wait_for_log(r"error: redis: Redis refuses writes: OOM")
        # The link itself stays up; the refusal is what /healthz reports.
        self.assertEqual(metric(node.addr, "ssehub_redis_up"), 1)
        redis.call("CONFIG", "SET", "maxmemory", "0")
        # The probe (once a second) sees writes taken again, with no publish needed.
        wait_until(lambda: healthz(node.addr).status == 200, timeout=3,
                   message="/healthz did not recover after Redis took writes again")
        node.wait_for_log(r"info: redis: Redis takes writes again")
        after = publish_ok(node.addr, "tick", "after")["id"]
        self.assert_next_event(client, "tick", "before")
        self.assert_next_event(client, "tick", "after", after)
        # The probe never stored anything.
        self.assertEqual(metric(node.addr, "ssehub_redis_skipped_entries_total"), 0)

    def test_a_frozen_redis_is_noticed_5_to_6_seconds_after_it_froze(self):
        redis = self.start_redis()
        node = self.start_node(redis)
        publish_ok(node.addr, "tick", "x")
        time.sleep(0.3)  # put the freeze anywhere in the watchdog's second
        redis.proc.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        self.addCleanup(redis.proc.send_signal, signal.SIGCONT)
        wait_until(lambda: healthz(node.addr).status == 503, timeout=12, interval=0.02,
                   message="the freeze was not noticed")
        took = time.monotonic() - frozen
        print("\n  frozen Redis noticed after %.2f s" % took)
        self.assertGreaterEqual(took, 4.9)
        self.assertLessEqual(took, 6.3)
        node.wait_for_log(r"no answer from Redis within 5 s")
        self.assertIn(b"within 5 s", healthz(node.addr).body)
        redis.proc.send_signal(signal.SIGCONT)
        wait_until(lambda: metric(node.addr, "ssehub_redis_up") == 1, timeout=10)
        publish_ok(node.addr, "tick", "back")


if __name__ == "__main__":
    unittest.main()
