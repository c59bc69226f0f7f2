"""Cross-site publishing (issue 15.3, CSRF): a page on another site can make the browser send a
form POST to /publish or an <img> GET to /?signal= without a preflight, and the peer is then
loopback. A request the browser marks as cross-site (Sec-Fetch-Site: cross-site, or an Origin
that is neither the hub's own host nor --cors-origin) must be refused with 403 and counted,
whatever its peer address; same-site pages and clients that send neither header still
publish. Each header combination here is what a browser (or curl) sends in one setup."""

import os
import shutil
import subprocess
import tempfile

from harness import (HubTestCase, http_request, metrics, one_line_reason, publish, publish_ok,
                     require, signal)
from tls_support import TlsHubTestCase, h2_offered

CROSS_SITE = 'ssehub_rejected_requests_total{reason="cross_site"}'

# (headers, what sends them): each must be refused.
REFUSED = [
    ({"Sec-Fetch-Site": "cross-site"}, "an <img> GET or form POST to 127.0.0.1 from another site"),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}, "fetch() from another site"),
    ({"Origin": "http://evil.example"}, "a form POST over plain HTTP to another host"),
    ({"Origin": "http://evil.example:8080"}, "another site on the hub's port"),
    ({"Origin": "null"}, "a sandboxed iframe or a file: page"),
    ({"Origin": "http://127.0.0.1.evil.example"}, "a host that only starts like the hub's"),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "null"}, "an opaque origin over HTTPS"),
    ({"Sec-Fetch-Site": "something-new"}, "a value this hub does not know"),
]


def allowed(port):
    """(headers, what sends them): each may publish."""
    return [
        ({}, "curl, scripts, other servers"),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1:%d" % port},
         "the built-in page"),
        ({"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:43124"},
         "an IntraMine page on another port"),
        ({"Origin": "http://127.0.0.1:43124"}, "the same, from a browser without Sec-Fetch-*"),
        ({"Origin": "https://127.0.0.1"}, "the same host over another scheme"),
        ({"Sec-Fetch-Site": "none"}, "a URL typed into the address bar"),
        ({"Sec-Fetch-Site": "Same-Origin"}, "header values compared without case"),
    ]


