"""TLS listeners (issue 9): HTTP/1.1 over TLS works like plain HTTP/1.1, ALPN offers h2 and
http/1.1, certificates are re-read on SIGHUP, bad files stop the start, and plaintext, garbage
or failed handshakes on a TLS port are closed without harm and counted."""

import os
import signal
import socket
import ssl
import subprocess
import time
import unittest

import harness
from harness import (Hub, SseClient, connect, http_request, metrics, publish_ok, read_all,
                     requires, run_cli, wait_until)
from tls_support import (Certificate, PtyProcess, client_context, encrypt_key, TlsConn,
                         TlsHubTestCase, TlsSseClient, have_tls, peer_common_name, tls_request,
                         tls_socket)


def bad_client_hello():
    """A ClientHello as Python's ssl writes it, claiming SSL 2.0 as its version."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = bytearray(outgoing.read())
    hello[9:11] = b"\x02\x00"
    return bytes(hello)


@requires(have_tls(harness.hub_binary()), "ssehub built without OpenSSL")
class TlsTestCase(TlsHubTestCase):
    """The TLS tests' base: a certificate and start_tls_hub(), skipped without OpenSSL."""


class Http11OverTls(TlsTestCase):
    def test_requests_and_a_stream_work_over_tls(self):
        hub, tls_port, plain = self.start_tls_hub()
        hub.wait_for_log(r"listening on 127\.0\.0\.1:%d \(tls\)" % tls_port)
        r = tls_request(tls_port, "GET", "/healthz")
        self.assertEqual((r.status, r.body), (200, b"ok\n"))
        sub = TlsSseClient(tls_port, "/events?topic=t")
        self.addCleanup(sub.close)
        self.assertEqual(sub.headers["content-type"], "text/event-stream")
        doc = publish_ok(plain, "greeting", "line 1\nline 2", topic="t")
        self.assert_next_event(sub, "greeting", "line 1\nline 2", doc["id"])
        # Keep-alive over TLS: two requests on one connection.
        with TlsConn(tls_port) as c:
            self.assertEqual(c.request("GET", "/healthz").status, 200)
            self.assertEqual(c.request("GET", "/metrics").status, 200)
        self.assertGreaterEqual(metrics(plain)["ssehub_tls_handshakes_total"], 3)

    def test_alpn_offers_h2_and_http11(self):
        hub, tls_port, _ = self.start_tls_hub()
        s = tls_socket(tls_port, alpn=("http/1.1",))
        self.assertEqual(s.selected_alpn_protocol(), "http/1.1")
        s.close()
        s = tls_socket(tls_port, alpn=("h2", "http/1.1"))
        h2 = s.selected_alpn_protocol()
        s.close()
        if "HTTP/2" in run_cli(["serve", "--help"]).stdout or h2 == "h2":
            self.assertEqual(h2, "h2")
        s = tls_socket(tls_port, alpn=())  # no ALPN at all: HTTP/1.1
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(read_all(s, 2).startswith(b"HTTP/1.1 200 "))
        s.close()

    def test_publish_over_tls(self):
        hub, tls_port, plain = self.start_tls_hub()
        sub = self.subscribe(plain)
        r = tls_request(tls_port, "POST", "/publish",
                        [("Content-Type", "application/x-www-form-urlencoded")],
                        "event=e&data=over+tls")
        self.assertEqual(r.status, 202, r.body)
        self.assert_next_event(sub, "e", "over tls")

    def test_slow_tls_subscriber_is_dropped_and_others_go_on(self):
        hub, tls_port, plain = self.start_tls_hub("--max-queued-bytes", "64K")
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", tls_port))
        slow = client_context().wrap_socket(raw, server_hostname="localhost")
        self.addCleanup(slow.close)
        slow.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\n\r\n")
        fast = TlsSseClient(tls_port)
        self.addCleanup(fast.close)
        wait_until(lambda: metrics(plain)["ssehub_subscribers"] == 2)
        data = "x" * 30000
        for i in range(2000):
            publish_ok(plain, "bulk", data)
            if metrics(plain)["ssehub_slow_subscribers_dropped_total"]:
                break
            fast.next_event(5)
        wait_until(lambda: metrics(plain)["ssehub_slow_subscribers_dropped_total"] == 1,
                   message="the TLS subscriber that does not read was never dropped")
        doc = publish_ok(plain, "after", "y")
        fast.read_until(lambda: any(e.data == "y" for e in fast.events), 5, "event after drop")
        self.assertEqual(metrics(plain)["ssehub_subscribers"], 1)
        hub.wait_for_log("dropped slow subscriber")
        del doc


