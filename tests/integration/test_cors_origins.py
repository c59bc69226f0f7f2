"""--cors-origin as a list of origins and patterns (issue 18): the CORS headers are decided per
request from its Origin. A listed or matched origin gets itself back with credentials and
`Vary: Origin`; any other gets no Access-Control-Allow-Origin (or "*" when "*" is listed too);
"*" alone answers as before. The origins named or matched may publish from a browser, never
through "*". Over HTTP/1.1 and HTTP/2, at start, from the config file and after SIGHUP."""

import os
import shutil
import signal as signallib
import subprocess
import tempfile
import unittest

from harness import (HubTestCase, http_request, metrics, publish, publish_ok, require, run_cli,
                     wait_until)
from tls_support import TlsHubTestCase, h2_offered

CROSS_SITE = 'ssehub_rejected_requests_total{reason="cross_site"}'

LIST = ("--cors-origin", "https://app.example", "--cors-origin", "http://intranet:*",
        "--cors-origin", "https://*.example.com", "--cors-origin", "http://localhost:8081")

# Origins the list above names or matches, as browsers send them.
LISTED = ["https://app.example", "HTTPS://APP.EXAMPLE", "https://app.example:443",
          "http://intranet", "http://intranet:81", "http://intranet:43124",
          "https://a.example.com", "https://a.b.example.com", "http://localhost:8081"]

# Origins it does not, hostile ones among them.
UNLISTED = ["https://evil.example", "http://app.example", "https://app.example:8443",
            "https://intranet:81", "https://example.com", "https://a.example.com:8443",
            "https://a.example.com.evil.net", "https://a.example.evil.com",
            "http://evil.com#@app.example", "http://user@app.example", "https://app.example/",
            "http://localhost:8082", "http://localhost", "null", "*"]


