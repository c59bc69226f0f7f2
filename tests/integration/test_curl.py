"""The hub with curl on both ends, as a user would try it: `curl -N` subscribers,
curl publishers (form, JSON, chunked upload, large body), the IntraMine signal."""

import json
import os
import signal
import tempfile
import shutil
import unittest

from harness import HubTestCase, parse_id, run_curl


def curl_publish(hub, *args, **kwargs):
    """Publish with curl; returns (status, parsed JSON body)."""
    r = run_curl(["-w", "\n%{http_code}", hub.url + "/publish"] + list(args), **kwargs)
    if r.returncode != 0:
        raise AssertionError("curl failed (%d): %r" % (r.returncode, r.stderr))
    body, _, code = r.stdout.rpartition(b"\n")
    return int(code), body


class Curl(HubTestCase):
    def test_curl_subscriber_receives_curl_published_event(self):
        hub = self.start_hub()
        stream = self.curl_subscribe(hub.url + "/events")
        status, body = curl_publish(hub, "-d", "event=hello", "--data-urlencode",
                                    "data=from curl & friends")
        self.assertEqual(status, 202, body)
        doc = json.loads(body)
        self.assertEqual(doc["subscribers"], 1)
        self.assert_next_event(stream, "hello", "from curl & friends", doc["id"])
        self.assertEqual(stream.items[0], ("retry", 3000))

    def test_curl_json_publish_with_multiline_data(self):
        hub = self.start_hub()
        stream = self.curl_subscribe(hub.url + "/events")
        status, body = curl_publish(hub, "-H", "Content-Type: application/json",
                                    "--data-binary",
                                    json.dumps({"event": "doc", "data": "l1\nl2\r\nl3"}))
        self.assertEqual(status, 202, body)
        doc = json.loads(body)
        self.assert_next_event(stream, "doc", "l1\nl2\nl3", doc["id"])
        raw = bytes(stream.raw).decode()
        self.assertRegex(raw, r"data: ?l1(\r\n|\n|\r)data: ?l2(\r\n|\n|\r)data: ?l3")

    def test_curl_intramine_subscriber_gets_the_todochanged_signal(self):
        hub = self.start_hub()
        stream = self.curl_subscribe(hub.url + "/SSE/IMCHAT/?statusid=123",
                                     ["-H", "Accept: text/event-stream"])
        filtered = self.curl_subscribe(hub.url + "/events?topic=other")
        r = run_curl(["-w", "%{http_code}", "-o", os.devnull,
                      hub.url + "/?signal=todochanged&activeserver=host&port=43124"])
        self.assertEqual((r.returncode, r.stdout), (0, b"200"), r.stderr)
        for s in (stream, filtered):
            event = self.assert_next_event(s, "todochanged", "host 43124")
            parse_id(event.own_id)

    def test_curl_sees_the_stream_headers(self):
        hub = self.start_hub()
        stream = self.curl_subscribe(hub.url + "/events", ["-i"], wait_open=False)
        stream.read_until(lambda: b"\r\n\r\n" in stream.raw, what="response head")
        head = bytes(stream.raw).split(b"\r\n\r\n", 1)[0].decode().lower()
        self.assertRegex(head, r"^http/1\.1 200")
        self.assertIn("\r\ncontent-type: text/event-stream\r\n", head + "\r\n")
        self.assertIn("\r\ncache-control: no-store\r\n", head + "\r\n")
        self.assertIn("\r\nx-accel-buffering: no\r\n", head + "\r\n")

    def test_curl_chunked_upload(self):
        hub = self.start_hub()
        stream = self.curl_subscribe(hub.url + "/events")
        status, body = curl_publish(hub, "-H", "Transfer-Encoding: chunked",
                                    "-H", "Content-Type: application/x-www-form-urlencoded",
                                    "--data-binary", "@-",
                                    input=b"event=piped&data=through%20stdin")
        self.assertEqual(status, 202, body)
        doc = json.loads(body)
        self.assert_next_event(stream, "piped", "through stdin", doc["id"])

    def test_curl_large_body_with_expect_continue(self):
        hub = self.start_hub()
        stream = self.curl_subscribe(hub.url + "/events")
        d = tempfile.mkdtemp(prefix="ssehub-curl-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "body")
        data = "0123456789abcdef" * 3000  # 48000 bytes: curl sends Expect: 100-continue
        with open(path, "w") as f:
            f.write("event=bulk&data=" + data)
        status, body = curl_publish(hub, "--data-binary", "@" + path)
        self.assertEqual(status, 202, body)
        doc = json.loads(body)
        self.assert_next_event(stream, "bulk", data, doc["id"], timeout=10)

    def test_curl_rejected_publish_shows_reason(self):
        hub = self.start_hub()
        stream = self.curl_subscribe(hub.url + "/events")
        status, body = curl_publish(hub, "--data-urlencode", "event=a\nb", "-d", "data=x")
        self.assertEqual(status, 400, body)
        self.assertTrue(body.strip())
        self.assert_nothing_broadcast(hub, stream)

    def test_curl_subscriber_ends_cleanly_on_sigterm(self):
        hub = self.start_hub("--shutdown-grace", "2")
        stream = self.curl_subscribe(hub.url + "/events")
        status, body = curl_publish(hub, "-d", "event=bye&data=now")
        self.assertEqual(status, 202)
        hub.signal(signal.SIGTERM)
        self.assertEqual(stream.wait_exit(timeout=5), 0, "curl should see a clean close")
        self.assertEqual([(e.type, e.data) for e in stream.events], [("bye", "now")])
        self.assertEqual(hub.wait_exit(timeout=7), 0, hub.stderr_text())


if __name__ == "__main__":
    unittest.main()
