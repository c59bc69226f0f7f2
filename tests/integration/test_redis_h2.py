"""Scale-out on Redis Streams over HTTP/2 (issues 9 and 11): a publish on an h2 stream is
answered once Redis stored the event, with Redis's id, and reaches the subscribers of every node;
an h2 publish whose client goes away while Redis stalls is dropped safely."""

import json
import os
import re
import shutil
import subprocess
import threading
import unittest

from harness import publish_ok, requires, wait_until
from redis_harness import RedisTestCase, metric, redis_stalled
from tls_support import Certificate, h2_offered

NGHTTP = shutil.which("nghttp")


@requires(NGHTTP and h2_offered(),
                     "nghttp, or an ssehub with TLS and HTTP/2, is missing")
class RedisOverH2Test(RedisTestCase):
    def setUp(self):
        super().setUp()
        self.cert = Certificate()
        self.addCleanup(self.cert.cleanup)
        self.body = os.path.join(self.cert.dir, "body")
        with open(self.body, "w") as f:
            f.write("event=via-h2&data=hello+there")

    def start_h2_node(self, redis):
        node = self.start_node(redis, *self.cert.args(),
                               listen=("tls:127.0.0.1:0", "127.0.0.1:0"))
        tls, plain = node.tcp_ports
        return node, "https://127.0.0.1:%d" % tls, plain

    def nghttp_publish(self, base, *extra, timeout=20):
        r = subprocess.run([NGHTTP, "-v", *extra, "-d", self.body, "-H",
                            "content-type: application/x-www-form-urlencoded", base + "/publish"],
                           capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return r.stdout + r.stderr

    def test_a_publish_over_h2_is_answered_with_the_redis_id_and_reaches_every_node(self):
        redis = self.start_redis()
        a, base, _ = self.start_h2_node(redis)
        b = self.start_node(redis)
        client = self.subscribe(b.addr)
        out = self.nghttp_publish(base)
        self.assertRegex(out, r":status: 202")
        doc = json.loads(re.search(r'(\{"id":[^}]*\})', out).group(1))
        self.assertEqual(redis.call("XRANGE", "ssehub:events", "-", "+")[0][0].decode(),
                         doc["id"])
        self.assert_next_event(client, "via-h2", "hello there", doc["id"])

    def test_an_h2_publish_whose_client_leaves_while_redis_stalls_is_dropped_safely(self):
        redis = self.start_redis()
        node, base, plain = self.start_h2_node(redis)
        client = self.subscribe(plain)
        stall = threading.Thread(target=redis.call, args=("DEBUG", "SLEEP", "1"))
        stall.start()
        self.addCleanup(stall.join, 10)
        wait_until(lambda: redis_stalled(redis), timeout=5)
        out = self.nghttp_publish(base, "--timeout", "300ms")  # gives up, closes the connection
        self.assertNotRegex(out, r":status: 202")
        stall.join(10)
        # Redis stored the event when it woke: it is delivered; nobody was left to answer.
        self.assert_next_event(client, "via-h2", "hello there")
        answer = publish_ok(plain, "tick", "after")
        self.assert_next_event(client, "tick", "after", answer["id"])
        self.assertEqual(metric(plain, "ssehub_redis_up"), 1)
        node.assert_alive()


if __name__ == "__main__":
    unittest.main()
