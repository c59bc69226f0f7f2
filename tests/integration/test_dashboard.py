"""The live dashboard (issue 21): /ssehub/dashboard and its data, /ssehub/dashboard/data.

Off unless --dashboard on (then 404 as any unknown path). Admins only: a peer the publish
allow-list admits (a Unix socket peer too), a plain --token-file token, or a signed token with
{"ssehub": {"admin": true}} in the header or ?access_token=; anyone else 401/403 as for
publishing, and a browser's cross-site request 403. Neither answer carries CORS headers, even
with --cors-origin '*'. The figures move with the hub's traffic; per-topic counting is bounded
and runs only while a dashboard reads the data."""

import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from h2_raw import RawH2
from harness import (Conn, HubTestCase, http_request, metrics, one_line_reason, publish_ok,
                     requires, wait_until)
from redis_harness import RedisTestCase
from tls_support import TlsHubTestCase, TlsSseClient, h2_offered

PAGE = "/ssehub/dashboard"
DATA = "/ssehub/dashboard/data"
SECRET = b"a-dashboard-test-secret-of-32-bytes-or-more"


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint(claims):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + \
        b64url(json.dumps(dict(claims, exp=int(time.time()) + 3600)).encode())
    return head + "." + b64url(hmac.new(SECRET, head.encode(), hashlib.sha256).digest())


ADMIN = mint({"ssehub": {"admin": True}})
NOT_ADMIN = mint({"ssehub": {"subscribe": ["*"], "publish": ["*"]}})


def bearer(token):
    return {"Authorization": "Bearer " + token}


