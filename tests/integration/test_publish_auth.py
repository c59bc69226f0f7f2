"""Who may publish (SPEC.md, issue 5): the allow-list, bearer tokens from a token file
(401 without, 403 wrong), the legacy signal under the same rules, subscribing left
open, and SIGHUP re-reading the token file without dropping subscribers."""

import os
import signal
import tempfile

from harness import HubTestCase, http_request, publish, signal as legacy_signal, wait_until


class AuthTest(HubTestCase):
    def token_file(self, *tokens):
        fd, path = tempfile.mkstemp(prefix="ssehub-tokens-")
        with os.fdopen(fd, "w") as f:
            f.write("# publishers\n\n" + "".join("  %s  \n" % t for t in tokens))
        self.addCleanup(os.unlink, path)
        return path

    def test_a_peer_outside_the_allow_list_gets_403(self):
        hub = self.start_hub("--publish-allow", "10.0.0.0/8")
        r = publish(hub.addr, "t", "x")
        self.assertEqual(r.status, 403)
        self.assertEqual(legacy_signal(hub.addr, "signal=x").status, 403)
        # Subscribing is not restricted.
        self.subscribe(hub.addr)

    def test_the_unix_socket_may_publish_whatever_the_allow_list(self):
        path = os.path.join(tempfile.mkdtemp(prefix="ssehub-sock-"), "hub.sock")
        hub = self.start_hub("--publish-allow", "10.0.0.0/8",
                             listen=("127.0.0.1:0", "unix:" + path))
        self.assertEqual(publish(path, "t", "x").status, 202)
        self.assertEqual(publish(hub.addr, "t", "x").status, 403)

    def test_tokens_401_without_403_wrong_202_right(self):
        tokens = self.token_file("s3cret-one", "s3cret-two")
        hub = self.start_hub("--publish-allow", "10.0.0.0/8", "--token-file", tokens)
        client = self.subscribe(hub.addr)
        r = publish(hub.addr, "t", "x")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.headers.get("www-authenticate"), "Bearer")
        self.assertEqual(publish(hub.addr, "t", "x",
                                 headers={"Authorization": "Bearer wrong"}).status, 403)
        self.assertEqual(publish(hub.addr, "t", "x",
                                 headers={"Authorization": "Bearer s3cret-on"}).status, 403)
        self.assertEqual(publish(hub.addr, "t", "x",
                                 headers={"Authorization": "Basic s3cret-one"}).status, 403)
        r = publish(hub.addr, "t", "ok", headers={"Authorization": "Bearer s3cret-two"})
        self.assertEqual(r.status, 202)
        self.assert_next_event(client, "t", "ok")
        r = legacy_signal(hub.addr, "signal=sig", headers={"Authorization": "Bearer s3cret-one"})
        self.assertEqual(r.status, 200)
        self.assert_next_event(client, "sig", "")
        self.assertEqual(legacy_signal(hub.addr, "signal=sig").status, 401)

    def test_an_allowed_peer_with_a_wrong_token_is_still_refused(self):
        tokens = self.token_file("right")
        hub = self.start_hub("--token-file", tokens)
        self.assertEqual(publish(hub.addr, "t", "x").status, 202)  # loopback is allowed
        self.assertEqual(publish(hub.addr, "t", "x",
                                 headers={"Authorization": "Bearer nope"}).status, 403)

    def test_sighup_rereads_tokens_and_keeps_subscribers(self):
        tokens = self.token_file("old")
        hub = self.start_hub("--publish-allow", "10.0.0.0/8", "--token-file", tokens)
        client = self.subscribe(hub.addr)
        with open(tokens, "w") as f:
            f.write("old\nnew\n")
        hub.signal(signal.SIGHUP)
        hub.wait_for_log("reloaded configuration")
        r = publish(hub.addr, "t", "with new", headers={"Authorization": "Bearer new"})
        self.assertEqual(r.status, 202)
        self.assert_next_event(client, "t", "with new")
        # A bad file is reported and the old tokens are kept.
        with open(tokens, "w") as f:
            f.write("# nothing\n")
        hub.signal(signal.SIGHUP)
        hub.wait_for_log("reload failed")
        r = publish(hub.addr, "t", "still", headers={"Authorization": "Bearer new"})
        self.assertEqual(r.status, 202)
        self.assert_next_event(client, "t", "still")

    def test_a_missing_token_file_is_a_startup_error(self):
        import subprocess
        from harness import hub_binary
        r = subprocess.run([hub_binary(), "serve", "--listen", "127.0.0.1:0",
                            "--token-file", "/nonexistent/tokens"], capture_output=True,
                           timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"token file", r.stderr)


if __name__ == "__main__":
    import unittest
    unittest.main()
