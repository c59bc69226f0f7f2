"""`ssehub stats --watch` (issue 21) against a real hub: through a pipe every sample is one
plain block, the same rows `ssehub stats` prints, and the events figure follows what is
published meanwhile; --json gives one JSON object a sample; on a terminal (a pseudo-terminal
here) one frame is redrawn in place with sparklines; the watch outlives a hub restart; Ctrl-C
and SIGTERM end it with exit status 0. Stdlib only."""

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
import unittest

from harness import hub_binary, hub_env, publish_ok, wait_until
from test_cli_client import CliTestCase, cli

ROWS = ["hub", "subscribers", "events published", "events/s", "deliveries",
        "slow subscribers dropped", "rejected requests", "uptime"]


def blocks(lines):
    """The complete blocks (each ended by an empty line) among stdout lines, as {row: value}."""
    out, current = [], []
    for line in lines:
        if line == "":
            out.append(dict(re.match(r"^([a-z/ ]+):\s+(.*)$", l).groups() for l in current))
            current = []
        else:
            current.append(line)
    return out


class Terminal:
    """The command with a pseudo-terminal as its stdout (120 columns), read by a thread."""

    def __init__(self, args):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.proc = subprocess.Popen([hub_binary()] + list(args), stdin=subprocess.DEVNULL,
                                     stdout=slave, stderr=subprocess.PIPE, env=hub_env())
        os.close(slave)
        self.master = master
        self.data = bytearray()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self):
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO once the command has exited and the slave is closed
                chunk = b""
            with self._cond:
                if not chunk:
                    self._cond.notify_all()
                    return
                self.data += chunk
                self._cond.notify_all()

    def text(self):
        """What was written, with the terminal's \\r\\n for \\n (onlcr) undone."""
        with self._cond:
            return self.data.decode("utf-8", "replace").replace("\r\n", "\n")

    def wait_for(self, pred, timeout=10.0, what="terminal output"):
        return wait_until(lambda: pred(self.text()), timeout,
                          message="%s not seen; the terminal shows %r" % (what, self.text()))

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._thread.join(timeout=5)
        os.close(self.master)
        self.proc.stderr.close()


