"""The command-line client (issue 6): `ssehub publish`, `ssehub subscribe` and
`ssehub stats` against a real hub over TCP and a Unix socket. Publish round
trips, the hub's refusals as exit 1 with its reason, usage errors as exit 2,
subscribe reconnecting with Last-Event-ID across a hub restart on the same port,
SIGINT/SIGTERM as exit 0, and the stats summary in both forms."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import (Hub, HubTestCase, hub_binary, hub_env, http_request, parse_id,
                     publish_ok, stop_process, wait_until)


def cli(args, input=None, env=None, timeout=15.0):
    """Run `ssehub ARGS` to completion -> CompletedProcess with text stdout/stderr.
    input: str or bytes for stdin."""
    if isinstance(input, str):
        input = input.encode("utf-8")
    r = subprocess.run([hub_binary()] + list(args), input=input, capture_output=True,
                       timeout=timeout, env=hub_env(env))
    r.stdout = r.stdout.decode("utf-8", "replace")
    r.stderr = r.stderr.decode("utf-8", "replace")
    return r


def metric(hub, name):
    """Value of one unlabelled metric from the hub's /metrics."""
    r = http_request(hub.addr, "GET", "/metrics")
    for line in r.body.decode().splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError("no %s in /metrics" % name)


def closed_port():
    """A TCP port on 127.0.0.1 with (very probably) nobody listening."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class CliProcess:
    """A long-running client command (subscribe) whose stdout and stderr lines are
    collected by threads, so tests wait on them with a deadline."""

    def __init__(self, args, env=None):
        self.proc = subprocess.Popen([hub_binary()] + list(args), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=hub_env(env))
        self.pid = self.proc.pid
        self.stdout_lines = []
        self.stderr_lines = []
        self._cond = threading.Condition()
        self._threads = [threading.Thread(target=self._drain, args=(f, lines), daemon=True)
                         for f, lines in ((self.proc.stdout, self.stdout_lines),
                                          (self.proc.stderr, self.stderr_lines))]
        for t in self._threads:
            t.start()

    def _drain(self, stream, lines):
        for raw in iter(stream.readline, b""):
            with self._cond:
                lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()

    def wait_for(self, pred, timeout=10.0, what="condition"):
        """Wait until pred(stdout_lines, stderr_lines) is truthy; return its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = pred(self.stdout_lines, self.stderr_lines)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("%s not met within %.0f s; exit status %s\nstdout: %r"
                                         "\nstderr: %r" % (what, timeout, self.proc.poll(),
                                                           self.stdout_lines, self.stderr_lines))
                self._cond.wait(min(remaining, 0.1))

    def wait_stdout_lines(self, n, timeout=10.0):
        return self.wait_for(lambda out, err: list(out) if len(out) >= n else None, timeout,
                             "%d stdout line(s)" % n)

    def wait_stderr(self, pattern, timeout=10.0):
        rx = re.compile(pattern)
        return self.wait_for(lambda out, err: next((l for l in err if rx.search(l)), None),
                             timeout, "stderr line matching %r" % pattern)

    def wait_exit(self, timeout=10.0):
        status = self.proc.wait(timeout=timeout)
        for t in self._threads:
            t.join(timeout=5)
        return status

    def stop(self):
        """Cleanup: SIGTERM by PID, then SIGKILL if it does not go."""
        stop_process(self.proc)
        for t in self._threads:
            t.join(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()


class ScriptedServer:
    """A TCP server that answers its n-th connection with the n-th scripted reply
    (bytes, close_after) and records each request's line and headers."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.requests = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            lines = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
            headers = {}
            for h in lines[1:]:
                name, _, value = h.partition(":")
                headers[name.strip().lower()] = value.strip()
            self.requests.append({"line": lines[0], "headers": headers})
            if not self.replies:
                conn.close()
                continue
            reply, close_after = self.replies.pop(0)
            try:
                conn.sendall(reply)
            except OSError:
                pass
            if close_after:
                conn.close()
            else:
                self.held.append(conn)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
        for conn in self.held:
            conn.close()


class CliTestCase(HubTestCase):
    def spawn(self, *args, env=None):
        p = CliProcess(args, env)
        self.addCleanup(p.stop)
        return p

    def subscribe_cli(self, hub, *args, url=None, subscribers_before=0):
        """Start `ssehub subscribe` and wait until the hub counts it as a subscriber."""
        p = self.spawn("subscribe", "--url", url or hub.url, *args)
        wait_until(lambda: metric(hub, "ssehub_subscribers") > subscribers_before
                   or p.proc.poll() is not None, 10, message="subscriber never registered")
        if p.proc.poll() is not None:
            p.wait_exit()
            raise AssertionError("subscribe exited early with %s: %r"
                                 % (p.proc.returncode, p.stderr_lines))
        return p

    def publish_cli(self, hub, *args, url=None, input=None, env=None):
        """`ssehub publish`; asserts exit 0 and one id line; returns the id."""
        r = cli(["publish", "--url", url or hub.url] + list(args), input=input, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        self.assertRegex(r.stdout, r"^\d+-\d+\n$")
        return r.stdout.strip()

    def tempdir(self):
        path = tempfile.mkdtemp(prefix="ssehub-cli-client-")
        self.addCleanup(shutil.rmtree, path, True)
        return path


class PublishAndSubscribe(CliTestCase):
    def test_published_id_and_data_reach_a_subscriber(self):
        hub = self.start_hub()
        sub = self.subscribe_cli(hub, "--max-events", "1")
        event_id = self.publish_cli(hub, "--event", "update", "--data", "hello")
        self.assertEqual(sub.wait_exit(), 0, sub.stderr_lines)
        self.assertEqual(sub.stdout_lines, ["[%s] update: hello" % event_id])
        self.assertEqual(sub.stderr_lines, [])

    def test_multi_line_data_is_indented_in_the_human_form(self):
        hub = self.start_hub()
        sub = self.subscribe_cli(hub, "--max-events", "1")
        event_id = self.publish_cli(hub, "--event", "note", "--data", "one\ntwo\r\nthree")
        self.assertEqual(sub.wait_exit(), 0, sub.stderr_lines)
        self.assertEqual(sub.stdout_lines,
                         ["[%s] note: one" % event_id, "    two", "    three"])

    def test_json_form_keeps_any_text_exactly(self):
        hub = self.start_hub()
        sub = self.subscribe_cli(hub, "--json", "--max-events", "3")
        tricky = 'quote " backslash \\ tab \t ü € 😀 <b>&amp;</b>\nsecond line'
        ids = [self.publish_cli(hub, "--event", "json", "--data", tricky),
               self.publish_cli(hub, "--data", ""),
               self.publish_cli(hub, "--event", "x", "--data", "event: forged\n\ndata: no")]
        self.assertEqual(sub.wait_exit(), 0, sub.stderr_lines)
        docs = [json.loads(line) for line in sub.stdout_lines]
        self.assertEqual(docs, [
            {"id": ids[0], "event": "json", "data": tricky},
            {"id": ids[1], "event": "message", "data": ""},
            {"id": ids[2], "event": "x", "data": "event: forged\n\ndata: no"},
        ])
        self.assertEqual(list(docs[0]), ["id", "event", "data"])

    def test_data_from_stdin_and_from_a_file_lose_one_trailing_newline(self):
        hub = self.start_hub()
        sub = self.subscribe_cli(hub, "--json", "--max-events", "3")
        path = os.path.join(self.tempdir(), "data.txt")
        with open(path, "wb") as f:
            f.write("from a file\nline 2\n".encode())
        self.publish_cli(hub, "--event", "stdin", "-", input="piped text\n")
        self.publish_cli(hub, "--event", "file", "--data-file", path)
        self.publish_cli(hub, "--event", "raw", "--data", "kept\n")
        self.assertEqual(sub.wait_exit(), 0, sub.stderr_lines)
        got = [(d["event"], d["data"]) for d in map(json.loads, sub.stdout_lines)]
        self.assertEqual(got, [("stdin", "piped text"), ("file", "from a file\nline 2"),
                               ("raw", "kept\n")])

    def test_topics_filter_what_subscribe_prints(self):
        hub = self.start_hub()
        sub = self.subscribe_cli(hub, "--topic", "b", "--topic", "c d", "--json",
                                 "--max-events", "2")
        self.publish_cli(hub, "--topic", "a", "--data", "not for us")
        self.publish_cli(hub, "--topic", "c d", "--data", "spaced topic")
        self.publish_cli(hub, "--topic", "b", "--data", "for b")
        self.assertEqual(sub.wait_exit(), 0, sub.stderr_lines)
        self.assertEqual([json.loads(l)["data"] for l in sub.stdout_lines],
                         ["spaced topic", "for b"])

    def test_last_event_id_option_replays_what_came_after(self):
        hub = self.start_hub()
        first = self.publish_cli(hub, "--data", "one")
        self.publish_cli(hub, "--data", "two")
        self.publish_cli(hub, "--data", "three")
        r = cli(["subscribe", "--url", hub.url, "--last-event-id", first, "--max-events", "2"],
                timeout=15)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([l.split(": ", 1)[1] for l in r.stdout.splitlines()], ["two", "three"])

    def test_unix_socket_url_works_for_every_command(self):
        sock = os.path.join(self.tempdir(), "hub.sock")
        hub = self.start_hub(listen=("127.0.0.1:0", "unix:" + sock))
        url = "unix:" + sock
        sub = self.subscribe_cli(hub, "--max-events", "1", url=url)
        event_id = self.publish_cli(hub, "--event", "local", "--data", "via unix", url=url)
        self.assertEqual(sub.wait_exit(), 0, sub.stderr_lines)
        self.assertEqual(sub.stdout_lines, ["[%s] local: via unix" % event_id])
        r = cli(["stats", "--url", url, "--json", "--interval", "0"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["events_published"], 1)


class PublishFailures(CliTestCase):
    def test_a_refused_event_exits_1_with_the_hubs_reason(self):
        hub = self.start_hub()
        r = cli(["publish", "--url", hub.url, "--event", "bad\ntype", "--data", "x"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr,
                         "ssehub: publish failed: 400 event type contains CR, LF or NUL\n")

    def test_a_reserved_type_and_an_oversized_event_are_refused(self):
        hub = self.start_hub("--max-event-bytes", "1K")
        r = cli(["publish", "--url", hub.url, "--event", "ssehub.gap", "--data", "x"])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^ssehub: publish failed: 400 .*reserved.*\n$")
        r = cli(["publish", "--url", hub.url, "--data", "x" * 5000])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^ssehub: publish failed: 413 [^\n]+\n$")

    def test_no_hub_listening_is_one_clear_line_and_exit_1(self):
        port = closed_port()
        r = cli(["publish", "--url", "http://127.0.0.1:%d" % port, "--data", "x"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
        self.assertIn("cannot connect to http://127.0.0.1:%d" % port, r.stderr)
        self.assertIn("connection refused", r.stderr)
        missing = os.path.join(self.tempdir(), "no.sock")
        r = cli(["publish", "--url", "unix:" + missing, "--data", "x"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot connect to unix:" + missing, r.stderr)

    def test_a_missing_data_file_is_exit_1(self):
        hub = self.start_hub()
        path = os.path.join(self.tempdir(), "absent")
        r = cli(["publish", "--url", hub.url, "--data-file", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot open " + path, r.stderr)
        self.assertEqual(metric(hub, "ssehub_events_published_total"), 0)

    def test_tokens_from_the_option_and_the_environment(self):
        tokens = os.path.join(self.tempdir(), "tokens")
        with open(tokens, "w") as f:
            f.write("s3cret\n")
        # Loopback is not allowed here, so only a token lets a publisher in.
        hub = self.start_hub("--token-file", tokens, "--publish-allow", "192.0.2.0/24")
        r = cli(["publish", "--url", hub.url, "--data", "x"])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^ssehub: publish failed: 401 [^\n]+\n$")
        r = cli(["publish", "--url", hub.url, "--token", "wrong", "--data", "x"])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^ssehub: publish failed: 403 [^\n]+\n$")
        self.publish_cli(hub, "--token", "s3cret", "--data", "x")
        self.publish_cli(hub, "--data", "y", env={"SSEHUB_TOKEN": "s3cret"})


class UsageErrors(CliTestCase):
    def test_help_lists_every_command_and_each_has_its_own_help(self):
        r = cli(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for cmd in ("serve", "publish", "subscribe", "stats"):
            self.assertRegex(r.stdout, r"(?m)^\s+%s\s" % cmd)
        for cmd, options in (("publish", ("--url", "--token", "--event", "--data",
                                          "--data-file", "--topic")),
                             ("subscribe", ("--url", "--token", "--topic", "--last-event-id",
                                            "--json", "--max-events")),
                             ("stats", ("--url", "--token", "--json", "--interval"))):
            r = cli([cmd, "--help"])
            self.assertEqual(r.returncode, 0, r.stderr)
            for option in options:
                self.assertIn(option, r.stdout, cmd)

    def test_only_http_and_unix_urls_are_accepted(self):
        for url in ("https://127.0.0.1:8080", "ftp://x", "127.0.0.1:8080", "http://h:99999",
                    "unix:"):
            for cmd in (["publish", "--data", "x"], ["subscribe"], ["stats"]):
                with self.subTest(url=url, cmd=cmd[0]):
                    r = cli(cmd + ["--url", url])
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn("--url", r.stderr)
        r = cli(["stats", "--url", "https://hub.example"])
        self.assertIn("https:// is not supported", r.stderr)

    def test_conflicting_or_malformed_arguments_exit_2(self):
        cases = [
            ["publish", "--data", "a", "--data-file", "f"],
            ["publish", "--data", "a", "-"],
            ["publish", "stray"],
            ["publish", "--bogus"],
            ["publish", "--token", "a\nb", "--data", "x"],
            ["subscribe", "--max-events", "0"],
            ["subscribe", "--max-events", "many"],
            ["subscribe", "--last-event-id", "1\r\nX-Evil: 1"],
            ["stats", "--interval", "-1"],
            ["stats", "--interval", "soon"],
        ]
        for args in cases:
            with self.subTest(args=args):
                r = cli(args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertTrue(r.stderr.startswith("ssehub: "), r.stderr)


class SubscribeLifecycle(CliTestCase):
    def test_sigint_and_sigterm_exit_0(self):
        hub = self.start_hub()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(sig=sig):
                before = metric(hub, "ssehub_subscribers")
                sub = self.subscribe_cli(hub, subscribers_before=before)
                sub.proc.send_signal(sig)
                self.assertEqual(sub.wait_exit(), 0, sub.stderr_lines)
                wait_until(lambda: metric(hub, "ssehub_subscribers") == before, 5)

    def test_sigint_while_waiting_to_reconnect_exits_0(self):
        sub = self.spawn("subscribe", "--url", "http://127.0.0.1:%d" % closed_port())
        sub.wait_stderr(r"cannot connect .*reconnecting in 3 s")
        sub.proc.send_signal(signal.SIGINT)
        self.assertEqual(sub.wait_exit(), 0)
        self.assertEqual(len(sub.stderr_lines), 1, sub.stderr_lines)

    def test_a_client_error_is_final_not_retried(self):
        hub = self.start_hub()
        r = cli(["subscribe", "--url", hub.url, "--topic", ""])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^ssehub: subscribe failed: 400 topic is empty\n$")
        self.assertEqual(metric(hub, "ssehub_subscribers"), 0)

    def test_reconnects_with_last_event_id_after_the_hub_restarts(self):
        hub1 = self.start_hub("--retry-ms", "200")
        port = hub1.port
        sub = self.subscribe_cli(hub1, "--json")
        before = self.publish_cli(hub1, "--event", "before", "--data", "first life")
        sub.wait_stdout_lines(1)

        hub1.stop()
        self.assertEqual(hub1.returncode, 0)
        sub.wait_stderr(r"reconnecting in 200 ms \(will resume after id %s\)" % before)

        hub2 = self.restart_on_port(port, hub1.state_dir, "--retry-ms", "200")
        wait_until(lambda: metric(hub2, "ssehub_subscribers") == 1, 10,
                   message="subscribe did not reconnect to the restarted hub")
        sub.wait_stderr(r"reconnected to %s, resuming after id %s" % (re.escape(hub1.url),
                                                                     before))
        # It sent Last-Event-ID: the new hub counts a resumed subscription.
        self.assertGreaterEqual(metric(hub2, "ssehub_replays_total"), 1)

        after = self.publish_cli(hub2, "--event", "after", "--data", "second life")
        lines = sub.wait_for(
            lambda out, err: out if any(json.loads(l)["id"] == after for l in out) else None,
            10, "the event published after the restart")
        docs = [json.loads(l) for l in lines]
        self.assertEqual(docs[0], {"id": before, "event": "before", "data": "first life"})
        self.assertEqual(docs[-1], {"id": after, "event": "after", "data": "second life"})
        # Anything between is the hub telling of a gap in its history, never a duplicate.
        for d in docs[1:-1]:
            self.assertEqual(d["event"], "ssehub.gap", docs)
        self.assertLess(parse_id(before), parse_id(after))
        self.assertIsNone(sub.proc.poll())

    def test_reconnects_after_the_stream_ends_and_after_a_503_with_the_last_id(self):
        # A scripted server shows exactly what the client sends and copes with: a chunked
        # stream split mid-CRLF that ends, a 503, then a close-delimited stream.
        head = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                "Transfer-Encoding: chunked\r\n\r\n")
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (
            b"\xef\xbb\xbfretry: 100\r\n: hello\r\n\r\nid: a-1\r\nevent: e\r\ndata: x\r",
            b"\n\r\n")) + b"0\r\n\r\n"
        server = ScriptedServer([
            (head.encode() + body, True),
            (b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\n\r\nbusy\n", True),
            (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
             b"id: a-2\ndata: y\n\n", False),
        ])
        self.addCleanup(server.close)
        sub = self.spawn("subscribe", "--url", "http://127.0.0.1:%d/prefix/" % server.port,
                         "--topic", "t/1", "--token", "tok")
        lines = sub.wait_stdout_lines(2)
        self.assertEqual(lines, ["[a-1] e: x", "[a-2] message: y"])
        requests = server.requests
        self.assertEqual(len(requests), 3)
        for i, req in enumerate(requests):
            self.assertEqual(req["line"], "GET /prefix/events?topic=t%2F1 HTTP/1.1")
            self.assertEqual(req["headers"]["host"], "127.0.0.1:%d" % server.port)
            self.assertIn("text/event-stream", req["headers"]["accept"])
            self.assertEqual(req["headers"]["authorization"], "Bearer tok")
            self.assertEqual(req["headers"].get("last-event-id"), None if i == 0 else "a-1")
        sub.wait_stderr(r"^ssehub: subscribe: reconnected to http://127\.0\.0\.1:\d+/prefix/, "
                        r"resuming after id a-1$")
        self.assertRegex(sub.stderr_lines[0], r"^ssehub: subscribe: the hub closed the stream; "
                         r"reconnecting in 100 ms \(will resume after id a-1\)$")
        self.assertRegex(sub.stderr_lines[1], r"answered 503 busy; reconnecting in 100 ms")

    def restart_on_port(self, port, state_dir, *args):
        """Start a hub on exactly this port; the kernel may keep it briefly busy, so
        retry for a bounded time."""
        deadline = time.monotonic() + 10
        while True:
            try:
                return self.start_hub(*args, listen=("127.0.0.1:%d" % port,),
                                      state_dir=state_dir)
            except AssertionError as e:
                if "in use" not in str(e) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)


class Stats(CliTestCase):
    def test_human_summary_counts_subscribers_and_events(self):
        hub = self.start_hub()
        self.subscribe_cli(hub)
        for i in range(3):
            publish_ok(hub.addr, "n", str(i))
        r = cli(["stats", "--url", hub.url, "--interval", "0.2"])
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = dict(re.match(r"^([a-z/ ]+):\s+(.*)$", l).groups() for l in r.stdout.splitlines())
        self.assertEqual(rows["subscribers"], "1")
        self.assertEqual(rows["events published"], "3")
        self.assertEqual(rows["deliveries"], "3")
        self.assertEqual(rows["slow subscribers dropped"], "0")
        self.assertRegex(rows["events/s"], r"^0\.0 \(over 0\.2 s\)$")
        self.assertRegex(rows["rejected requests"], r"^\d+")
        self.assertRegex(rows["uptime"], r"^\d+s$")

    def test_json_summary_measures_events_per_second(self):
        hub = self.start_hub()
        self.subscribe_cli(hub)
        stop = threading.Event()
        published = []

        def publisher():
            while not stop.is_set() and len(published) < 2000:
                published.append(publish_ok(hub.addr, "tick", "x")["id"])

        t = threading.Thread(target=publisher, daemon=True)
        t.start()
        try:
            wait_until(lambda: len(published) >= 5, 10)
            r = cli(["stats", "--url", hub.url, "--json", "--interval", "0.5"])
        finally:
            stop.set()
            t.join(timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(list(doc), ["url", "subscribers", "events_published",
                                     "events_per_second", "deliveries",
                                     "slow_subscribers_dropped", "rejected_requests",
                                     "rejected_requests_by_reason", "uptime_seconds"])
        self.assertEqual(doc["subscribers"], 1)
        self.assertGreater(doc["events_published"], 0)
        self.assertGreater(doc["events_per_second"], 0)
        self.assertIsInstance(doc["uptime_seconds"], int)

    def test_rejections_are_totalled_and_broken_down(self):
        hub = self.start_hub()
        for _ in range(2):
            http_request(hub.addr, "GET", "/nowhere")
        cli(["publish", "--url", hub.url, "--event", "", "--data", "x"])
        r = cli(["stats", "--url", hub.url, "--json", "--interval", "0"])
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertIsNone(doc["events_per_second"])
        self.assertEqual(doc["rejected_requests"],
                         sum(doc["rejected_requests_by_reason"].values()))
        self.assertEqual(doc["rejected_requests_by_reason"].get("not_found"), 2)
        self.assertEqual(doc["rejected_requests_by_reason"].get("bad_request"), 1)

    def test_no_hub_is_exit_1(self):
        r = cli(["stats", "--url", "http://127.0.0.1:%d" % closed_port()])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^ssehub: stats failed: cannot connect [^\n]+\n$")


if __name__ == "__main__":
    unittest.main()
