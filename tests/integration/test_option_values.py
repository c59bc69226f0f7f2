"""Numeric options and config keys refuse negative and out-of-range values (exit 2, naming
the option); a SIGHUP reload is all or nothing; a damaged state file is an error naming the
file; the client refuses a --url that would forge its request and gives up on a hub that
accepts but never answers; IPv4-mapped --publish-allow entries match IPv4 peers."""

import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import HubTestCase, hub_binary, hub_env, http_request, publish, run_cli, \
    stop_process, wait_until

# Every numeric option of `ssehub serve`, with a value just past its range.
NUMERIC_OPTIONS = [
    ("heartbeat", "86401"), ("retry-ms", "86400001"), ("history-events", "10000001"),
    ("history-bytes", "65G"), ("max-subscribers", "0"), ("max-header-bytes", "17M"),
    ("max-event-bytes", "2G"), ("request-timeout", "3601"), ("max-queued-bytes", "1023"),
    ("shutdown-grace", "3601"),
]


class OptionValueTest(HubTestCase):
    def write(self, text, suffix=".conf"):
        fd, path = tempfile.mkstemp(prefix="ssehub-values-", suffix=suffix)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def test_negative_and_out_of_range_values_are_usage_errors(self):
        state = tempfile.mkdtemp(prefix="ssehub-state-")
        for name, too_big in NUMERIC_OPTIONS:
            for value in ("-3", "-1", too_big):
                with self.subTest(option=name, value=value):
                    r = run_cli(["serve", "--listen", "127.0.0.1:0", "--state-dir", state,
                                 "--" + name, value])
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn("--" + name, r.stderr)
                    conf = self.write("%s = %s\n" % (name, value))
                    r = run_cli(["serve", "--listen", "127.0.0.1:0", "--state-dir", state,
                                 "--config", conf])
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(name, r.stderr)
                    self.assertIn(conf, r.stderr)

    def test_a_repeated_config_key_is_an_error(self):
        conf = self.write("max-event-bytes = 1K\nheartbeat = 5\nmax-event-bytes = 3000\n")
        r = run_cli(["serve", "--config", conf, "--check-config"])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("max-event-bytes", r.stderr)
        self.assertIn("more than once", r.stderr)

    def test_a_reload_with_a_bad_value_changes_nothing(self):
        conf = self.write('cors-origin = "https://old.example"\n')
        hub = self.start_hub("--config", conf)
        with open(conf, "w") as f:
            f.write('cors-origin = "https://new.example"\nhistory-events = -3\n')
        hub.signal(signal.SIGHUP)
        line = hub.wait_for_log("reload failed, keeping the old configuration")
        self.assertIn("history-events", line)
        r = http_request(hub.addr, "GET", "/healthz", {"Origin": "https://old.example"})
        self.assertEqual(r.headers["access-control-allow-origin"], "https://old.example")

    def test_a_failed_reload_keeps_the_old_log_level(self):
        # The token file is read after the config file parsed: it used to fail after the new
        # log level was already in force.
        conf = self.write('log-level = "info"\n')
        hub = self.start_hub("--config", conf)
        with open(conf, "w") as f:
            f.write('log-level = "error"\ntoken-file = "/nonexistent/ssehub-tokens"\n')
        hub.signal(signal.SIGHUP)
        hub.wait_for_log("reload failed, keeping the old configuration: cannot read token file")
        self.assertEqual(http_request(hub.addr, "GET", "/no-such-page").status, 404)
        hub.wait_for_log("info: rejected request: 404")

    def test_an_ipv4_mapped_publish_allow_entry_matches_an_ipv4_peer(self):
        hub = self.start_hub("--publish-allow", "::ffff:127.0.0.1/128")
        self.assertEqual(publish(hub.addr, "t", "x").status, 202)
        other = self.start_hub("--publish-allow", "::ffff:127.0.0.2/128")
        self.assertEqual(publish(other.addr, "t", "x").status, 403)