class StatsWatch(CliTestCase):
    def watch(self, hub, *args):
        return self.spawn("stats", "--url", hub.url, "--watch", "--interval", "0.2", *args)

    def test_a_pipe_gets_one_block_a_sample_that_follows_the_events(self):
        hub = self.start_hub()
        self.subscribe_cli(hub)
        w = self.watch(hub)
        first = w.wait_for(lambda out, err: blocks(out), what="a first block")[0]
        self.assertEqual(list(first), ROWS)
        self.assertEqual(first["hub"], hub.url)
        self.assertEqual(first["subscribers"], "1")
        self.assertEqual(first["events published"], "0")
        self.assertRegex(first["events/s"], r"^0\.0 \(over 0\.\d s\)$")
        for i in range(3):
            publish_ok(hub.addr, "n", str(i))
        moved = w.wait_for(lambda out, err: next(
            (b for b in blocks(out) if b["events published"] == "3"), None),
            what="a block counting the 3 events")
        self.assertEqual(moved["deliveries"], "3")
        # Samples go on after it, every --interval: the next two blocks.
        n = len(blocks(w.stdout_lines))
        w.wait_for(lambda out, err: len(blocks(out)) >= n + 2, what="two more blocks")
        w.proc.send_signal(signal.SIGINT)
        self.assertEqual(w.wait_exit(), 0, w.stderr_lines)
        self.assertEqual(w.stderr_lines, [])
        every = blocks(w.stdout_lines)
        counts = [int(b["events published"]) for b in every]
        self.assertEqual(counts, sorted(counts))
        self.assertTrue(all(list(b) == ROWS for b in every))

    def test_events_per_second_is_measured_over_each_interval(self):
        hub = self.start_hub()
        w = self.watch(hub, "--json")
        stop = threading.Event()

        def publisher():
            while not stop.is_set():
                publish_ok(hub.addr, "tick", "x")

        t = threading.Thread(target=publisher, daemon=True)
        t.start()
        try:
            docs = w.wait_for(lambda out, err: [json.loads(l) for l in out]
                              if len(out) >= 3 else None, what="three JSON lines")
        finally:
            stop.set()
            t.join(timeout=10)
        self.assertEqual(list(docs[0]), ["url", "subscribers", "events_published",
                                         "events_per_second", "deliveries",
                                         "slow_subscribers_dropped", "rejected_requests",
                                         "rejected_requests_by_reason", "uptime_seconds"])
        self.assertGreater(docs[2]["events_published"], docs[0]["events_published"])
        self.assertTrue(all(d["events_per_second"] > 0 for d in docs[1:3]), docs)
        w.proc.send_signal(signal.SIGTERM)
        self.assertEqual(w.wait_exit(), 0, w.stderr_lines)

    def test_the_watch_outlives_a_hub_restart(self):
        hub1 = self.start_hub()
        port = hub1.port
        w = self.watch(hub1)
        w.wait_for(lambda out, err: blocks(out), what="a first block")
        hub1.stop()
        w.wait_stderr(r"^ssehub: stats: cannot connect .*; trying again every 0\.2 s$")
        hub2 = self.restart_on_port(port, hub1.state_dir)
        w.wait_stderr(r"^ssehub: stats: %s answers again$" % re.escape(hub1.url))
        publish_ok(hub2.addr, "n", "after")
        w.wait_for(lambda out, err: any(b["events published"] == "1" for b in blocks(out)),
                   what="a block from the new hub")
        self.assertEqual(len(w.stderr_lines), 2, w.stderr_lines)  # said once each, not a flood
        w.proc.send_signal(signal.SIGINT)
        self.assertEqual(w.wait_exit(), 0)

    def restart_on_port(self, port, state_dir):
        deadline = time.monotonic() + 10
        while True:
            try:
                return self.start_hub(listen=("127.0.0.1:%d" % port,), state_dir=state_dir)
            except AssertionError as e:
                if "in use" not in str(e) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def test_a_terminal_gets_one_frame_redrawn_with_sparklines(self):
        hub = self.start_hub()
        self.subscribe_cli(hub)
        term = Terminal(["stats", "--url", hub.url, "--watch", "--interval", "0.2"])
        self.addCleanup(term.close)
        term.wait_for(lambda t: "Ctrl-C quits" in t, what="a first frame")
        for i in range(5):
            publish_ok(hub.addr, "n", str(i))
        # Each later frame starts by moving the cursor up over the previous one (10 lines:
        # a heading, the 8 rows, the footer) and erases each line before writing it.
        def complete_frame_with_5_events(text):
            frames = text.split("\x1b[10A")[1:-1]  # redrawn ones, each followed by the next
            return next((f for f in frames if re.search(r"events published:\s+5\b", f)), None)

        frame = term.wait_for(complete_frame_with_5_events, what="a frame counting 5 events")
        lines = [l for l in frame.split("\r\x1b[2K") if l]
        self.assertEqual(len(lines), 10, lines)
        self.assertTrue(lines[0].startswith("ssehub stats, every 0.2 s"))
        self.assertRegex(lines[2], r"^subscribers:\s+1\s+[\u2581-\u2588]+\n$")
        self.assertRegex(lines[4], r"^events/s:\s+\S+ \(over 0\.\d s\)\s+[ \u2581-\u2588]+\n$")
        self.assertIn("\u2588", lines[4], "the burst of events is the highest block")
        self.assertRegex(lines[7], r"^rejected requests:\s+\d+.*[\u2581-\u2588]+\n$")
        self.assertEqual(lines[9], "Ctrl-C quits\n\x1b[J")
        self.assertTrue(all(len(l.rstrip("\n\x1b[J")) < 120 for l in lines))
        term.proc.send_signal(signal.SIGINT)
        self.assertEqual(term.proc.wait(timeout=10), 0)

    def test_usage_errors(self):
        for interval in ("0", "0.05"):
            with self.subTest(interval=interval):
                r = cli(["stats", "--watch", "--interval", interval])
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("--watch needs an --interval of at least 0.1 seconds", r.stderr)

    def test_no_hub_is_exit_1_at_once(self):
        from test_cli_client import closed_port
        r = cli(["stats", "--watch", "--url", "http://127.0.0.1:%d" % closed_port()])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^ssehub: stats failed: cannot connect [^\n]+\n$")


if __name__ == "__main__":
    unittest.main()
