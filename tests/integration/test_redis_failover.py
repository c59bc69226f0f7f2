"""Scale-out on Redis Streams, node failure (issue 11): kill -9 one hub node while events flow;
its pages reconnect to another node with their Last-Event-ID and miss nothing, with no
duplicate."""

import json
import threading
import unittest

from harness import ConnectionClosed, publish, wait_until
from redis_harness import RedisTestCase


class FailoverTest(RedisTestCase):
    def test_pages_of_a_killed_node_resume_on_another_and_miss_nothing(self):
        redis = self.start_redis()
        a, b = self.start_node(redis), self.start_node(redis)
        pages = [self.subscribe(a.addr, "/events" if k % 2 else "/SSE/IMCHAT/")
                 for k in range(4)]
        accepted = []
        stop = threading.Event()

        def publisher():  # publishes on B, the node that survives
            k = 0
            while not stop.is_set():
                r = publish(b.addr, "tick", str(k))
                self.assertEqual(r.status, 202, r.body)
                accepted.append(json.loads(r.body)["id"])
                k += 1
                stop.wait(0.002)

        thread = threading.Thread(target=publisher)
        thread.start()
        self.addCleanup(thread.join, 30)
        self.addCleanup(stop.set)
        for page in pages:
            page.read_until(lambda: len(page.events) >= 20, timeout=10, what="20 events")

        self.kill9_node(a)
        resumed = []
        for page in pages:
            try:
                page.wait_closed(timeout=5)
            except ConnectionClosed:
                pass
            last = page.events[-1].own_id
            # What EventSource does: reconnect (here to the other node) with the last id.
            resumed.append((page, self.subscribe(b.addr, headers={"Last-Event-ID": last})))
        count = len(accepted)
        wait_until(lambda: len(accepted) >= count + 50, timeout=10)
        stop.set()
        thread.join(30)

        for before, after in resumed:
            after.read_until(lambda: accepted[-1] in {e.own_id for e in after.events},
                             timeout=10, what="the last accepted event")
            ids = [e.own_id for e in before.events + after.events]
            self.assertEqual(ids, accepted, "a page missed or repeated events across nodes")


if __name__ == "__main__":
    unittest.main()
