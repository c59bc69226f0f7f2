"""Private topics and signed tokens (issue 17): who may read a private topic, where a token may
come from (Authorization, the cookie, ?access_token=), every refusal status, publishing by a
token's publish claim, replay under the same rights, expiry ending a stream with ssehub.expired
and a resume that loses nothing, HTTP/2, metrics, and no token ever in the log.

Tokens are minted here with the standard library (HS256); the other algorithms and the
verifier's own refusals are covered by the unit tests and `ssehub token`'s test."""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal as signallib
import socket
import subprocess
import tempfile
import time
import unittest

from harness import (HubTestCase, http_request, metrics, publish, requires, run_cli, signal,
                     wait_until)
from tls_support import Certificate, h2_offered

SECRET = b"a-test-secret-of-at-least-32-bytes-long!"


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint(payload, secret=SECRET, header=None):
    header = header or {"alg": "HS256", "typ": "JWT"}
    head = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    sig = hmac.new(secret, head.encode(), hashlib.sha256).digest()
    return head + "." + b64url(sig)


def token(subscribe=(), publish=(), ttl=3600, **extra):
    claims = {"ssehub": {"subscribe": list(subscribe), "publish": list(publish)}}
    if ttl is not None:
        claims["exp"] = int(time.time()) + ttl
    claims.update(extra)
    return mint(claims)


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