class CorsTestCase(HubTestCase):
    def assert_credentialed(self, r, origin):
        self.assertEqual(r.headers.get("access-control-allow-origin"), origin, r.header_list)
        self.assertEqual(r.headers.get("access-control-allow-credentials"), "true")
        self.assertEqual(r.headers.get("vary"), "Origin")

    def assert_not_allowed(self, r, star=False):
        if star:
            self.assertEqual(r.headers.get("access-control-allow-origin"), "*", r.header_list)
        else:
            self.assertNotIn("access-control-allow-origin", r.headers, r.header_list)
        self.assertNotIn("access-control-allow-credentials", r.headers)
        self.assertEqual(r.headers.get("vary"), "Origin")

    def write_conf(self, text):
        fd, path = tempfile.mkstemp(prefix="ssehub-cors-", suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path


class OriginList(CorsTestCase):
    def test_listed_origins_and_patterns_get_themselves_back_with_credentials(self):
        hub = self.start_hub(*LIST)
        for origin in LISTED:
            with self.subTest(origin=origin):
                self.assert_credentialed(
                    http_request(hub.addr, "GET", "/healthz", {"Origin": origin}), origin)

    def test_other_origins_get_no_allow_origin(self):
        hub = self.start_hub(*LIST)
        for origin in UNLISTED:
            with self.subTest(origin=origin):
                r = http_request(hub.addr, "GET", "/healthz", {"Origin": origin})
                self.assertEqual(r.status, 200)
                self.assert_not_allowed(r)
        self.assert_not_allowed(http_request(hub.addr, "GET", "/healthz"))

    def test_the_preflight_answers_per_origin(self):
        hub = self.start_hub(*LIST)
        ask = {"Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type"}
        r = http_request(hub.addr, "OPTIONS", "/publish",
                         dict(ask, Origin="http://intranet:43124"))
        self.assertEqual(r.status, 204)
        self.assert_credentialed(r, "http://intranet:43124")
        self.assertIn("POST", r.headers["access-control-allow-methods"])
        r = http_request(hub.addr, "OPTIONS", "/events", dict(ask, Origin="https://evil.example"))
        self.assertEqual(r.status, 204)
        self.assert_not_allowed(r)

    def test_a_subscription_carries_the_headers_of_its_origin(self):
        hub = self.start_hub(*LIST)
        sub = self.subscribe(hub.addr, headers={"Origin": "https://a.example.com"})
        self.assert_credentialed(sub, "https://a.example.com")
        other = self.subscribe(hub.addr, headers={"Origin": "https://evil.example"})
        self.assert_not_allowed(other)
        # The hub does not refuse to stream: the browser keeps it from the page.
        doc = publish_ok(hub.addr, "t", "both")
        self.assert_next_event(sub, "t", "both", doc["id"])
        self.assert_next_event(other, "t", "both", doc["id"])

    def test_listed_origins_may_publish_and_others_are_refused(self):
        hub = self.start_hub(*LIST)
        sub = self.subscribe(hub.addr)
        for origin in ("https://app.example", "http://intranet:81", "https://x.example.com"):
            with self.subTest(origin=origin):
                r = publish(hub.addr, "ok", origin,
                            headers={"Origin": origin, "Sec-Fetch-Site": "cross-site"})
                self.assertEqual(r.status, 202, r.body)
                self.assert_credentialed(r, origin)
                self.assert_next_event(sub, "ok", origin)
        refused = ["https://evil.example", "https://example.com", "http://app.example",
                   "https://a.example.com.evil.net", "null"]
        for origin in refused:
            with self.subTest(origin=origin):
                r = publish(hub.addr, "no", origin,
                            headers={"Origin": origin, "Sec-Fetch-Site": "cross-site"})
                self.assertEqual(r.status, 403, r.body)
                self.assertIn(b"cross-site", r.body)
                self.assert_not_allowed(r)
        self.assertEqual(metrics(hub.addr)[CROSS_SITE], len(refused))
        self.assert_nothing_broadcast(hub, sub)

    def test_star_with_named_entries_credentials_only_the_named(self):
        hub = self.start_hub("--cors-origin", "*", "--cors-origin", "https://app.example")
        self.assert_credentialed(
            http_request(hub.addr, "GET", "/metrics", {"Origin": "https://app.example"}),
            "https://app.example")
        for origin in ("https://other.example", "null"):
            self.assert_not_allowed(
                http_request(hub.addr, "GET", "/metrics", {"Origin": origin}), star=True)
        self.assert_not_allowed(http_request(hub.addr, "GET", "/metrics"), star=True)
        # "*" lets pages anywhere read, not publish.
        r = publish(hub.addr, "no", "x", headers={"Origin": "https://other.example",
                                                  "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.headers.get("access-control-allow-origin"), "*")
        r = publish(hub.addr, "ok", "x", headers={"Origin": "https://app.example",
                                                  "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 202, r.body)
        self.assert_credentialed(r, "https://app.example")

    def test_star_alone_answers_as_before(self):
        hub = self.start_hub()
        for headers in ({}, {"Origin": "https://app.example"}, {"Origin": "null"}):
            r = http_request(hub.addr, "GET", "/healthz", headers)
            self.assertEqual(r.headers.get("access-control-allow-origin"), "*")
            self.assertNotIn("access-control-allow-credentials", r.headers)
            self.assertNotIn("vary", r.headers)
        sub = self.subscribe(hub.addr, headers={"Origin": "https://app.example"})
        self.assertEqual(sub.headers.get("access-control-allow-origin"), "*")

    def test_an_answer_to_a_malformed_request_echoes_no_origin_it_does_not_list(self):
        hub = self.start_hub(*LIST)
        # A body larger than max-event-bytes: 413, and the connection closes after it.
        r = http_request(hub.addr, "POST", "/publish",
                         {"Origin": "http://intranet:81",
                          "Content-Type": "application/x-www-form-urlencoded"},
                         body=b"x" * (65 * 1024))
        self.assertEqual(r.status, 413)
        self.assert_credentialed(r, "http://intranet:81")


class OriginEntries(CorsTestCase):
    def test_bad_entries_are_usage_errors_that_say_why(self):
        for entry, says in (("null", "cannot be listed"),
                            ("https://app.example/", "no path"),
                            ("https://user@app.example", "user name"),
                            ("ftp://app.example", "http or https"),
                            ("app.example", "not an origin"),
                            ("https://*.com", "two labels"),
                            ("https://a*.example.com", "* stands only"),
                            ("https://app.example:99999", "port")):
            with self.subTest(entry=entry):
                r = run_cli(["serve", "--cors-origin", "https://ok.example", "--cors-origin",
                             entry, "--check-config"])
                self.assertEqual(r.returncode, 2, r.stderr)
                first = r.stderr.splitlines()[0]  # then the usual pointer to --help
                self.assertIn("--cors-origin", first)
                self.assertIn(says, first)

    def test_the_config_file_takes_a_list_and_repeated_keys(self):
        conf = self.write_conf('cors-origin = ["http://intranet:*", "https://*.example.com"]\n'
                               'cors-origin = "https://app.example"\n')
        hub = self.start_hub("--config", conf)
        for origin in ("http://intranet:81", "https://a.example.com", "https://app.example"):
            self.assert_credentialed(
                http_request(hub.addr, "GET", "/healthz", {"Origin": origin}), origin)
        self.assert_not_allowed(
            http_request(hub.addr, "GET", "/healthz", {"Origin": "https://evil.example"}))
        # The command line replaces the file's list as a whole.
        cli = self.start_hub("--config", conf, "--cors-origin", "https://cli.example")
        self.assert_credentialed(
            http_request(cli.addr, "GET", "/healthz", {"Origin": "https://cli.example"}),
            "https://cli.example")
        self.assert_not_allowed(
            http_request(cli.addr, "GET", "/healthz", {"Origin": "https://app.example"}))

    def test_an_empty_entry_lists_nothing(self):
        conf = self.write_conf('cors-origin = ""\n')
        hub = self.start_hub("--config", conf)
        r = http_request(hub.addr, "GET", "/healthz", {"Origin": "https://app.example"})
        self.assertNotIn("access-control-allow-origin", r.headers)
        self.assertNotIn("access-control-allow-credentials", r.headers)

    def test_sighup_changes_the_list_and_a_bad_entry_keeps_the_old_one(self):
        conf = self.write_conf('cors-origin = ["https://old.example", "http://intranet:81"]\n')
        hub = self.start_hub("--config", conf)
        client = self.subscribe(hub.addr)
        self.assert_credentialed(
            http_request(hub.addr, "GET", "/healthz", {"Origin": "https://old.example"}),
            "https://old.example")
        with open(conf, "w") as f:
            f.write('cors-origin = ["https://*.new.example", "http://intranet:*"]\n')
        hub.signal(signallib.SIGHUP)
        hub.wait_for_log("reloaded configuration")
        self.assert_not_allowed(
            http_request(hub.addr, "GET", "/healthz", {"Origin": "https://old.example"}))
        for origin in ("https://a.new.example", "http://intranet:9000"):
            self.assert_credentialed(
                http_request(hub.addr, "GET", "/healthz", {"Origin": origin}), origin)
        # Publishing follows the new list too.
        r = publish(hub.addr, "t", "new", headers={"Origin": "https://a.new.example",
                                                    "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 202, r.body)
        self.assert_next_event(client, "t", "new")
        r = publish(hub.addr, "t", "old", headers={"Origin": "https://old.example",
                                                    "Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 403)
        with open(conf, "w") as f:
            f.write('cors-origin = ["https://fine.example", "null"]\n')
        hub.signal(signallib.SIGHUP)
        line = hub.wait_for_log("reload failed")
        self.assertIn("null", line)
        self.assert_credentialed(
            http_request(hub.addr, "GET", "/healthz", {"Origin": "https://a.new.example"}),
            "https://a.new.example")
        self.assert_not_allowed(
            http_request(hub.addr, "GET", "/healthz", {"Origin": "https://fine.example"}))
        self.assert_next_event(client, "t", "still", publish_ok(hub.addr, "t", "still")["id"])


class OriginListOverH2(TlsHubTestCase):
    def setUp(self):
        super().setUp()
        self.nghttp_path = shutil.which("nghttp")
        require(self.nghttp_path, "nghttp (Debian package nghttp2-client) is not installed")
        require(h2_offered(), "this ssehub was built without TLS or nghttp2")

    def headers_of(self, text):
        """The response header fields nghttp -v printed: "recv (stream_id=1) name: value"."""
        fields = {}
        for line in text.splitlines():
            if "recv (stream_id=" in line and ") " in line:
                field = line.split(") ", 1)[1]
                if ": " in field and not field.startswith(":"):
                    name, value = field.split(": ", 1)
                    fields[name] = value
        return fields

    def get(self, url, *headers):
        args = [self.nghttp_path, "-v"]
        for h in headers:
            args += ["-H", h]
        r = subprocess.run(args + [url], capture_output=True, text=True, timeout=20,
                           stdin=subprocess.DEVNULL)
        return self.headers_of(r.stdout)

    def test_h2_answers_carry_the_same_headers(self):
        hub, tls, plain = self.start_tls_hub(*LIST)
        base = "https://127.0.0.1:%d" % tls
        h = self.get(base + "/healthz", "origin: http://intranet:81")
        self.assertEqual(h.get("access-control-allow-origin"), "http://intranet:81", h)
        self.assertEqual(h.get("access-control-allow-credentials"), "true")
        self.assertEqual(h.get("vary"), "Origin")
        h = self.get(base + "/healthz", "origin: https://evil.example")
        self.assertNotIn("access-control-allow-origin", h)
        self.assertEqual(h.get("vary"), "Origin")
        h = self.get(base + "/publish", ":method: OPTIONS", "origin: https://a.example.com")
        self.assertEqual(h.get("access-control-allow-origin"), "https://a.example.com", h)

    def test_an_h2_subscription_carries_the_headers_of_its_origin(self):
        hub, tls, plain = self.start_tls_hub(*LIST)
        out = tempfile.TemporaryFile()
        self.addCleanup(out.close)
        proc = subprocess.Popen([self.nghttp_path, "-v", "-H", "accept: text/event-stream",
                                 "-H", "origin: https://a.b.example.com",
                                 "https://127.0.0.1:%d/events" % tls],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)

        def stop():
            proc.terminate()
            proc.wait(timeout=5)
        self.addCleanup(stop)

        def text():
            out.seek(0)
            return out.read().decode("utf-8", "replace")
        wait_until(lambda: "content-type: text/event-stream" in text(), 10,
                   message="no event-stream head over h2")
        h = self.headers_of(text())
        self.assertEqual(h.get("access-control-allow-origin"), "https://a.b.example.com", h)
        self.assertEqual(h.get("access-control-allow-credentials"), "true")
        self.assertEqual(h.get("vary"), "Origin")


if __name__ == "__main__":
    unittest.main()
