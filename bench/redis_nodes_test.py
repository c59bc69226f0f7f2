#!/usr/bin/env python3
"""bench_redis_nodes: ssehub-bench spreading its subscribers over two hubs on one Redis.

Two `ssehub serve --redis` nodes share a private redis-server; one ssehub-bench opens a few
hundred subscribers over both URLs (subscriber i on node i % 2) and publishes to the first,
so node 2's subscribers only get what crossed Redis. Asserted, in total and per node: every
stream opened, every event delivered once and in order, and each node holding its share of
the subscribers -- with everything in one process, and with worker processes (one node per
worker). No timing assertions; every wait has a deadline.

Environment: SSEHUB_BIN (the hub) and SSEHUB_BENCH_BIN (ssehub-bench), set by ctest.
Reuses tests/integration/redis_harness.py (redis-server on PATH, skipped when ssehub was built
without Redis support).
"""

import json
import os
import subprocess
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from redis_harness import RedisTestCase  # noqa: E402

SUBSCRIBERS = 301  # odd, so the nodes get 151 and 150
EVENTS = 200


def bench_binary():
    path = os.environ.get("SSEHUB_BENCH_BIN") or os.path.join(REPO, "build", "bench",
                                                              "ssehub-bench")
    if not os.access(path, os.X_OK):
        raise AssertionError("ssehub-bench not found at %r: build it, or set SSEHUB_BENCH_BIN"
                             % path)
    return path


class BenchOverTwoNodesTest(RedisTestCase):
    def run_bench(self, nodes, extra=()):
        cmd = [bench_binary(), "--json", "-q", "-n", str(SUBSCRIBERS), "-m", str(EVENTS),
               "--connect-timeout", "60", "--event-timeout", "30"]
        for node in nodes:
            cmd += ["-u", node.url + "/events"]
        cmd += list(extra)
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=150)
        try:
            result = json.loads(done.stdout)
        except ValueError:
            self.fail("no JSON from %s: exit %d, stderr %s" % (" ".join(cmd), done.returncode,
                                                               done.stderr))
        return done.returncode, result, done.stderr

    def assert_clean(self, rc, r, stderr, nodes):
        context = "exit %d, failure %r, stopped early %r, stderr %s" % (
            rc, r["failure"], r["stopped_early"], stderr)
        self.assertEqual((rc, r["ok"]), (0, True), context)
        self.assertEqual(r["subscribers"], SUBSCRIBERS)
        self.assertEqual(r["opened"], SUBSCRIBERS)
        self.assertEqual(r["events_published"], EVENTS)
        d = r["deliveries"]
        self.assertEqual((d["expected"], d["delivered"]), (SUBSCRIBERS * EVENTS,) * 2, context)
        for key in ("lost", "duplicates", "out_of_order", "disconnects", "foreign_events",
                    "subscribers_incomplete", "subscribers_disordered"):
            self.assertEqual(d[key], 0, "total %s: %s" % (key, context))
        self.assertEqual(r["publish"]["errors"], 0, r["publish"]["first_error"])

        self.assertEqual([n["url"] for n in r["nodes"]], [h.url + "/events" for h in nodes])
        shares = [151, 150]
        for k, (n, share) in enumerate(zip(r["nodes"], shares)):
            nd = n["deliveries"]
            where = "node %d: %s" % (k + 1, json.dumps(n))
            self.assertEqual((n["subscribers"], n["opened"]), (share, share), where)
            self.assertEqual((nd["expected"], nd["delivered"]), (share * EVENTS,) * 2, where)
            for key in ("lost", "duplicates", "out_of_order", "disconnects",
                        "subscribers_incomplete", "subscribers_disordered"):
                self.assertEqual(nd[key], 0, "%s %s" % (key, where))
            self.assertEqual(n["latency_us"]["count"], share * EVENTS, where)
            self.assertTrue(n["ok"], where)
        self.assertEqual(sum(n["deliveries"]["delivered"] for n in r["nodes"]), d["delivered"])

    def test_one_process_two_nodes_every_delivery_once_in_order(self):
        redis = self.start_redis()
        nodes = [self.start_node(redis) for _ in range(2)]
        rc, r, stderr = self.run_bench(nodes)
        self.assertEqual(r["workers"], 1)
        self.assert_clean(rc, r, stderr, nodes)

    def test_worker_processes_serve_one_node_each(self):
        redis = self.start_redis()
        nodes = [self.start_node(redis) for _ in range(2)]
        # Three workers asked for, rounded up to four: two per node.
        rc, r, stderr = self.run_bench(nodes, ["--workers", "3"])
        self.assertEqual(r["workers"], 4)
        self.assert_clean(rc, r, stderr, nodes)


if __name__ == "__main__":
    unittest.main()