class PrivateTopicsTest(HubTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ssehub-jwt-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.secret_file = os.path.join(self.dir, "secret")
        with open(self.secret_file, "wb") as f:
            f.write(SECRET + b"\n")

    def hub(self, *extra, **kwargs):
        return self.start_hub("--jwt-key", self.secret_file, "--private-topic", "todo/*",
                              "--jwt-leeway", "0", *extra, **kwargs)

    def publish_ok(self, hub, topic, data, headers=None):
        r = publish(hub.addr, "e", data, topic=topic, headers=headers)
        self.assertEqual(r.status, 202, r.body)
        return json.loads(r.body)["id"]

    def assert_refused(self, hub, path, status, headers=None, challenge=None):
        r = http_request(hub.addr, "GET", path,
                         dict(headers or {}, Accept="text/event-stream"))
        self.assertEqual(r.status, status, r.body)
        self.assertNotIn(b"\n", r.body.rstrip(b"\n"), "one-line reason")
        if challenge is not None:
            self.assertIn(challenge, r.headers.get("www-authenticate", ""))
        return r

    # -- reading ----------------------------------------------------------------------------

    def test_without_a_token_only_public_events_arrive(self):
        hub = self.hub()
        anyone = self.subscribe(hub.addr)
        alice = self.subscribe(hub.addr, headers=bearer(token(["todo/alice"])))
        self.publish_ok(hub, "todo/alice", "private")
        self.publish_ok(hub, "todo/bob", "bob's")
        self.publish_ok(hub, "news", "public")
        self.assert_next_event(anyone, "e", "public")
        self.assert_next_event(alice, "e", "private")
        self.assert_next_event(alice, "e", "public")
        self.assert_nothing_broadcast(hub, anyone, alice)

    def test_readers_sharing_a_grant_each_get_exactly_their_events(self):
        # The hub shares one grant between streams whose tokens allow the same and answers it
        # once per event: readers of different grants must still be told apart, also after
        # some leave and others come.
        hub = self.hub()
        alices = [self.subscribe(hub.addr, headers=bearer(token(["todo/alice"])))
                  for _ in range(3)]
        bobs = [self.subscribe(hub.addr, headers=bearer(token(["todo/bob"]))) for _ in range(2)]
        star = self.subscribe(hub.addr, headers=bearer(token(["todo/*"])))
        self.publish_ok(hub, "todo/alice", "a1")
        self.publish_ok(hub, "todo/bob", "b1")
        for c in alices:
            self.assert_next_event(c, "e", "a1")
        for c in bobs:
            self.assert_next_event(c, "e", "b1")
        self.assertEqual([e.data for e in star.next_events(2)], ["a1", "b1"])
        alices.pop().close()
        bobs.pop().close()
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 4, timeout=5)
        alices.append(self.subscribe(hub.addr, headers=bearer(token(["todo/alice"]))))
        bobs.append(self.subscribe(hub.addr, headers=bearer(token(["todo/bob"]))))
        self.publish_ok(hub, "todo/bob", "b2")
        self.publish_ok(hub, "todo/alice", "a2")
        for c in alices:
            self.assert_next_event(c, "e", "a2")
        for c in bobs:
            self.assert_next_event(c, "e", "b2")
        self.assertEqual([e.data for e in star.next_events(2)], ["b2", "a2"])
        self.assert_nothing_broadcast(hub, star, *(alices + bobs))

    def test_a_filtered_private_topic_needs_a_token_that_names_it(self):
        hub = self.hub()
        r = self.assert_refused(hub, "/events?topic=todo/alice", 401, challenge="Bearer")
        self.assertIn(b"private", r.body)
        self.assert_refused(hub, "/events?topic=news&topic=todo/alice", 401)
        r = self.assert_refused(hub, "/events?topic=todo/alice", 403,
                                bearer(token(["todo/bob"])), 'error="insufficient_scope"')
        self.assertIn(b"todo/alice", r.body)
        ok = self.subscribe(hub.addr, "/events?topic=todo/alice&topic=news",
                            headers=bearer(token(["todo/*"])))
        self.publish_ok(hub, "todo/alice", "a")
        self.publish_ok(hub, "todo/bob", "b")
        self.publish_ok(hub, "news", "n")
        self.assertEqual([e.data for e in ok.next_events(2)], ["a", "n"])
        # Public topics still need nothing, and a broadcast reaches everyone.
        self.subscribe(hub.addr, "/events?topic=news")
        self.assertEqual(signal(hub.addr, "signal=todochanged").status, 200)
        self.assert_next_event(ok, "todochanged", "")

    def test_the_cookie_and_access_token_carry_tokens_and_rights_add_up(self):
        hub = self.hub("--jwt-cookie", "hubtok")
        by_cookie = self.subscribe(hub.addr, "/events?topic=todo/alice",
                                   headers={"Cookie": "a=b; hubtok=%s; c=d"
                                            % token(["todo/alice"])})
        by_query = self.subscribe(hub.addr, "/events?topic=todo/alice&access_token="
                                  + token(["todo/alice"]))
        both = self.subscribe(hub.addr, "/events?topic=todo/alice&topic=todo/bob&access_token="
                              + token(["todo/alice"]) + "&access_token=" + token(["todo/bob"]))
        self.assert_refused(hub, "/events?topic=todo/alice", 401,
                            {"Cookie": "ssehub_token=" + token(["todo/alice"])})
        self.publish_ok(hub, "todo/bob", "b")
        self.publish_ok(hub, "todo/alice", "a")
        self.assert_next_event(by_cookie, "e", "a")
        self.assert_next_event(by_query, "e", "a")
        self.assertEqual([e.data for e in both.next_events(2)], ["b", "a"])
        nine = "&".join("access_token=" + token(["todo/alice"]) for _ in range(9))
        self.assert_refused(hub, "/events?" + nine, 401)

    def test_a_stale_cookie_costs_a_page_nothing_public(self):
        # Browsers send the cookie by themselves: an expired one is set aside, not refused,
        # unless a private topic is asked for, which is then told what is wrong with it.
        hub = self.hub()
        stale = {"Cookie": "ssehub_token=" + token(["todo/*"], ttl=-5)}
        everything = self.subscribe(hub.addr, headers=stale)
        news = self.subscribe(hub.addr, "/events?topic=news", headers=stale)
        r = self.assert_refused(hub, "/events?topic=todo/alice", 401, stale,
                                'error="invalid_token"')
        self.assertIn(b"expired", r.body)
        self.publish_ok(hub, "todo/alice", "private")
        self.publish_ok(hub, "news", "public")
        self.assert_next_event(everything, "e", "public")
        self.assert_next_event(news, "e", "public")
        # A bad token the request sent on purpose still refuses it.
        self.assert_refused(hub, "/events?topic=news", 401,
                            bearer(token(["todo/*"], ttl=-5)))

    def test_every_bad_token_is_refused_with_401_and_gets_nothing(self):
        # Headers large enough for the huge token to reach the verifier (8 KiB at most).
        hub = self.hub("--max-header-bytes", "64K")
        good = token(["todo/*"])
        head, payload, sig = good.split(".")
        other = mint({"ssehub": {"subscribe": ["todo/*"]}}, secret=b"x" * 40)
        changed = json.dumps({"ssehub": {"subscribe": ["*"]}}).encode()
        nested = {"ssehub": {"subscribe": ["todo/*"]}, "x": json.loads("[" * 200 + "]" * 200)}
        cases = {
            # 43 signature characters less 6 leaves 37: no base64url text is 1 more than a
            # multiple of 4 long, so this is malformed every time (less 5 would decode now
            # and then, and count as a bad signature).
            "truncated": good[:-6],
            "re-signed with another key": other,
            "changed payload": head + "." + b64url(changed) + "." + sig,
            "alg none": b64url(b'{"alg":"none"}') + "." + payload + ".",
            "alg changed": b64url(b'{"alg":"HS512"}') + "." + payload + "." + sig,
            "expired": token(["todo/*"], ttl=-5),
            "not yet valid": token(["todo/*"], nbf=int(time.time()) + 600),
            "unknown kid": mint({"ssehub": {"subscribe": ["todo/*"]}},
                                header={"alg": "HS256", "kid": "nobody"}),
            "nested JSON": mint(nested),
            "huge header": mint({"ssehub": {}}, header={"alg": "HS256", "x": "y" * 7000}),
            "not a JWT at all": "hello",
        }
        watcher = self.subscribe(hub.addr, headers=bearer(good))
        for what, bad in cases.items():
            with self.subTest(what):
                r = self.assert_refused(hub, "/events?topic=todo/alice", 401, bearer(bad),
                                        'error="invalid_token"')
                self.assertNotIn(bad.encode(), r.body)
                self.assert_refused(hub, "/events?access_token=" + bad, 401)
        self.publish_ok(hub, "todo/alice", "only the good one")
        self.assert_next_event(watcher, "e", "only the good one")
        counts = metrics(hub.addr)
        for reason, n in (("expired", 2), ("bad_signature", 4), ("unknown_key", 2),
                          ("not_yet_valid", 2), ("algorithm_not_allowed", 4), ("malformed", 8)):
            self.assertEqual(counts['ssehub_token_refusals_total{reason="%s"}' % reason], n,
                             reason)
        self.assertEqual(counts["ssehub_tokens_verified_total"], 1)  # the watcher's

    def test_replay_applies_the_same_rights(self):
        hub = self.hub()
        first = self.publish_ok(hub, "news", "n1")
        self.publish_ok(hub, "todo/alice", "a1")
        self.publish_ok(hub, "todo/bob", "b1")
        self.publish_ok(hub, "news", "n2")
        anyone = self.subscribe(hub.addr, headers={"Last-Event-ID": first})
        self.assert_next_event(anyone, "e", "n2")
        alice = self.subscribe(hub.addr, headers=dict(bearer(token(["todo/alice"])),
                                                      **{"Last-Event-ID": first}))
        self.assertEqual([e.data for e in alice.next_events(2)], ["a1", "n2"])
        self.assert_nothing_broadcast(hub, anyone, alice)

    # -- expiry -----------------------------------------------------------------------------

    def test_an_expired_token_ends_the_stream_and_a_resume_loses_nothing(self):
        hub = self.hub()
        short = token(["todo/alice"], ttl=2)
        client = self.subscribe(hub.addr, "/events?topic=todo/alice", headers=bearer(short))
        self.publish_ok(hub, "todo/alice", "before")
        self.assert_next_event(client, "e", "before")
        expired = client.next_event(timeout=6)
        self.assertEqual(expired.type, "ssehub.expired")
        info = json.loads(expired.data)
        self.assertEqual(info["reason"], "token expired")
        self.assertEqual(expired.own_id, info["last_event_id"])
        client.wait_closed()
        # Published while the page fetched a new token: delivered after the resume.
        self.publish_ok(hub, "todo/alice", "meanwhile")
        again = self.subscribe(hub.addr, "/events?topic=todo/alice",
                               headers=dict(bearer(token(["todo/alice"])),
                                            **{"Last-Event-ID": info["last_event_id"]}))
        self.assert_next_event(again, "e", "meanwhile")
        self.assert_nothing_broadcast(hub, again)
        self.assertEqual(metrics(hub.addr)["ssehub_token_expiries_total"], 1)

    def test_an_expired_subscriber_that_stopped_reading_is_let_go(self):
        # Room for everything below in its queue: it is never dropped as slow.
        hub = self.hub("--max-queued-bytes", "64M", "--request-timeout", "1", "--heartbeat", "1")
        sock = socket.create_connection(hub.addr)
        self.addCleanup(sock.close)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(("GET /events?topic=todo/alice HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: Bearer %s\r\n\r\n" % token(["todo/alice"], ttl=2))
                     .encode())
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 1, timeout=5)
        for k in range(40):  # 2.4 MB the client never reads
            self.publish_ok(hub, "todo/alice", "x" * 60000)
        # The token runs out: the hub lets the subscriber go at once, and the connection after
        # the request timeout, though its output never drained.
        wait_until(lambda: metrics(hub.addr)["ssehub_subscribers"] == 0, timeout=8,
                   message="the expired subscriber still counts")
        self.assertEqual(metrics(hub.addr)["ssehub_token_expiries_total"], 1)
        # Only the connection asking for /metrics is left.
        wait_until(lambda: metrics(hub.addr)["ssehub_connections"] == 1, timeout=8,
                   message="the expired subscriber's connection is still open")

    # -- publishing -------------------------------------------------------------------------

    def test_a_publish_claim_lets_any_address_publish_its_topics(self):
        hub = self.hub("--publish-allow", "10.0.0.0/8")
        alice = self.subscribe(hub.addr, headers=bearer(token(["todo/*"])))
        self.assertEqual(publish(hub.addr, "e", "x", topic="todo/alice").status, 403)
        writer = bearer(token(publish=["todo/*"]))
        self.publish_ok(hub, "todo/alice", "by token", headers=writer)
        self.assert_next_event(alice, "e", "by token")
        r = publish(hub.addr, "e", "x", topic="news", headers=writer)
        self.assertEqual(r.status, 403, r.body)
        self.assertIn('insufficient_scope', r.headers.get("www-authenticate", ""))
        self.assertEqual(publish(hub.addr, "e", "x", headers=writer).status, 403)
        self.assertEqual(signal(hub.addr, "signal=x", headers=writer).status, 403)
        everything = bearer(token(publish=["*"]))
        self.assertEqual(signal(hub.addr, "signal=x", headers=everything).status, 200)
        r = publish(hub.addr, "e", "x", topic="todo/a", headers=bearer(token(publish=["*"],
                                                                             ttl=-1)))
        self.assertEqual(r.status, 401)
        self.assertIn('error="invalid_token"', r.headers.get("www-authenticate", ""))
        # A cookie is ambient authority: never a publisher's credential.
        r = publish(hub.addr, "e", "x", topic="todo/alice",
                    headers={"Cookie": "ssehub_token=" + token(publish=["*"])})
        self.assertEqual(r.status, 403)
        # And a page of another site may publish with a token it holds (no ambient authority).
        cross = dict(writer, Origin="https://evil.example", **{"Sec-Fetch-Site": "cross-site"})
        self.publish_ok(hub, "todo/alice", "from a page", headers=cross)

    def test_a_refused_publish_echoes_no_unchecked_topic(self):
        # A valid token without the right: the topic is checked before the refusal names it,
        # so a line break in it can neither forge a log line nor reach the answer.
        hub = self.hub()
        reader_only = bearer(token(["todo/*"]))
        r = publish(hub.addr, "e", "x", topic="a\nerror: FORGED LINE", headers=reader_only)
        self.assertEqual(r.status, 400, r.body)
        r = publish(hub.addr, "e", "x", topic="todo/alice", headers=reader_only)
        self.assertEqual(r.status, 403, r.body)
        hub.wait_for_log("rejected request: 403")
        self.assertFalse([line for line in hub.stderr_lines if "FORGED" in line])

    def test_a_public_key_after_a_comment_is_loaded_as_one(self):
        # Text before the PEM block (RFC 7468): still a public key, never an HS256 secret.
        pem = os.path.join(self.dir, "commented.pub")
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-out", pem + ".key"], check=True,
                       capture_output=True)
        public = subprocess.run(["openssl", "pkey", "-in", pem + ".key", "-pubout"],
                                check=True, capture_output=True).stdout
        with open(pem, "wb") as f:
            f.write(b"# " + b"c" * 300 + b"\n" + public)
        with open(pem, "rb") as f:
            file_bytes = f.read()
        hub = self.start_hub("--jwt-key", pem, "--private-topic", "todo/*")
        forged = mint({"ssehub": {"subscribe": ["*"]}}, secret=file_bytes.rstrip(b"\n"))
        r = self.assert_refused(hub, "/events?topic=todo/alice", 401, bearer(forged))
        self.assertEqual(metrics(hub.addr)[
            'ssehub_token_refusals_total{reason="algorithm_not_allowed"}'], 1, r.body)

    def test_plain_publish_tokens_keep_working_beside_signed_ones(self):
        path = os.path.join(self.dir, "plain")
        with open(path, "w") as f:
            f.write("plain-secret-token\n")
        hub = self.hub("--publish-allow", "10.0.0.0/8", "--token-file", path)
        self.publish_ok(hub, "news", "plain", headers=bearer("plain-secret-token"))
        self.publish_ok(hub, "news", "signed", headers=bearer(token(publish=["news"])))
        self.assertEqual(publish(hub.addr, "e", "x", topic="news",
                                 headers=bearer("wrong")).status, 401)

    # -- everything else --------------------------------------------------------------------

    def test_cors_allows_credentials_for_a_named_origin_only(self):
        hub = self.hub("--cors-origin", "http://page.example:81")
        r = http_request(hub.addr, "GET", "/healthz", {"Origin": "http://page.example:81"})
        self.assertEqual(r.headers.get("access-control-allow-origin"), "http://page.example:81")
        self.assertEqual(r.headers.get("access-control-allow-credentials"), "true")
        star = self.hub()
        r = http_request(star.addr, "GET", "/healthz", {"Origin": "http://page.example:81"})
        self.assertEqual(r.headers.get("access-control-allow-origin"), "*")
        self.assertNotIn("access-control-allow-credentials", r.headers)
        # "null" is the origin of sandboxed frames and data: pages anywhere: it cannot be listed.
        r = run_cli(["serve", "--cors-origin", "null", "--check-config"])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("cannot be listed", r.stderr)

    def test_no_token_reaches_the_log(self):
        hub = self.hub("--log-level", "debug")
        secret_bits = []
        for tok in (token(["todo/*"], ttl=-5), token(["todo/bob"]), "junk.junk.junk"):
            secret_bits.append(tok.split(".")[-1])
            http_request(hub.addr, "GET", "/events?topic=todo/alice&access_token=" + tok,
                         {"Accept": "text/event-stream"})
            http_request(hub.addr, "GET", "/events?topic=todo/alice",
                         dict(bearer(tok), Accept="text/event-stream"))
        hub.wait_for_log("rejected request: 403")
        log = hub.stderr_text()
        for bit in secret_bits:
            self.assertNotIn(bit, log)

    @requires(h2_offered(), "ssehub built without TLS or nghttp2")
    def test_every_status_as_curl_sees_it(self):
        # The statuses and challenges of the man page, through a real client (HTTP/1.1).
        hub = self.hub()
        base = "http://%s:%d" % hub.addr

        def curl(path, *extra):
            r = subprocess.run(["curl", "-sS", "-i", "--max-time", "5", "-o", "-", *extra,
                                base + path], capture_output=True, timeout=10)
            head, _, body = r.stdout.decode().partition("\r\n\r\n")
            status = int(head.split(" ", 2)[1])
            challenge = re.search(r"(?im)^www-authenticate: (.*)\r?$", head)
            return status, challenge.group(1).strip() if challenge else None, body

        def auth(tok):
            return ("-H", "Authorization: Bearer " + tok)

        self.assertEqual(curl("/events?topic=todo/alice")[:2], (401, "Bearer"))
        status, challenge, body = curl("/events?topic=todo/alice",
                                       *auth(token(["todo/*"], ttl=-5)))
        self.assertEqual(status, 401)
        self.assertTrue(challenge.startswith('Bearer error="invalid_token", error_description="'))
        self.assertIn("expired", challenge)
        status, challenge, _ = curl("/events?topic=todo/alice", *auth(token(["todo/bob"])))
        self.assertEqual((status, challenge), (403, 'Bearer error="insufficient_scope"'))
        publish_args = ("-d", "event=e&topic=todo/alice&data=x")
        self.assertEqual(curl("/publish", *publish_args, *auth(token(publish=["todo/*"])))[0],
                         202)
        self.assertEqual(curl("/publish", *publish_args, *auth(token(publish=["todo/bob"])))[:2],
                         (403, 'Bearer error="insufficient_scope"'))
        self.assertEqual(curl("/publish", *publish_args, *auth("junk.junk.junk"))[0], 401)
        # A subscription that may read it answers 200 and streams (curl stops it after 1 s).
        r = subprocess.run(["curl", "-sS", "-N", "--max-time", "1", "-o", "/dev/null", "-w",
                            "%{http_code}", *auth(token(["todo/alice"])),
                            base + "/events?topic=todo/alice"], capture_output=True, timeout=10)
        self.assertEqual(r.stdout.decode(), "200")

    def test_http2_over_tls_applies_the_same_rules(self):
        cert = Certificate()
        self.addCleanup(cert.cleanup)
        hub = self.hub(*cert.args(), listen=("127.0.0.1:0", "tls:127.0.0.1:0"))
        base = "https://127.0.0.1:%d/events?topic=todo/alice" % hub.tcp_ports[1]
        r = subprocess.run(["curl", "-sS", "-k", "--http2", "-o", "/dev/null",
                            "-w", "%{http_code} %{http_version}", base],
                           capture_output=True, timeout=10)
        self.assertEqual(r.stdout.decode(), "401 2")
        stream = self.curl_subscribe(base, ["-k", "--http2", "-H",
                                            "Authorization: Bearer " + token(["todo/alice"],
                                                                             ttl=2)])
        self.publish_ok(hub, "todo/alice", "over h2")
        self.assert_next_event(stream, "e", "over h2")
        self.assertEqual(stream.next_event(timeout=6).type, "ssehub.expired")
        self.assertEqual(stream.wait_exit(timeout=5), 0)

    def test_sighup_closing_a_topic_ends_the_streams_that_may_not_read_it(self):
        config = os.path.join(self.dir, "ssehub.conf")
        with open(config, "w") as f:
            f.write("jwt-key = %s\n" % self.secret_file)
        hub = self.start_hub("--config", config)
        reader = self.subscribe(hub.addr, "/events?topic=alerts")
        allowed = self.subscribe(hub.addr, "/events?topic=alerts",
                                 headers=bearer(token(["alerts"])))
        with open(config, "a") as f:
            f.write('private-topic = ["alerts"]\n')
        hub.signal(signallib.SIGHUP)
        ended = reader.next_event(timeout=5)
        self.assertEqual(ended.type, "ssehub.expired")
        self.assertEqual(json.loads(ended.data)["reason"], "private topics changed")
        reader.wait_closed()
        self.publish_ok(hub, "alerts", "still here")
        self.assert_next_event(allowed, "e", "still here")

    def test_sighup_rotates_keys_and_revokes_the_dropped_ones(self):
        old, new = self.secret_file, os.path.join(self.dir, "new-secret")
        new_secret = b"another-secret-of-at-least-32-bytes!!"
        with open(new, "wb") as f:
            f.write(new_secret + b"\n")
        config = os.path.join(self.dir, "ssehub.conf")

        def keys(*specs):
            with open(config, "w") as f:
                f.write('private-topic = "todo/*"\njwt-key = [%s]\n'
                        % ", ".join('"%s"' % s for s in specs))

        def signed(kid, secret):
            return mint({"ssehub": {"subscribe": ["todo/*"]}, "exp": int(time.time()) + 600},
                        secret=secret, header={"alg": "HS256", "kid": kid})

        def reloaded(n):
            wait_until(lambda: sum("reloaded configuration" in line
                                   for line in hub.stderr_lines) >= n,
                       timeout=5, message="reload %d not logged" % n)

        keys("k1=" + old)
        hub = self.start_hub("--config", config)
        before = self.subscribe(hub.addr, "/events?topic=todo/a",
                                headers=bearer(signed("k1", SECRET)))
        self.assert_refused(hub, "/events?topic=todo/a", 401, bearer(signed("k2", new_secret)))
        # Add the new key beside the old: both work.
        keys("k2=" + new, "k1=" + old)
        hub.signal(signallib.SIGHUP)
        reloaded(1)
        after = self.subscribe(hub.addr, "/events?topic=todo/a",
                               headers=bearer(signed("k2", new_secret)))
        self.subscribe(hub.addr, "/events?topic=todo/a", headers=bearer(signed("k1", SECRET)))
        self.publish_ok(hub, "todo/a", "both keys")
        self.assert_next_event(before, "e", "both keys")
        self.assert_next_event(after, "e", "both keys")
        # Drop the old: new requests with it are refused, and the streams it vouched for end
        # (a token without exp would read on for ever after its key was revoked).
        keys("k2=" + new)
        hub.signal(signallib.SIGHUP)
        reloaded(2)
        r = self.assert_refused(hub, "/events?topic=todo/a", 401, bearer(signed("k1", SECRET)))
        self.assertIn(b"names no key", r.body)
        ended = before.next_event(timeout=5)
        self.assertEqual(ended.type, "ssehub.expired")
        self.assertEqual(json.loads(ended.data)["reason"], "keys changed")
        before.wait_closed()
        # A key file that cannot be read keeps the whole old configuration.
        keys("k2=" + os.path.join(self.dir, "missing"))
        hub.signal(signallib.SIGHUP)
        hub.wait_for_log("reload failed, keeping the old configuration")
        self.subscribe(hub.addr, "/events?topic=todo/a", headers=bearer(signed("k2", new_secret)))
        self.publish_ok(hub, "todo/a", "after three reloads")
        self.assert_next_event(after, "e", "after three reloads")


if __name__ == "__main__":
    unittest.main()
