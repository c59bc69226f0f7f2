"""GET /ssehub.js (issue 9): the shared-connection client script is served by the hub, is valid
JavaScript, and events published to a topic carry it in a "topic:" field that EventSource
ignores and the script uses to hand each event to the tabs that asked for it."""

import shutil
import subprocess
import tempfile
import unittest

from harness import HubTestCase, http_request, publish_ok, requires


class ClientScript(HubTestCase):
    def test_the_script_is_served_as_javascript(self):
        hub = self.start_hub()
        r = http_request(hub.addr, "GET", "/ssehub.js")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "text/javascript; charset=utf-8")
        self.assertEqual(r.headers["cache-control"], "no-cache")
        self.assertIn(b"ssehub.subscribe", r.body[:2000])
        self.assertIn(b"window.ssehub", r.body)
        head = http_request(hub.addr, "HEAD", "/ssehub.js")
        self.assertEqual((head.status, head.body), (200, b""))
        self.assertEqual(http_request(hub.addr, "POST", "/ssehub.js", body="x").status, 405)

    @requires(shutil.which("node"), "node is not installed (Debian package nodejs)")
    def test_the_script_parses(self):
        hub = self.start_hub()
        body = http_request(hub.addr, "GET", "/ssehub.js").body
        with tempfile.NamedTemporaryFile(suffix=".js") as f:
            f.write(body)
            f.flush()
            r = subprocess.run(["node", "--check", f.name], capture_output=True, text=True,
                               timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_events_name_their_topic_and_others_do_not(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr, "/events?topic=news")
        everything = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, "t", "x", topic="news")
        self.assert_next_event(sub, "t", "x", doc["id"])
        self.assertIn("id: %s\nevent: t\ntopic: news\ndata: x\n\n" % doc["id"],
                      bytes(sub.raw).decode())
        self.assertIn(("field", "topic", "news"), sub.items)
        doc = publish_ok(hub.addr, "u", "y")
        self.assert_next_event(everything, "t", "x")
        self.assert_next_event(everything, "u", "y", doc["id"])
        self.assertNotIn("topic: \n", bytes(everything.raw).decode())


if __name__ == "__main__":
    unittest.main()