class StateFileTest(unittest.TestCase):
    def serve_with_state(self, text):
        state = tempfile.mkdtemp(prefix="ssehub-state-")
        path = os.path.join(state, "ssehub.state")
        with open(path, "w") as f:
            f.write(text)
        r = run_cli(["serve", "--listen", "127.0.0.1:0", "--state-dir", state])
        with open(path) as f:
            after = f.read()
        return r, path, after

    def test_a_damaged_state_file_is_an_error_naming_the_file(self):
        for text in ("mark 18446744073709551615\n", "mark 18446744073709551616\n",
                     "mark 123 junk\n", "mark 1e5\n", "mark -5\n", "mark +5\n", "mark \n",
                     "mark 1000000000000000\n", "mark 123", "", "garbage\n",
                     "mark 123\nmark 456\n"):
            with self.subTest(text=text):
                r, path, after = self.serve_with_state(text)
                self.assertEqual(r.returncode, 1, r.stderr)
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertIn(path, lines[0])
                self.assertIn("damaged", lines[0])
                self.assertEqual(after, text)  # never silently reset

    def test_a_good_state_file_still_starts(self):
        state = tempfile.mkdtemp(prefix="ssehub-state-")
        with open(os.path.join(state, "ssehub.state"), "w") as f:
            f.write("mark 999999999999990\n")
        proc = subprocess.Popen([hub_binary(), "serve", "--listen", "127.0.0.1:0",
                                 "--state-dir", state], stderr=subprocess.PIPE, text=True,
                                env=hub_env())
        try:
            line = proc.stderr.readline()
            self.assertIn("listening on", line)
        finally:
            stop_process(proc)
            proc.stderr.close()


class BenchOptionsTest(unittest.TestCase):
    def test_bench_refuses_nan_for_rates_and_timeouts(self):
        build = os.environ.get("SSEHUB_BUILD_DIR") or os.path.dirname(hub_binary())
        bench = os.path.join(build, "bench", "ssehub-bench")
        self.assertTrue(os.path.exists(bench), bench)
        for option in ("--rate", "--duration", "--connect-timeout", "--event-timeout",
                       "--drain-timeout"):
            for value in ("nan", "-nan", "inf"):
                with self.subTest(option=option, value=value):
                    r = subprocess.run([bench, option, value, "--url", "http://127.0.0.1:1/"],
                                       capture_output=True, text=True, timeout=10)
                    self.assertNotEqual(r.returncode, 0, r.stdout)
                    self.assertIn(option, r.stderr)


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for c in self.accepted:
            c.close()


class ClientTest(unittest.TestCase):
    def test_url_with_cr_lf_or_space_is_refused(self):
        server = SilentServer()
        self.addCleanup(server.close)
        base = "http://127.0.0.1:%d" % server.port
        for path in ("/x\r\nX-Injected: 1", "/a b", "/x\n"):
            for cmd in (["publish", "--data", "x"], ["stats"], ["subscribe"]):
                with self.subTest(cmd=cmd[0], path=path):
                    r = run_cli(cmd + ["--url", base + path])
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn("--url", r.stderr)
        self.assertEqual(server.accepted, [])  # nothing was sent anywhere

    def test_subscribe_gives_up_on_a_hub_that_never_answers(self):
        server = SilentServer()
        self.addCleanup(server.close)
        proc = subprocess.Popen([hub_binary(), "subscribe", "--url",
                                 "http://127.0.0.1:%d" % server.port, "--timeout", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=hub_env())
        self.addCleanup(lambda: (stop_process(proc), proc.stdout.close(), proc.stderr.close()))
        start = time.monotonic()
        line = proc.stderr.readline()
        elapsed = time.monotonic() - start
        self.assertIn("no answer from", line)
        self.assertIn("within 1 s", line)
        self.assertLess(elapsed, 5.0)
        # ... and tries again, as after any other failure.
        wait_until(lambda: len(server.accepted) >= 2, timeout=10.0,
                   message="subscribe did not reconnect")


if __name__ == "__main__":
    unittest.main()
