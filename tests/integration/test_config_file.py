"""The config file (issue 6): keys of the same names as the options, the command line
beats the file, --check-config, and SIGHUP re-reading the file without dropping
subscribers (a bad file keeps the old configuration)."""

import os
import signal
import subprocess
import tempfile

from harness import HubTestCase, hub_binary, http_request, publish, publish_ok


class ConfigFileTest(HubTestCase):
    def write(self, text):
        fd, path = tempfile.mkstemp(prefix="ssehub-conf-", suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.unlink, path)
        return path

    def test_file_values_apply_and_the_command_line_wins(self):
        conf = self.write('cors-origin = "https://a.example"\nmax-event-bytes = 20\n')
        hub = self.start_hub("--config", conf, "--cors-origin", "https://cli.example")
        r = http_request(hub.addr, "GET", "/healthz", {"Origin": "https://cli.example"})
        self.assertEqual(r.headers["access-control-allow-origin"], "https://cli.example")
        r = http_request(hub.addr, "GET", "/healthz", {"Origin": "https://a.example"})
        self.assertNotIn("access-control-allow-origin", r.headers)
        self.assertEqual(publish(hub.addr, "t", "x" * 8).status, 413)
        self.assertEqual(publish(hub.addr, "t", "x" * 7).status, 202)

    def test_check_config_exits_0_for_a_good_file_and_1_for_a_bad_one(self):
        good = self.write("heartbeat = 5\nlisten = [\"127.0.0.1:0\"]\n")
        r = subprocess.run([hub_binary(), "serve", "--config", good, "--check-config"],
                           capture_output=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        for text in ("heartbeat = abc\n", "no-such-key = 1\n", "max-queued-bytes = 1Q\n"):
            bad = self.write(text)
            r = subprocess.run([hub_binary(), "serve", "--config", bad, "--check-config"],
                               capture_output=True, timeout=10)
            self.assertEqual(r.returncode, 1, (text, r.stderr))
            self.assertIn(bad.encode(), r.stderr)
            # Without --check-config a bad file is a usage error.
            r = subprocess.run([hub_binary(), "serve", "--config", bad], capture_output=True,
                               timeout=10)
            self.assertEqual(r.returncode, 2, (text, r.stderr))

    def test_sighup_applies_the_new_file_and_keeps_subscribers(self):
        conf = self.write('cors-origin = "https://old.example"\n')
        hub = self.start_hub("--config", conf)
        client = self.subscribe(hub.addr)
        with open(conf, "w") as f:
            f.write('cors-origin = "https://new.example"\nmax-event-bytes = 20\n')
        hub.signal(signal.SIGHUP)
        hub.wait_for_log("reloaded configuration")
        r = http_request(hub.addr, "GET", "/healthz", {"Origin": "https://new.example"})
        self.assertEqual(r.headers["access-control-allow-origin"], "https://new.example")
        # The limit bounds the request body too: "event=t&data=" and 7 bytes is 20.
        self.assertEqual(publish(hub.addr, "t", "x" * 21).status, 413)
        self.assert_next_event(client, "t", "1234567", publish_ok(hub.addr, "t", "1234567")["id"])

    def test_a_bad_file_on_sighup_keeps_the_old_configuration(self):
        conf = self.write('cors-origin = "https://old.example"\n')
        hub = self.start_hub("--config", conf)
        client = self.subscribe(hub.addr)
        with open(conf, "w") as f:
            f.write('cors-origin = "https://new.example"\nheartbeat = never\n')
        hub.signal(signal.SIGHUP)
        hub.wait_for_log("reload failed")
        r = http_request(hub.addr, "GET", "/healthz", {"Origin": "https://old.example"})
        self.assertEqual(r.headers["access-control-allow-origin"], "https://old.example")
        self.assert_next_event(client, "t", "still", publish_ok(hub.addr, "t", "still")["id"])


if __name__ == "__main__":
    import unittest
    unittest.main()