class TlsGarbage(TlsTestCase):
    def test_plaintext_http_to_the_tls_port_gets_a_plain_400_and_is_counted(self):
        hub, tls_port, plain = self.start_tls_hub()
        s = connect(tls_port)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = read_all(s)
        s.close()
        self.assertTrue(reply.startswith(b"HTTP/1.1 400 "), reply[:80])
        self.assertIn(b"https://", reply)
        m = metrics(plain)
        self.assertEqual(m['ssehub_tls_handshake_failures_total{reason="plaintext"}'], 1)

    def test_garbage_and_broken_handshakes_are_closed_and_counted_without_harm(self):
        hub, tls_port, plain = self.start_tls_hub()
        sub = TlsSseClient(tls_port)
        self.addCleanup(sub.close)
        # A record header that claims a handshake, then nonsense.
        for payload in (b"\x16\x03\x01\x00\x20" + os.urandom(32),
                        b"\x16\x03\x03\x40\x00" + os.urandom(200),
                        os.urandom(3000)):
            s = connect(tls_port)
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            read_all(s, 3)
            s.close()
        # A real ClientHello with its protocol version spoiled: the hub answers with an alert.
        s = connect(tls_port)
        s.sendall(bad_client_hello())
        self.assertTrue(read_all(s, 3).startswith(b"\x15"), "no TLS alert")
        s.close()
        m = wait_until(lambda: (lambda m: m if m[
            'ssehub_tls_handshake_failures_total{reason="handshake"}'] >= 2 else None)(
                metrics(plain)))
        self.assertGreaterEqual(m['ssehub_tls_handshake_failures_total{reason="plaintext"}'], 1)
        # Nobody else noticed.
        doc = publish_ok(plain, "still", "here")
        self.assert_next_event(sub, "still", "here", doc["id"])
        self.assertEqual(tls_request(tls_port, "GET", "/healthz").status, 200)

    def test_a_silent_tls_connection_is_closed_at_the_request_timeout(self):
        hub, tls_port, plain = self.start_tls_hub("--request-timeout", "1")
        s = connect(tls_port)
        self.addCleanup(s.close)
        s.settimeout(5)
        start = time.monotonic()
        self.assertEqual(read_all(s, 5), b"")
        self.assertLess(time.monotonic() - start, 4)