class CrossSite(HubTestCase):
    def refused(self, hub, r, why):
        self.assertEqual(r.status, 403, "%s: %r" % (why, r.body))
        one_line_reason(self, r)
        self.assertIn(b"cross-site", r.body)

    def test_cross_site_publishes_and_signals_are_refused_and_counted(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        for n, (headers, why) in enumerate(REFUSED):
            self.refused(hub, publish(hub.addr, "forged", "form", headers=headers), why)
            self.refused(hub, publish(hub.addr, "forged", "json", json=True, headers=headers), why)
            self.refused(hub, signal(hub.addr, "signal=forged&data=img", headers=headers), why)
            self.assertEqual(metrics(hub.addr)[CROSS_SITE], 3 * (n + 1))
        self.assert_nothing_broadcast(hub, sub)

    def test_same_site_pages_and_non_browser_clients_still_publish(self):
        hub = self.start_hub()
        sub = self.subscribe(hub.addr)
        for headers, why in allowed(hub.port):
            with self.subTest(why):
                doc = publish_ok(hub.addr, "ok", why, headers=headers)
                self.assert_next_event(sub, "ok", why, doc["id"])
                r = signal(hub.addr, [("signal", "sig"), ("data", why)], headers=headers)
                self.assertEqual(r.status, 200, r.body)
                self.assert_next_event(sub, "sig", why)
        self.assertEqual(metrics(hub.addr)[CROSS_SITE], 0)

    def test_the_host_header_names_the_site(self):
        hub = self.start_hub()
        for host, origin in (("localhost:%d" % hub.port, "http://localhost:1"),
                             ("LocalHost", "http://localhost"),
                             ("[::1]:%d" % hub.port, "http://[::1]:9000"),
                             ("intramine.lan:81", "http://intramine.lan:43124")):
            publish_ok(hub.addr, "ok", host, headers={"Host": host, "Origin": origin})
        r = publish(hub.addr, "no", "x", headers={"Host": "[::1]", "Origin": "http://[::2]"})
        self.assertEqual(r.status, 403)

    def test_an_origin_named_by_cors_origin_may_publish_from_another_site(self):
        hub = self.start_hub("--cors-origin", "https://app.example")
        sub = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, "ok", "listed", headers={
            "Sec-Fetch-Site": "cross-site", "Origin": "https://app.example"})
        self.assert_next_event(sub, "ok", "listed", doc["id"])
        for origin in ("https://other.example", "https://app.example.evil", "http://app.example"):
            r = publish(hub.addr, "no", origin, headers={"Sec-Fetch-Site": "cross-site",
                                                        "Origin": origin})
            self.assertEqual(r.status, 403, origin)
        self.assertEqual(metrics(hub.addr)[CROSS_SITE], 3)

    def test_the_peer_address_does_not_matter(self):
        sock = os.path.join(tempfile.mkdtemp(prefix="ssehub-xs-"), "hub.sock")
        self.addCleanup(shutil.rmtree, os.path.dirname(sock), True)
        hub = self.start_hub(listen=("unix:" + sock, "127.0.0.1:0"))
        r = publish(sock, "forged", "x", headers={"Origin": "http://evil.example"})
        self.assertEqual(r.status, 403, r.body)
        r = publish(sock, "ok", "x", headers={"Origin": "http://evil.example",
                                               "Host": "evil.example"})
        self.assertEqual(r.status, 202, "the same site as far as the hub can tell")
        self.assertEqual(metrics(hub.tcp_ports[0])[CROSS_SITE], 1)

    def test_a_bearer_token_is_not_ambient_authority(self):
        tokens = os.path.join(tempfile.mkdtemp(prefix="ssehub-xs-"), "tokens")
        self.addCleanup(shutil.rmtree, os.path.dirname(tokens), True)
        with open(tokens, "w") as f:
            f.write("s3cret\n")
        hub = self.start_hub("--token-file", tokens)
        evil = {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"}
        publish_ok(hub.addr, "ok", "token", headers=dict(evil, Authorization="Bearer s3cret"))
        r = publish(hub.addr, "no", "x", headers=dict(evil, Authorization="Bearer wrong"))
        self.assertEqual(r.status, 403)
        self.assertEqual(publish(hub.addr, "no", "x", headers=evil).status, 403)
        self.assertEqual(metrics(hub.addr)[CROSS_SITE], 1)
        # Without configured tokens, an Authorization header grants nothing, so no bypass.
        plain = self.start_hub()
        r = publish(plain.addr, "no", "x", headers=dict(evil, Authorization="Bearer x"))
        self.assertEqual(r.status, 403)
        self.assertEqual(metrics(plain.addr)[CROSS_SITE], 1)

    def test_reading_and_preflight_are_unchanged(self):
        hub = self.start_hub()
        evil = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
        sub = self.subscribe(hub.addr, headers=evil)
        r = http_request(hub.addr, "OPTIONS", "/publish", headers=dict(
            evil, **{"Access-Control-Request-Method": "POST"}))
        self.assertEqual(r.status, 204)
        self.assertEqual(r.headers["access-control-allow-origin"], "*")
        self.assertEqual(http_request(hub.addr, "GET", "/", headers=evil).status, 200)
        doc = publish_ok(hub.addr, "ok", "read anywhere")
        self.assert_next_event(sub, "ok", "read anywhere", doc["id"])


class CrossSiteOverH2(TlsHubTestCase):
    def test_h2_applies_the_same_rule(self):
        nghttp = shutil.which("nghttp")
        require(nghttp, "nghttp (Debian package nghttp2-client) is not installed")
        require(h2_offered(), "this ssehub was built without TLS or nghttp2")
        hub, tls, plain = self.start_tls_hub()
        sub = self.subscribe(plain)
        body = os.path.join(self.cert.dir, "body")
        with open(body, "w") as f:
            f.write("event=via-h2&data=x")

        def post(*headers):
            args = [nghttp, "-v", "-d", body, "-H",
                    "content-type: application/x-www-form-urlencoded"]
            for h in headers:
                args += ["-H", h]
            r = subprocess.run(args + ["https://127.0.0.1:%d/publish" % tls], capture_output=True,
                               text=True, timeout=20, stdin=subprocess.DEVNULL)
            return r.stdout + r.stderr

        out = post("origin: http://evil.example", "sec-fetch-site: cross-site")
        self.assertRegex(out, r":status: 403")
        self.assertIn("cross-site request refused", out)
        self.assertEqual(metrics(plain)[CROSS_SITE], 1)
        out = post("origin: https://127.0.0.1:43124", "sec-fetch-site: same-site")
        self.assertRegex(out, r":status: 202")
        self.assert_next_event(sub, "via-h2", "x")


if __name__ == "__main__":
    import unittest
    unittest.main()
