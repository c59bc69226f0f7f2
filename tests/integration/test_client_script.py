"""GET /ssehub.js (issue 9): the shared-connection client script is served by the hub, is valid
JavaScript, and events published to a topic carry it in a "topic:" field that EventSource
ignores and the script uses to hand each event to the tabs that asked for it. GET
/ssehub-bridge.html?origin=O (issue 18): the frame the script embeds in pages of other origins,
framed by O alone, saying whether --cors-origin admits O and whether cookies may go along."""

import re
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

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


def bridge_path(origin):
    return "/ssehub-bridge.html?origin=" + urllib.parse.quote(origin, safe="")


def data_attributes(body):
    html = re.search(rb"<html [^>]*>", body).group(0).decode()
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', html))


class BridgePage(HubTestCase):
    def test_the_bridge_is_framed_by_its_origin_only_and_loads_the_script(self):
        hub = self.start_hub()
        r = http_request(hub.addr, "GET", bridge_path("http://127.0.0.1:81"))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(r.headers["cache-control"], "no-store")
        csp = r.headers["content-security-policy"]
        self.assertIn("frame-ancestors http://127.0.0.1:81", csp)
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("access-control-allow-origin", r.headers)
        self.assertIn(b'<script src="ssehub.js"></script>', r.body)
        # With the default "*" every origin may use it, without cookies.
        self.assertEqual(data_attributes(r.body), {
            "ssehub-bridge": "", "origin": "http://127.0.0.1:81", "allowed": "1",
            "credentials": "0", "reason": ""})
        head = http_request(hub.addr, "HEAD", bridge_path("https://[::1]:8443"))
        self.assertEqual((head.status, head.body), (200, b""))
        self.assertEqual(http_request(hub.addr, "POST", bridge_path("http://a"), body="x").status,
                         405)

    def test_a_named_origin_may_send_cookies_and_another_is_told_it_may_not_subscribe(self):
        hub = self.start_hub("--cors-origin", "http://app.example:81")
        named = data_attributes(
            http_request(hub.addr, "GET", bridge_path("http://app.example:81")).body)
        self.assertEqual((named["allowed"], named["credentials"], named["reason"]), ("1", "1", ""))
        r = http_request(hub.addr, "GET", bridge_path("http://other.example:81"))
        self.assertEqual(r.status, 200)
        self.assertIn("frame-ancestors http://other.example:81", r.headers["content-security-policy"])
        other = data_attributes(r.body)
        self.assertEqual((other["allowed"], other["credentials"]), ("0", "0"))
        self.assertIn("origin http://other.example:81 may not subscribe through the hub",
                      other["reason"])
        self.assertIn("--cors-origin", other["reason"])

    def test_anything_but_an_origin_is_refused(self):
        hub = self.start_hub()
        for origin in (None, "", "null", "javascript:alert(1)", "http://a.example/",
                       "http://a.example/x", "http://user@a.example", "http://a.example:99999",
                       "http://a.example:", "ftp://a.example", 'http://a"><script>',
                       "http://a.example\r\nSet-Cookie: x=1", "http://" + "a" * 300,
                       "http://[::1", "http://a.example:81 http://b"):
            with self.subTest(origin=origin):
                path = "/ssehub-bridge.html" if origin is None else bridge_path(origin)
                r = http_request(hub.addr, "GET", path)
                self.assertEqual(r.status, 400, r.body)
                self.assertIn(b"needs ?origin=", r.body)
                self.assertNotIn("content-security-policy", r.headers)
        self.assertTrue(hub.alive())


if __name__ == "__main__":
    unittest.main()
