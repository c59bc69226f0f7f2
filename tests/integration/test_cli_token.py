"""`ssehub token` and the client commands with private topics (issue 17), all through the real
binary: tokens minted by `ssehub token` with keys made by `openssl genpkey` (HS256, RS256,
ES256) open a private topic of `ssehub serve --jwt-key ... --private-topic 'todo/*'` to
`ssehub subscribe --token-file` and `ssehub publish --token-file`; the signatures are also
checked independently (hmac, `openssl dgst -verify`); 401 and 403 are shown by the CLI with the
hub's reason; an expiring token ends `ssehub subscribe` with exit status 3; bad key files and
bad --token-file use are refused with one line. Stdlib and the openssl command only."""

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import HubTestCase, hub_binary, metrics, require, requires, wait_until
from test_cli_client import CliProcess, cli
from tls_support import have_tls

EXIT_TOKEN_EXPIRED = 3


def b64url_decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def token_parts(token):
    """(header dict, payload dict, signature bytes) of a compact JWT."""
    head, payload, sig = token.split(".")
    return (json.loads(b64url_decode(head)), json.loads(b64url_decode(payload)),
            b64url_decode(sig))


def der_integer(raw):
    raw = raw.lstrip(b"\0") or b"\0"
    if raw[0] & 0x80:
        raw = b"\0" + raw
    return b"\x02" + bytes([len(raw)]) + raw


def es256_der(raw):
    """JOSE's R||S as the DER ECDSA-Sig-Value `openssl dgst -verify` reads."""
    body = der_integer(raw[:32]) + der_integer(raw[32:])
    return b"\x30" + bytes([len(body)]) + body


def openssl(*args):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("openssl %s: %s" % (" ".join(args), r.stderr.decode()))
    return r