class TlsCertificates(TlsTestCase):
    def test_sighup_rereads_the_certificate_without_dropping_streams(self):
        hub, tls_port, plain = self.start_tls_hub()
        self.assertEqual(peer_common_name(tls_port), "ssehub-test")
        sub = TlsSseClient(tls_port)
        self.addCleanup(sub.close)
        new_cert = os.path.join(self.cert.dir, "new-cert.pem")
        new_key = os.path.join(self.cert.dir, "new-key.pem")
        self.cert.make("renewed", new_cert, new_key)
        os.replace(new_key, self.cert.key)
        os.replace(new_cert, self.cert.cert)
        hub.signal(signal.SIGHUP)
        hub.wait_for_log("reloaded TLS certificate")
        self.assertEqual(peer_common_name(tls_port), "renewed")
        doc = publish_ok(plain, "after-reload", "x")
        self.assert_next_event(sub, "after-reload", "x", doc["id"])

    def test_a_bad_certificate_on_sighup_keeps_the_old_one(self):
        hub, tls_port, plain = self.start_tls_hub()
        self.assertEqual(peer_common_name(tls_port), "ssehub-test")  # serving: signals handled
        with open(self.cert.cert, "w") as f:
            f.write("not a certificate\n")
        hub.signal(signal.SIGHUP)
        hub.wait_for_log("reload failed, keeping the old configuration: TLS certificate not reloaded")
        self.assertEqual(peer_common_name(tls_port), "ssehub-test")

    def test_bad_files_are_a_clear_startup_error(self):
        missing = os.path.join(self.cert.dir, "missing.pem")
        garbage = os.path.join(self.cert.dir, "garbage.pem")
        with open(garbage, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
        other = Certificate("other")
        self.addCleanup(other.cleanup)
        cases = [
            (["--tls-cert", missing, "--tls-key", self.cert.key], "cannot read TLS certificate"),
            (["--tls-cert", garbage, "--tls-key", self.cert.key], "cannot load TLS certificate"),
            (["--tls-cert", self.cert.cert, "--tls-key", other.key], "does not match"),
        ]
        for args, message in cases:
            with self.subTest(message=message):
                r = run_cli(["serve", "--listen", "tls:127.0.0.1:0", "--state-dir",
                             self.cert.dir] + args)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(message, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                r = run_cli(["serve", "--listen", "tls:127.0.0.1:0", "--check-config"] + args)
                self.assertEqual(r.returncode, 1, "--check-config: " + r.stderr)
                self.assertIn(message, r.stderr)

    def test_tls_options_that_do_not_fit_are_usage_errors(self):
        for args in (["--listen", "tls:127.0.0.1:0"],
                     ["--listen", "tls:127.0.0.1:0", "--tls-cert", self.cert.cert],
                     ["--listen", "tls:unix:/tmp/x.sock"] + self.cert.args()):
            with self.subTest(args=args):
                r = run_cli(["serve"] + args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("tls", r.stderr.lower())



@requires(have_tls(harness.hub_binary()), "ssehub built without OpenSSL")
class TlsEncryptedKey(TlsTestCase):
    """OpenSSL asks for the passphrase of an encrypted key on the terminal unless the program
    answers for it: with a terminal, the loop (or --check-config) would wait for someone to type
    (issue 16.6). ssehub refuses encrypted keys with one line, terminal or not."""

    def encrypted_key(self):
        path = os.path.join(self.cert.dir, "encrypted-key.pem")
        encrypt_key(self.cert.key, path)
        return path

    def run_on_a_terminal(self, args, timeout=10):
        p = PtyProcess([harness.hub_binary()] + args)
        self.addCleanup(p.close)
        status = p.wait(timeout)
        self.assertNotIn("pass phrase", p.text().lower(), "OpenSSL prompted on the terminal")
        self.assertIsNotNone(status, "still running after %d s; terminal: %r" % (timeout, p.text()))
        return status, p.text()

    def test_an_encrypted_key_is_a_one_line_error_at_start_and_for_check_config(self):
        key = self.encrypted_key()
        base = ["serve", "--listen", "tls:127.0.0.1:0", "--state-dir", self.cert.dir,
                "--tls-cert", self.cert.cert, "--tls-key", key]
        for extra in ([], ["--check-config"]):
            with self.subTest(extra=extra):
                status, text = self.run_on_a_terminal(base + extra)
                self.assertEqual(status, 1, text)
                lines = text.strip().splitlines()
                self.assertEqual(len(lines), 1, text)
                self.assertIn("TLS key %s is encrypted" % key, lines[0])
                # Without a terminal too.
                r = run_cli(base + extra)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("is encrypted", r.stderr)

    def test_a_fifo_for_a_key_is_refused_not_waited_on(self):
        # Opening a FIFO blocks until a writer comes: at start, or in the loop on SIGHUP.
        fifo = os.path.join(self.cert.dir, "key-fifo")
        os.mkfifo(fifo)
        r = run_cli(["serve", "--listen", "tls:127.0.0.1:0", "--check-config",
                     "--tls-cert", self.cert.cert, "--tls-key", fifo], timeout=10)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("cannot read TLS key %s: not a regular file" % fifo, r.stderr)

    def test_an_encrypted_key_on_sighup_keeps_the_old_one_and_the_loop_goes_on(self):
        port = free_port()
        p = PtyProcess([harness.hub_binary(), "serve", "--state-dir", self.cert.dir,
                        "--listen", "tls:127.0.0.1:%d" % port, "--listen", "127.0.0.1:0"] +
                       self.cert.args())
        self.addCleanup(p.close)
        self.assertTrue(p.read_until(lambda t: len(harness.LISTEN_RE.findall(t)) == 2, 10),
                        p.text())
        plain = int(harness.LISTEN_RE.findall(p.text())[1].rsplit(":", 1)[1])
        self.assertEqual(peer_common_name(port), "ssehub-test")
        encrypt_key(self.cert.key, self.cert.key + ".new")
        os.replace(self.cert.key + ".new", self.cert.key)
        p.signal(signal.SIGHUP)
        self.assertTrue(p.read_until(lambda t: "TLS certificate not reloaded" in t or "pass phrase" in
                                     t.lower(), 10), p.text())
        self.assertNotIn("pass phrase", p.text().lower(), "OpenSSL prompted on the terminal")
        self.assertIn("is encrypted", p.text())
        started = time.monotonic()
        self.assertEqual(http_request(plain, "GET", "/healthz", timeout=2).status, 200)
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertEqual(peer_common_name(port), "ssehub-test")  # the old certificate


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@requires(have_tls(harness.hub_binary()), "ssehub built without OpenSSL")
class TlsCiphers(TlsTestCase):
    """TLS 1.2 offers ECDHE with AEAD ciphers only (issue 16.10): no CBC, no SHA-1 MAC."""

    def s_client(self, port, *args, version="-tls1_2"):
        r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port,
                            "-servername", "localhost", version] + list(args),
                           input=b"", capture_output=True, timeout=20)
        return r.returncode, r.stdout.decode("utf-8", "replace")

    def test_cbc_sha1_suites_are_refused_and_aead_ones_accepted(self):
        _, port, _ = self.start_tls_hub()
        for cipher in ("ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA",
                       "ECDHE-ECDSA-AES128-SHA256", "AES128-SHA"):
            with self.subTest(cipher=cipher):
                rc, out = self.s_client(port, "-cipher", cipher)
                self.assertNotEqual(rc, 0, out)
                self.assertNotRegex(out, r"Cipher is %s\b" % cipher)
        for cipher in ("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"):
            with self.subTest(cipher=cipher):
                rc, out = self.s_client(port, "-cipher", cipher)
                self.assertEqual(rc, 0, out)
                self.assertRegex(out, r"Cipher is %s\b" % cipher)
        rc, out = self.s_client(port, version="-tls1_3")  # TLS 1.3 keeps its default suites
        self.assertEqual(rc, 0, out)


@requires(have_tls(harness.hub_binary()), "ssehub built without OpenSSL")
class TlsSocketActivation(TlsTestCase):
    def test_a_socket_systemd_names_tls_speaks_tls(self):
        tls_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tls_sock.bind(("127.0.0.1", 0))
        tls_sock.listen(16)
        plain_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        plain_sock.bind(("127.0.0.1", 0))
        plain_sock.listen(16)
        tls_port, plain_port = tls_sock.getsockname()[1], plain_sock.getsockname()[1]

        def hand_over():
            os.dup2(tls_sock.fileno(), 3)
            os.dup2(plain_sock.fileno(), 4)

        env = harness.hub_env({"LISTEN_FDS": "2", "LISTEN_FDNAMES": "tls:http"})
        # sh sets LISTEN_PID to its own pid, then exec keeps that pid for the hub.
        proc = subprocess.Popen(["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$0" "$@"',
                                 harness.hub_binary(), "serve", "--state-dir", self.cert.dir]
                                + self.cert.args(), env=env, stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, preexec_fn=hand_over, pass_fds=(3, 4))
        self.addCleanup(proc.stderr.close)
        tls_sock.close()
        plain_sock.close()
        try:
            lines = []
            while sum("(socket activation)" in l for l in lines) < 2:
                line = proc.stderr.readline().decode()
                self.assertTrue(line, "hub ended early: %r" % lines)
                lines.append(line)
            self.assertIn("(tls) (socket activation)", "".join(lines))
            self.assertEqual(tls_request(tls_port, "GET", "/healthz").status, 200)
            self.assertEqual(http_request(plain_port, "GET", "/healthz").status, 200)
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


class TlsOptions(unittest.TestCase):
    # Runs in every build (a skip here would make the TLS build's CI count a test it never
    # ran): without OpenSSL the options say TLS is unavailable; with it they are known and
    # only the missing files are an error.
    def test_tls_options_say_tls_is_unavailable_exactly_without_openssl(self):
        built_with_tls = have_tls(harness.hub_binary())
        for args in (["--tls-cert", "c.pem", "--tls-key", "k.pem"],
                     ["--listen", "tls:127.0.0.1:0", "--tls-cert", "c.pem", "--tls-key", "k.pem"]):
            r = run_cli(["serve"] + args + ["--check-config"])
            self.assertNotEqual(r.returncode, 0, r.stderr)
            if built_with_tls:
                self.assertNotIn("TLS is unavailable", r.stderr)
                self.assertIn("c.pem", r.stderr)
            else:
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("TLS is unavailable", r.stderr)


if __name__ == "__main__":
    unittest.main()
