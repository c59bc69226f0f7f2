"""Scale-out on Redis Streams, bad input (issue 11): a malformed URL or an unknown scheme is a
usage error naming the option; a wrong password is one clear log line while the node keeps
retrying with backoff; entries ssehub did not write (missing fields, binary junk, forged
reserved types) are skipped with a counter and a log line, never a crash."""

import os
import tempfile
import unittest

from harness import http_request, publish, publish_ok, run_cli, wait_until
from redis_harness import STREAM, RedisTestCase, metric


class UsageTest(RedisTestCase):
    def test_a_bad_url_or_scheme_is_a_usage_error_naming_the_option(self):
        for url in ("http://127.0.0.1:6379", "rediss://127.0.0.1:6379", "redis://host:0",
                    "redis://host:6379/x", "redis://alice:secret@host", "127.0.0.1:6379",
                    "unix:relative.sock"):
            r = run_cli(["serve", "--redis", url])
            self.assertEqual(r.returncode, 2, (url, r.stderr))
            self.assertIn("--redis", r.stderr, url)
            self.assertEqual(len(r.stderr.strip().splitlines()), 2, r.stderr)

    def test_a_user_without_a_password_file_is_a_usage_error(self):
        r = run_cli(["serve", "--redis", "redis://alice@127.0.0.1:6379"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--redis-password-file", r.stderr)

    def test_an_unreadable_password_file_is_a_runtime_failure(self):
        r = run_cli(["serve", "--redis", "redis://127.0.0.1:6379", "--redis-password-file",
                     "/nonexistent/redis.pw"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent/redis.pw", r.stderr)


class PasswordTest(RedisTestCase):
    def password_file(self, text):
        fd, path = tempfile.mkstemp(prefix="ssehub-redis-pw-")
        with os.fdopen(fd, "w") as f:
            f.write(text + "\n")
        self.addCleanup(os.unlink, path)
        return path

    def test_a_wrong_password_is_one_log_line_and_retries_with_backoff(self):
        redis = self.start_redis(password="right-secret")
        node = self.start_node(redis, "--redis-password-file", self.password_file("wrong"),
                               wait_up=False)
        wait_until(lambda: metric(node.addr, "ssehub_redis_reconnects_total") >= 4, timeout=15)
        lines = [l for l in node.stderr_lines if "authentication failed" in l]
        self.assertEqual(len(lines), 1, node.stderr_text())
        self.assertTrue(lines[0].startswith("error: "), lines[0])
        self.assertIn("--redis-password-file", lines[0])
        health = http_request(node.addr, "GET", "/healthz")
        self.assertEqual(health.status, 503)
        self.assertIn(b"authentication failed", health.body)
        self.assertEqual(publish(node.addr, "tick", "x").status, 503)
        node.assert_alive()

    def test_the_right_password_and_a_user_name_connect(self):
        redis = self.start_redis(password="right-secret")
        node = self.start_node(redis, "--redis-password-file", self.password_file("right-secret"))
        publish_ok(node.addr, "tick", "x")
        user_url = "redis://default@127.0.0.1:%d/0" % redis.port
        other = self.start_node(redis, "--redis-password-file",
                                self.password_file("right-secret"), url=user_url)
        publish_ok(other.addr, "tick", "y")


class JunkEntriesTest(RedisTestCase):
    JUNK = [
        ("foo", "bar"),                                          # another program's entry
        (b"\xff\xfe\x00junk", b"\x00\x01\x02"),                  # binary junk
        ("ssehub", "1", "event", "tick"),                        # no data field
        ("ssehub", "1", "event", "tick", "data", b"\xc3\x28"),   # data not UTF-8
        ("ssehub", "1", "event", "ssehub.gap", "data", "{}"),    # a reserved type
        ("ssehub", "2", "event", "tick", "data", "x"),           # a format not known
        ("ssehub", "1", "event", "tick", "data", "x", "extra", "1"),
    ]

    def test_entries_not_written_by_ssehub_are_skipped_counted_and_logged(self):
        redis = self.start_redis()
        node = self.start_node(redis)
        client = self.subscribe(node.addr)
        first = publish_ok(node.addr, "tick", "before")["id"]
        for fields in self.JUNK:
            redis.call("XADD", STREAM, "*", *fields)
        after = publish_ok(node.addr, "tick", "after")["id"]
        self.assert_next_event(client, "tick", "before", first)
        self.assert_next_event(client, "tick", "after", after)
        self.assertEqual(metric(node.addr, "ssehub_redis_skipped_entries_total"), len(self.JUNK))
        node.wait_for_log(r"warn: redis: skipped stream entry \S+ that ssehub did not write")
        # A node that starts now reads the same entries for its ring, and replays from it skip
        # them too; so does a replay paged from the stream.
        late = self.start_node(redis, "--history-events", "2")
        resumed = self.subscribe(late.addr, headers={"Last-Event-ID": first})
        self.assert_next_event(resumed, "tick", "after", after)
        self.assert_nothing_broadcast(late, resumed)
        node.assert_alive()
        late.assert_alive()

    def test_a_key_that_is_not_a_stream_is_reported_and_retried(self):
        redis = self.start_redis()
        redis.call("SET", STREAM, "not a stream")
        node = self.start_node(redis, wait_up=False)
        node.wait_for_log(r"redis: cannot use .*: key ssehub:events holds a string, not a stream",
                          timeout=10)
        self.assertEqual(publish(node.addr, "tick", "x").status, 503)
        redis.call("DEL", STREAM)
        wait_until(lambda: publish(node.addr, "tick", "x").status == 202, timeout=15)

    def test_a_command_refused_after_connecting_does_not_flood_the_log(self):
        redis = self.start_redis()
        redis.call("ACL", "SETUSER", "reader", "on", ">pw", "~*", "+@all", "-xread")
        pw = PasswordTest.password_file(self, "pw")
        node = self.start_node(redis, "--redis-password-file", pw, wait_up=False,
                               url="redis://reader@127.0.0.1:%d/0" % redis.port)
        wait_until(lambda: metric(node.addr, "ssehub_redis_reconnects_total") >= 4, timeout=20)
        refused = [l for l in node.stderr_lines if "NOPERM" in l]
        self.assertLessEqual(len(refused), 2, node.stderr_text())
        self.assertGreaterEqual(len(refused), 1, node.stderr_text())
        node.assert_alive()


if __name__ == "__main__":
    unittest.main()
