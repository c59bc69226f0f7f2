"""Command line of `ssehub`: --version, --help, usage errors (exit 2 naming the
option), SIZE suffixes, and every `serve` option accepted with a valid value."""

import os
import re
import shutil
import tempfile
import unittest

from harness import HubTestCase, http_request, publish, publish_ok, run_cli


class CliTestCase(HubTestCase):
    def tempdir(self):
        path = tempfile.mkdtemp(prefix="ssehub-cli-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def serve_args(self, *extra):
        """serve on an ephemeral port with a throwaway state dir, so a binary that
        wrongly ignores a bad option does not take a fixed port or litter the tree."""
        return ["serve", "--listen", "127.0.0.1:0", "--state-dir", self.tempdir()] + list(extra)


class VersionAndHelp(CliTestCase):
    def test_version_prints_a_version_and_exits_0(self):
        r = run_cli(["--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"\d+\.\d+\.\d+")

    def test_help_exits_0_and_lists_the_serve_command(self):
        r = run_cli(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("serve", r.stdout)

    def test_serve_help_lists_the_options(self):
        r = run_cli(["serve", "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for option in ("--listen", "--state-dir", "--heartbeat", "--retry-ms",
                       "--max-event-bytes", "--cors-origin", "--shutdown-grace"):
            self.assertIn(option, r.stdout)


class UsageErrors(CliTestCase):
    def test_unknown_option_is_a_usage_error(self):
        r = run_cli(self.serve_args("--bogus"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("bogus", r.stderr)

    def test_unknown_command_is_a_usage_error(self):
        r = run_cli(["frobnicate"])
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_non_numeric_heartbeat_names_the_option(self):
        r = run_cli(self.serve_args("--heartbeat", "abc"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--heartbeat", r.stderr)

    def test_bad_size_suffix_names_the_option(self):
        r = run_cli(self.serve_args("--max-event-bytes", "12Q"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--max-event-bytes", r.stderr)

    def test_every_bad_value_is_a_usage_error_naming_its_option(self):
        cases = [
            ("--heartbeat", "abc"),
            ("--retry-ms", "soon"),
            ("--history-events", "many"),
            ("--history-bytes", "12Q"),
            ("--max-subscribers", "lots"),
            ("--max-header-bytes", "8X"),
            ("--max-event-bytes", "K64"),
            ("--request-timeout", "ten"),
            ("--max-queued-bytes", "1MB!"),
            ("--shutdown-grace", "a while"),
            ("--log-level", "loud"),
            ("--listen", "not-an-address"),
        ]
        for option, value in cases:
            with self.subTest(option=option, value=value):
                r = run_cli(self.serve_args(option, value))
                self.assertEqual(r.returncode, 2, "%s %s: %s" % (option, value, r.stderr))
                self.assertIn(option, r.stderr)

    def test_missing_option_value_is_a_usage_error(self):
        r = run_cli(self.serve_args("--heartbeat"))
        self.assertEqual(r.returncode, 2, r.stderr)


class AcceptedOptions(CliTestCase):
    def test_every_serve_option_accepts_a_valid_value(self):
        tokens = os.path.join(self.tempdir(), "tokens")
        with open(tokens, "w") as f:
            f.write("s3cret-token\n")
        hub = self.start_hub(
            "--heartbeat", "15", "--retry-ms", "3000", "--history-events", "100",
            "--history-bytes", "1M", "--max-subscribers", "100", "--max-header-bytes", "8K",
            "--max-event-bytes", "64K", "--request-timeout", "10", "--max-queued-bytes", "1M",
            "--publish-allow", "127.0.0.0/8", "--token-file", tokens, "--cors-origin", "*",
            "--shutdown-grace", "5", "--log-level", "debug")
        r = http_request(hub.addr, "GET", "/healthz")
        self.assertEqual((r.status, r.body.strip()), (200, b"ok"))
        publish_ok(hub.addr, "started", "yes")

    def test_size_suffix_k_is_1024_bytes(self):
        hub = self.start_hub("--max-event-bytes", "2K")
        # A 2010-byte datum (body 2015 bytes) fits 2 KiB = 2048 but not 2000.
        doc = publish_ok(hub.addr, None, "a" * 2010)
        self.assertEqual(doc["subscribers"], 0)
        r = publish(hub.addr, None, "a" * 2100)
        self.assertEqual(r.status, 413, r.body)

    def test_size_suffixes_m_and_g_are_accepted(self):
        hub = self.start_hub("--history-bytes", "1G", "--max-queued-bytes", "2M",
                             "--max-header-bytes", "16K")
        r = http_request(hub.addr, "GET", "/healthz")
        self.assertEqual(r.status, 200)

    def test_plain_byte_count_is_a_size(self):
        hub = self.start_hub("--max-event-bytes", "100")
        publish_ok(hub.addr, None, "b" * 50)
        r = publish(hub.addr, None, "b" * 200)
        self.assertEqual(r.status, 413, r.body)

    def test_listening_line_names_the_ephemeral_port(self):
        hub = self.start_hub()
        self.assertTrue(re.fullmatch(r"127\.0\.0\.1:\d+", hub.listeners[0]), hub.listeners)
        self.assertNotEqual(hub.port, 0)


if __name__ == "__main__":
    unittest.main()