@requires(shutil.which("openssl"), "the openssl command is not installed (Debian package openssl)")
@requires(have_tls(hub_binary()), "ssehub built without OpenSSL: no signed tokens")
class CliTokenTest(HubTestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ssehub-cli-token-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    # Keys as an operator makes them, following ssehub.1.
    def hs256_secret(self, name="secret"):
        with open(self.path(name), "wb") as f:
            f.write(openssl("rand", "-base64", "32").stdout)
        return self.path(name), self.path(name)

    def private_key(self, name, *genpkey):
        key, pub = self.path(name + ".key"), self.path(name + ".pub")
        openssl("genpkey", *genpkey, "-out", key)
        openssl("pkey", "-in", key, "-pubout", "-out", pub)
        return key, pub

    def keys(self):
        """{alg: (signing file, verifying file)} for the three algorithms."""
        return {
            "HS256": self.hs256_secret(),
            "RS256": self.private_key("rs", "-algorithm", "RSA", "-pkeyopt",
                                      "rsa_keygen_bits:2048"),
            "ES256": self.private_key("es", "-algorithm", "EC", "-pkeyopt",
                                      "ec_paramgen_curve:P-256"),
        }

    def mint(self, *args):
        r = cli(["token"] + list(args))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        self.assertRegex(r.stdout, r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$")
        return r.stdout.strip()

    def token_file(self, name, token):
        # A token file as a person writes one: a comment, a blank line, spaces around it.
        return self.write(name, "# for ssehub subscribe\n\n   %s  \n" % token)

    def assert_signature(self, alg, verifying_file, token):
        head, _, sig = token_parts(token)
        signing_input = token.rsplit(".", 1)[0].encode()
        if alg == "HS256":
            with open(verifying_file, "rb") as f:
                secret = f.read()
            secret = secret[:-1] if secret.endswith(b"\n") else secret
            self.assertTrue(hmac.compare_digest(
                sig, hmac.new(secret, signing_input, hashlib.sha256).digest()))
            return
        if alg == "ES256":
            self.assertEqual(len(sig), 64, "ES256 signatures are raw R||S, not DER")
            sig = es256_der(sig)
        with open(self.path("input"), "wb") as f:
            f.write(signing_input)
        with open(self.path("sig"), "wb") as f:
            f.write(sig)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", verifying_file,
                            "-signature", self.path("sig"), self.path("input")],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, "openssl does not verify the %s token: %s"
                         % (alg, r.stdout + r.stderr))

    def subscriber(self, hub, *args):
        proc = CliProcess(["subscribe", "--url", hub.url, "--json"] + list(args))
        self.addCleanup(proc.stop)
        return proc

    def subscribers(self, hub):
        return metrics(hub.addr)["ssehub_subscribers"]

    # -- minting ----------------------------------------------------------------------------

    def test_tokens_of_each_algorithm_open_a_private_topic_through_token_files(self):
        keys = self.keys()
        hub = self.start_hub("--private-topic", "todo/*", "--jwt-leeway", "0",
                             *sum((["--jwt-key", "%s=%s" % (alg.lower(), pub)]
                                   for alg, (_, pub) in keys.items()), []))
        for alg, (key, pub) in keys.items():
            with self.subTest(alg=alg):
                wait_until(lambda: self.subscribers(hub) == 0, 10,
                           message="the last subscriber is still counted")
                reader = self.mint("--key", key, "--kid", alg.lower(), "--subscribe", "todo/*")
                head, payload, _ = token_parts(reader)
                self.assertEqual(head, {"alg": alg, "typ": "JWT", "kid": alg.lower()})
                self.assertEqual(payload["ssehub"], {"subscribe": ["todo/*"], "publish": []})
                self.assertAlmostEqual(payload["exp"], time.time() + 3600, delta=60)
                self.assertEqual(payload["exp"] - payload["iat"], 3600)
                self.assert_signature(alg, pub, reader)
                sub = self.subscriber(hub, "--topic", "todo/alice", "--token-file",
                                      self.token_file(alg + ".reader", reader))
                wait_until(lambda: self.subscribers(hub) == 1, 10,
                           message="the %s subscriber did not connect" % alg)

                # No kid: the hub tries every key of the token's algorithm.
                writer = self.mint("--key", key, "--publish", "todo/alice")
                self.assertNotIn("kid", token_parts(writer)[0])
                r = cli(["publish", "--url", hub.url, "--topic", "todo/alice", "--data",
                         "milk " + alg, "--token-file", self.token_file(alg + ".writer", writer)])
                self.assertEqual(r.returncode, 0, r.stderr)
                lines = sub.wait_stdout_lines(1)
                self.assertEqual(json.loads(lines[-1])["data"], "milk " + alg)

                # The token file is what is sent: a token without the publish right is 403.
                r = cli(["publish", "--url", hub.url, "--topic", "todo/alice", "--data", "x",
                         "--token-file", self.token_file(alg + ".reader", reader)])
                self.assertEqual(r.returncode, 1)
                self.assertRegex(r.stderr, r"^ssehub: publish failed: 403 [^\n]+\n$")
                sub.stop()
                self.assertEqual(sub.stdout_lines[1:], [], "a refused event was printed")

    def test_mercure_layout_no_expiry_and_the_five_lines_of_the_manual(self):
        secret, _ = self.hs256_secret()
        payload = token_parts(self.mint("--key", secret, "--mercure", "--ttl", "0",
                                        "--subscribe", "a/{id}", "--subscribe", "b",
                                        "--publish", "*"))[1]
        self.assertEqual(payload["mercure"], {"subscribe": ["a/{id}", "b"], "publish": ["*"]})
        self.assertNotIn("ssehub", payload)
        self.assertNotIn("exp", payload)
        self.assertAlmostEqual(payload["iat"], time.time(), delta=60)
        # ssehub.1's PRIVATE TOPICS and the README: serve, token, subscribe --token, publish
        # (from loopback, without a token).
        hub = self.start_hub("--jwt-key", secret, "--private-topic", "todo/*")
        token = self.mint("--key", secret, "--subscribe", "todo/*")
        sub = self.subscriber(hub, "--token", token, "--topic", "todo/alice")
        wait_until(lambda: self.subscribers(hub) == 1, 10, message="no subscriber")
        r = cli(["publish", "--url", hub.url, "--topic", "todo/alice", "--data", "milk"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(sub.wait_stdout_lines(1)[0])["data"], "milk")

    def test_bad_key_files_are_refused_with_one_line(self):
        secret, _ = self.hs256_secret()
        rs_key, rs_pub = self.private_key("rs", "-algorithm", "RSA", "-pkeyopt",
                                          "rsa_keygen_bits:2048")
        p384, _ = self.private_key("p384", "-algorithm", "EC", "-pkeyopt",
                                   "ec_paramgen_curve:P-384")
        ed, _ = self.private_key("ed", "-algorithm", "ED25519")
        cases = {
            "missing": (self.path("nothing-here"), "cannot be read"),
            "short secret": (self.write("short", "x" * 31 + "\n"), "at least 32"),
            "public key": (rs_pub, "public key"),
            "P-384": (p384, "curve secp384r1"),
            "Ed25519": (ed, "not supported"),
            "garbage PEM": (self.write("bad.pem", "-----BEGIN PRIVATE KEY-----\nxx\n"
                                       "-----END PRIVATE KEY-----\n"), "not a PEM private key"),
        }
        for what, (path, reason) in cases.items():
            with self.subTest(what):
                r = cli(["token", "--key", path, "--subscribe", "x"])
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertRegex(r.stderr, r"^ssehub: key file [^\n]*%s[^\n]*\n$" % reason)
                self.assertIn(path, r.stderr)
        for args in (["--subscribe", "x"], ["--key", secret, "--ttl", "-1"],
                     ["--key", secret, "--ttl", "soon"], ["--key", secret, "--ttl", "1e3"],
                     ["--key", secret, "--subscribe", ""], ["--key", secret, "--kid", "a\nb"]):
            with self.subTest(args=args):
                r = cli(["token"] + args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(r.stdout, "")
        # Still good after all that: the RSA key signs.
        self.assertEqual(token_parts(self.mint("--key", rs_key))[0]["alg"], "RS256")

    # -- what the hub refuses, as the CLI shows it ---------------------------------------------

    def test_401_and_403_are_shown_with_the_hubs_reason(self):
        secret, _ = self.hs256_secret()
        other, _ = self.hs256_secret("other")
        hub = self.start_hub("--jwt-key", secret, "--private-topic", "todo/*",
                             "--jwt-leeway", "0")
        bob = self.mint("--key", secret, "--subscribe", "todo/bob")
        forged = self.mint("--key", other, "--subscribe", "todo/*")
        cases = [
            ([], r"401 a token is needed \(--token, --token-file or \$SSEHUB_TOKEN\): .*private"),
            (["--token", bob],
             r"403 the token does not allow this \(insufficient_scope\): .*todo/alice"),
            (["--token", forged], r"401 the token was refused \(invalid_token\): \S"),
            (["--token", "not-a-jwt"], r"401 the token was refused \(invalid_token\): \S"),
        ]
        for args, message in cases:
            with self.subTest(args=args[:1]):
                r = cli(["subscribe", "--url", hub.url, "--topic", "todo/alice"] + args)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertRegex(r.stderr, r"^ssehub: subscribe failed: %s[^\n]*\n$" % message)
        self.assertEqual(self.subscribers(hub), 0)

    def test_an_expired_token_at_connect_exits_3(self):
        secret, _ = self.hs256_secret()
        hub = self.start_hub("--jwt-key", secret, "--private-topic", "todo/*",
                             "--jwt-leeway", "0")
        token = self.mint("--key", secret, "--subscribe", "todo/*", "--ttl", "1")
        exp = token_parts(token)[1]["exp"]
        wait_until(lambda: time.time() >= exp + 0.2, 5)
        r = cli(["subscribe", "--url", hub.url, "--topic", "todo/alice", "--token", token])
        self.assertEqual(r.returncode, EXIT_TOKEN_EXPIRED, r.stderr)
        self.assertRegex(r.stderr, r"^ssehub: subscribe failed: 401 the token was refused "
                                   r"\(invalid_token\): token expired at %d\n$" % exp)

    def test_a_token_expiring_during_the_stream_prints_ssehub_expired_and_exits_3(self):
        secret, _ = self.hs256_secret()
        # --ttl 1 gives exp one to two seconds away; the leeway keeps the token good for at
        # least three more, so the subscriber surely connects before the stream expires.
        hub = self.start_hub("--jwt-key", secret, "--private-topic", "todo/*",
                             "--jwt-leeway", "3")
        token = self.mint("--key", secret, "--subscribe", "todo/*", "--ttl", "1")
        sub = self.subscriber(hub, "--topic", "todo/alice", "--token-file",
                              self.token_file("short", token))
        wait_until(lambda: self.subscribers(hub) == 1 or sub.proc.poll() is not None, 10)
        self.assertIsNone(sub.proc.poll(), "subscribe ended at once: %r" % sub.stderr_lines)
        r = cli(["publish", "--url", hub.url, "--topic", "todo/alice", "--data", "before"])
        self.assertEqual(r.returncode, 0, r.stderr)
        event_id = r.stdout.strip()
        status = sub.wait_exit(timeout=15)
        self.assertEqual(status, EXIT_TOKEN_EXPIRED, sub.stderr_lines)
        events = [json.loads(line) for line in sub.stdout_lines]
        self.assertEqual([e["event"] for e in events], ["message", "ssehub.expired"])
        self.assertEqual(json.loads(events[1]["data"]),
                         {"last_event_id": event_id, "reason": "token expired"})
        self.assertEqual(sub.stderr_lines,
                         ["ssehub: subscribe: the hub ended the stream: token expired; "
                          "subscribe again with a new token --last-event-id %s (misses nothing)"
                          % event_id])
        self.assertEqual(metrics(hub.addr)["ssehub_token_expiries_total"], 1)

    # -- --token-file -------------------------------------------------------------------------

    def test_token_file_rules(self):
        secret, _ = self.hs256_secret()
        hub = self.start_hub("--jwt-key", secret, "--private-topic", "todo/*")
        writer = self.token_file("writer", self.mint("--key", secret, "--publish", "todo/*"))
        publish = ["publish", "--url", hub.url, "--topic", "todo/x", "--data", "d"]
        # The file beats an exported $SSEHUB_TOKEN (here one the hub would refuse).
        r = cli(publish + ["--token-file", writer], env={"SSEHUB_TOKEN": "stale"})
        self.assertEqual(r.returncode, 0, r.stderr)
        r = cli(publish, env={"SSEHUB_TOKEN": "stale"})
        self.assertEqual(r.returncode, 1, "the variable is used without --token-file")
        self.assertIn("401", r.stderr)
        for command in (publish, ["subscribe", "--url", hub.url], ["stats", "--url", hub.url]):
            with self.subTest(command=command[0]):
                r = cli(command + ["--token", "t", "--token-file", writer])
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("--token-file", r.stderr)
                for path, why in ((self.path("absent"), "cannot be read"),
                                  (self.write("empty", "# nothing\n\n  \n"), "holds no token")):
                    r = cli(command + ["--token-file", path])
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertRegex(r.stderr, r"^ssehub: --token-file %s: %s[^\n]*\n$"
                                     % (path, why))
        r = cli(["stats", "--url", hub.url, "--interval", "0", "--token-file", writer])
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