class DashboardTest(HubTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ssehub-dash-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def file(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def data(self, hub, headers=None, path=DATA):
        r = http_request(hub.addr, "GET", path, headers)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.headers["content-type"], "application/json")
        return json.loads(r.body)

    def assert_private(self, r):
        """No CORS header of any kind, never cached."""
        for name in r.headers:
            self.assertFalse(name.startswith("access-control-"), "%s: %s" % (name, r.headers))
        self.assertEqual(r.headers.get("cache-control"), "no-store")

    # -- access ---------------------------------------------------------------------------

    def test_off_by_default_the_paths_are_404(self):
        hub = self.start_hub()
        for path in (PAGE, DATA, PAGE + "/"):
            with self.subTest(path=path):
                self.assertEqual(http_request(hub.addr, "GET", path).status, 404)
        hub = self.start_hub("--dashboard", "off")
        self.assertEqual(http_request(hub.addr, "GET", DATA).status, 404)

    def test_a_reload_turns_it_on_and_off(self):
        config = self.file("ssehub.conf", "dashboard = off\n")
        hub = self.start_hub("--config", config)
        self.assertEqual(http_request(hub.addr, "GET", DATA).status, 404)
        for state, status, n in (("on", 200, 1), ("off", 404, 2)):
            self.file("ssehub.conf", "dashboard = %s\n" % state)
            hub.signal(signal.SIGHUP)
            wait_until(lambda: sum("reloaded configuration" in line
                                   for line in hub.stderr_lines) == n, 5)
            self.assertEqual(http_request(hub.addr, "GET", DATA).status, status)

    def test_an_allowed_peer_gets_the_page_and_data_without_cors_headers(self):
        for cors in ("*", "https://app.example"):
            with self.subTest(cors_origin=cors):
                hub = self.start_hub("--dashboard", "on", "--cors-origin", cors)
                page = http_request(hub.addr, "GET", PAGE)
                self.assertEqual(page.status, 200, page.body)
                self.assertTrue(page.headers["content-type"].startswith("text/html"))
                self.assertIn(b"<title>ssehub dashboard</title>", page.body)
                self.assertIn("frame-ancestors 'none'", page.headers["content-security-policy"])
                self.assertEqual(page.headers["referrer-policy"], "no-referrer")
                self.assert_private(page)
                data = http_request(hub.addr, "GET", DATA)
                self.assertEqual(data.status, 200, data.body)
                self.assert_private(data)
                # A preflight does not open it either; other paths keep their CORS headers.
                options = http_request(hub.addr, "OPTIONS", DATA, {"Origin": "https://x.example"})
                self.assertNotIn("access-control-allow-origin", options.headers)
                self.assertEqual(http_request(hub.addr, "GET", "/metrics",
                                              {"Origin": "https://app.example"})
                                 .headers["access-control-allow-origin"],
                                 "*" if cors == "*" else "https://app.example")
                self.assertEqual(http_request(hub.addr, "GET", PAGE + "/other").status, 404)
                self.assertEqual(http_request(hub.addr, "POST", DATA, body=b"").status, 405)

    def test_a_unix_socket_peer_is_allowed_whatever_the_allow_list(self):
        path = os.path.join(self.dir, "hub.sock")
        hub = self.start_hub("--dashboard", "on", "--publish-allow", "10.0.0.0/8",
                             listen=("127.0.0.1:0", "unix:" + path))
        self.assertEqual(http_request(path, "GET", DATA).status, 200)
        self.assertEqual(http_request(hub.addr, "GET", DATA).status, 403)

    def test_a_peer_outside_the_allow_list_needs_a_token(self):
        tokens = self.file("tokens", "plain-secret-token\n")
        hub = self.start_hub("--dashboard", "on", "--publish-allow", "10.0.0.0/8")
        r = http_request(hub.addr, "GET", PAGE)
        self.assertEqual(r.status, 403, r.body)
        one_line_reason(self, r)
        self.assertNotIn("access-control-allow-origin", r.headers)
        self.assertEqual(http_request(hub.addr, "GET", PAGE + "/nope").status, 404)
        hub = self.start_hub("--dashboard", "on", "--publish-allow", "10.0.0.0/8",
                             "--token-file", tokens)
        r = http_request(hub.addr, "GET", DATA)
        self.assertEqual(r.status, 401, r.body)
        self.assertEqual(r.headers["www-authenticate"], "Bearer")
        self.assertEqual(http_request(hub.addr, "GET", DATA, bearer("wrong")).status, 403)
        r = http_request(hub.addr, "GET", DATA, bearer("plain-secret-token"))
        self.assertEqual(r.status, 200, r.body)
        self.assert_private(r)

    def test_a_signed_token_needs_the_admin_claim(self):
        key = self.file("jwt.secret", SECRET.decode() + "\n")
        hub = self.start_hub("--dashboard", "on", "--publish-allow", "10.0.0.0/8",
                             "--jwt-key", key)
        before = metrics(hub.addr)
        self.assertEqual(http_request(hub.addr, "GET", DATA, bearer(ADMIN)).status, 200)
        self.assertEqual(http_request(hub.addr, "GET", PAGE, bearer(ADMIN)).status, 200)
        self.assertEqual(http_request(hub.addr, "GET", DATA + "?access_token=" + ADMIN).status,
                         200)
        self.assertEqual(http_request(hub.addr, "GET", PAGE + "?access_token=" + ADMIN).status,
                         200)
        r = http_request(hub.addr, "GET", DATA, bearer(NOT_ADMIN))
        self.assertEqual(r.status, 403, r.body)
        self.assertIn('error="insufficient_scope"', r.headers["www-authenticate"])
        self.assertIn(b"admin", r.body)
        r = http_request(hub.addr, "GET", DATA + "?access_token=" + NOT_ADMIN)
        self.assertEqual(r.status, 403, r.body)
        r = http_request(hub.addr, "GET", DATA, bearer(ADMIN[:-4] + "AAAA"))
        self.assertEqual(r.status, 401, r.body)
        self.assertIn('error="invalid_token"', r.headers["www-authenticate"])
        # From an allowed peer too, a token that is not an admin's is refused: the token decides.
        hub2 = self.start_hub("--dashboard", "on", "--jwt-key", key)
        self.assertEqual(http_request(hub2.addr, "GET", DATA, bearer(NOT_ADMIN)).status, 403)
        self.assertEqual(http_request(hub2.addr, "GET", DATA).status, 200)
        after = metrics(hub.addr)
        refusals = 'ssehub_token_refusals_total{reason="not_allowed"}'
        self.assertEqual(after[refusals] - before[refusals], 2)
        # The refusals show on the dashboard too.
        totals = self.data(hub, bearer(ADMIN))["totals"]
        self.assertEqual(totals["token_refusals"], 3)
        self.assertEqual(totals["forbidden"], 2)
        self.assertEqual(totals["unauthorized"], 1)

    def test_cross_site_requests_are_refused(self):
        hub = self.start_hub("--dashboard", "on", "--cors-origin", "https://app.example")
        own = "http://127.0.0.1:%d" % hub.port
        for headers in ({"Sec-Fetch-Site": "cross-site"},
                        {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
                        {"Origin": "http://evil.example"},
                        {"Origin": "null"},
                        # Publishing admits the --cors-origin site; the dashboard admits none.
                        {"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example"}):
            for path in (PAGE, DATA):
                with self.subTest(headers=headers, path=path):
                    r = http_request(hub.addr, "GET", path, headers)
                    self.assertEqual(r.status, 403, r.body)
                    self.assertIn(b"cross-site", r.body)
                    one_line_reason(self, r)
                    # Not even the refusal is readable by the other site's page.
                    self.assertNotIn("access-control-allow-origin", r.headers)
        for headers in ({"Sec-Fetch-Site": "same-origin", "Origin": own},
                        {"Sec-Fetch-Site": "none"}, {}):
            with self.subTest(headers=headers):
                self.assertEqual(http_request(hub.addr, "GET", DATA, headers).status, 200)
        self.assertEqual(self.data(hub)["totals"]["cross_site"], 10)

    # -- figures --------------------------------------------------------------------------

    def test_the_figures_move_with_publishes_and_subscribers(self):
        config = self.file("ssehub.conf", "dashboard = on\n")
        hub = self.start_hub("--config", config)
        first = self.data(hub)
        self.assertEqual(first["config_file"], config)
        self.assertEqual(first["listeners"], ["127.0.0.1:%d" % hub.port])
        self.assertRegex(first["version"], r"^\d+\.\d+\.\d+")
        self.assertIsNone(first["redis"])
        self.assertEqual(first["subscribers"]["total"], 0)
        plain = self.subscribe(hub.addr, "/events?topic=busy")
        shared = self.subscribe(hub.addr, "/events?topic=busy&topic=calm&client=ssehub.js")
        every = self.subscribe(hub.addr, "/events")
        subs = self.data(hub)["subscribers"]
        self.assertEqual((subs["total"], subs["http1"], subs["tls"], subs["h2"], subs["shared"],
                          subs["all_topics"]), (3, 3, 0, 0, 1, 1))
        m = metrics(hub.addr)
        self.assertEqual(m['ssehub_subscribers_by_transport{transport="http1"}'], 3)
        self.assertEqual(m["ssehub_shared_streams"], 1)

        # Events per topic are counted from the first reading on, a second at a time.
        start = self.data(hub)
        for i in range(6):
            publish_ok(hub.addr, "e", str(i), topic="busy")
        publish_ok(hub.addr, "e", "x", topic="calm")
        for client, n in ((plain, 6), (shared, 7), (every, 7)):
            client.next_events(n)

        def busiest():
            d = self.data(hub)
            rows = {r["topic"]: r for r in d["topics"]["busiest"]}
            return d if rows.get("busy", {}).get("events_per_s", 0) > 0 else None
        shown = wait_until(busiest, 5, message="events/s of topic busy never showed")
        d = self.data(hub)
        totals = d["totals"]
        self.assertEqual(totals["events_published"] - start["totals"]["events_published"], 7)
        self.assertEqual(totals["deliveries"] - start["totals"]["deliveries"], 20)
        self.assertGreater(totals["bytes_written"], start["totals"]["bytes_written"])
        self.assertGreater(d["time_ms"], start["time_ms"])
        self.assertEqual(d["topics"]["subscribed"], 2)
        # The 7 events may fall into two of the one-second windows: busy leads either way.
        rows = shown["topics"]["busiest"]
        self.assertEqual([r["topic"] for r in rows], ["busy", "calm"])
        self.assertEqual([r["subscribers"] for r in rows], [2, 1])
        self.assertTrue(all(r["exact"] for r in rows))
        self.assertGreaterEqual(rows[0]["events_per_s"], rows[1]["events_per_s"])
        # A resume is a replay, one from before the ring a gap.
        last = self.subscribe(hub.addr, "/events?topic=calm", headers={"Last-Event-ID": "1-0"})
        last.next_events(1)
        wait_until(lambda: self.data(hub)["totals"]["replays"] == 1, 5)
        self.assertEqual(self.data(hub)["totals"]["gaps"], 1)

    def test_per_topic_counting_is_bounded_and_off_while_nobody_watches(self):
        hub = self.start_hub("--dashboard", "on")
        with Conn(hub.addr) as conn:
            def flood(n, prefix, heavy_every=0):
                for i in range(n):
                    topic = "heavy" if heavy_every and i % heavy_every == 0 else prefix + str(i)
                    body = "event=e&data=x&topic=" + topic
                    r = conn.request("POST", "/publish",
                                     {"Content-Type": "application/x-www-form-urlencoded"}, body)
                    self.assertEqual(r.status, 202, r.body)

            # Nobody watches: nothing is counted.
            flood(300, "quiet/")
            d = self.data(hub)
            self.assertEqual(d["topics"]["counted"], 0)
            self.assertEqual(d["topics"]["busiest"], [])
            cap = d["topics"]["counted_max"]
            self.assertLessEqual(cap, 1024)

            # Watched, a publisher inventing a topic per event fills the table and no more; the
            # one topic that is really busy stays on top.
            def overflowed():
                flood(2 * cap, "spam/", heavy_every=4)
                d = self.data(hub)
                self.assertLessEqual(d["topics"]["counted"], cap)
                return d if d["topics"]["approximate"] else None
            d = wait_until(overflowed, 30, interval=0,
                           message="a second with more topics than the table never came")
            rows = d["topics"]["busiest"]
            self.assertLessEqual(len(rows), 10)
            self.assertEqual(rows[0]["topic"], "heavy")
            self.assertGreater(rows[0]["events_per_s"], 0)
            self.assertLessEqual(d["topics"]["counted"], cap)
            hub.assert_alive()


@requires(shutil.which("nghttp"), "nghttp2-client (nghttp) is not installed")
@requires(h2_offered(), "ssehub built without TLS or nghttp2")
class DashboardTransports(TlsHubTestCase):
    def test_subscribers_are_counted_by_transport_and_h2_answers_lack_cors_too(self):
        hub, tls, plain = self.start_tls_hub("--dashboard", "on")
        over_tls = TlsSseClient(tls, "/events?topic=t")
        self.addCleanup(over_tls.close)
        over_h2 = RawH2(tls)
        self.addCleanup(over_h2.close)
        over_h2.handshake()
        over_h2.request(1, "GET", "/events?topic=t", end_stream=True)
        self.subscribe(("127.0.0.1", plain), "/events")

        def counted():
            d = json.loads(http_request(("127.0.0.1", plain), "GET", DATA).body)
            return d if d["subscribers"]["total"] == 3 else None
        d = wait_until(counted, 5, message="three subscribers never showed")
        subs = d["subscribers"]
        self.assertEqual((subs["http1"], subs["tls"], subs["h2"]), (1, 1, 1))
        self.assertEqual(d["listeners"], ["tls:127.0.0.1:%d" % tls, "127.0.0.1:%d" % plain])
        # Over HTTP/2 the page and its data come without CORS headers as well.
        r = subprocess.run(["nghttp", "-v", "https://127.0.0.1:%d%s" % (tls, DATA)],
                           capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
        out = r.stdout + r.stderr
        self.assertIn(":status: 200", out)
        self.assertIn("referrer-policy: no-referrer", out)
        self.assertNotIn("access-control-allow-origin", out)


class DashboardRedis(RedisTestCase):
    def test_the_redis_link_shows_up_then_down(self):
        redis = self.start_redis()
        node = self.start_node(redis, "--dashboard", "on")

        def redis_figures():
            return json.loads(http_request(node.addr, "GET", DATA).body)["redis"]
        self.assertTrue(redis_figures()["up"])
        publish_ok(node.addr, "e", "x", topic="t")
        figures = redis_figures()
        self.assertIsInstance(figures["read_lag_ms"], int)
        self.assertEqual(figures["reconnects"], 0)
        redis.kill9()
        wait_until(lambda: not redis_figures()["up"], 10, message="the link never showed down")


if __name__ == "__main__":
    unittest.main()
