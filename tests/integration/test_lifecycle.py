"""Process lifecycle: SIGTERM/SIGINT (flush, close, exit 0 within the grace
period), port already in use, Unix socket listeners, ids across restarts."""

import os
import shutil
import signal
import socket
import tempfile
import time
import unittest

from harness import Hub, HubTestCase, http_request, parse_id, publish_ok, run_cli


class Signals(HubTestCase):
    def test_sigterm_flushes_closes_subscribers_and_exits_0(self):
        hub = self.start_hub("--shutdown-grace", "2")
        subs = [self.subscribe(hub.addr) for _ in range(3)]
        docs = [publish_ok(hub.addr, "last", "words %d" % i) for i in range(5)]
        hub.signal(signal.SIGTERM)
        for sub in subs:
            for i, doc in enumerate(docs):
                self.assert_next_event(sub, "last", "words %d" % i, doc["id"])
            sub.wait_closed(timeout=2 + 3)
        self.assertEqual(hub.wait_exit(timeout=2 + 5), 0, hub.stderr_text())

    def test_sigterm_right_after_the_listening_line_exits_0(self):
        # The listening line is the readiness signal: from then on SIGTERM must
        # take the clean path (exit 0, Unix socket removed), never the default action.
        for attempt in range(20):
            with self.subTest(attempt=attempt):
                hub = Hub()
                try:
                    rc = hub.stop()
                finally:
                    hub.cleanup()
                self.assertEqual(rc, 0, "exit status %s; stderr:\n%s"
                                 % (rc, hub.stderr_text()))

    def test_sigint_exits_0_and_closes_subscribers(self):
        hub = self.start_hub("--shutdown-grace", "2")
        sub = self.subscribe(hub.addr)
        hub.signal(signal.SIGINT)
        sub.wait_closed(timeout=5)
        self.assertEqual(hub.wait_exit(timeout=7), 0, hub.stderr_text())

    def test_sigterm_with_nothing_queued_exits_without_waiting_out_the_grace(self):
        hub = self.start_hub("--shutdown-grace", "30")
        sub = self.subscribe(hub.addr)
        doc = publish_ok(hub.addr, "e", "d")
        self.assert_next_event(sub, "e", "d", doc["id"])
        started = time.monotonic()
        hub.signal(signal.SIGTERM)
        sub.wait_closed(timeout=3)
        self.assertEqual(hub.wait_exit(timeout=3), 0, "hub did not exit within 3 s of "
                         "SIGTERM although nothing was queued")
        self.assertLess(time.monotonic() - started, 3)

    def test_sigterm_gives_up_on_a_stuck_subscriber_after_the_grace(self):
        hub = self.start_hub("--shutdown-grace", "1", "--max-queued-bytes", "256M")
        stuck = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(stuck.close)
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.settimeout(5)
        stuck.connect(hub.addr)
        stuck.sendall(b"GET /events HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\n\r\n")
        head = stuck.recv(1)  # the hub has answered: the subscriber is registered
        self.assertEqual(head, b"H")
        # Never read again: queue far more than the kernel buffers can hold.
        chunk = "q" * 60000
        for _ in range(80):
            publish_ok(hub.addr, "fill", chunk)
        started = time.monotonic()
        hub.signal(signal.SIGTERM)
        rc = hub.wait_exit(timeout=1 + 5)
        self.assertIsNotNone(rc, "hub still running 6 s after SIGTERM with 1 s grace")
        self.assertEqual(rc, 0, hub.stderr_text())
        self.assertLess(time.monotonic() - started, 6)


class PortInUse(HubTestCase):
    def test_port_in_use_exits_1_with_one_line(self):
        holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(holder.close)
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        state = tempfile.mkdtemp(prefix="ssehub-state-")
        self.addCleanup(shutil.rmtree, state, True)
        r = run_cli(["serve", "--listen", "127.0.0.1:%d" % port, "--state-dir", state])
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn("in use", lines[0].lower())

    def test_second_hub_on_the_same_port_exits_1(self):
        hub = self.start_hub()
        state = tempfile.mkdtemp(prefix="ssehub-state-")
        self.addCleanup(shutil.rmtree, state, True)
        r = run_cli(["serve", "--listen", "127.0.0.1:%d" % hub.port, "--state-dir", state])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(len([l for l in r.stderr.splitlines() if l.strip()]), 1, r.stderr)
        self.assertEqual(http_request(hub.addr, "GET", "/healthz").status, 200)


class UnixSocket(HubTestCase):
    def socket_path(self):
        d = tempfile.mkdtemp(prefix="ssehub-sock-")
        self.addCleanup(shutil.rmtree, d, True)
        return os.path.join(d, "hub.sock")

    def test_subscribe_and_publish_over_a_unix_socket(self):
        path = self.socket_path()
        hub = self.start_hub(listen=["unix:" + path])
        self.assertEqual(hub.listeners, ["unix:" + path])
        self.assertEqual(http_request(path, "GET", "/healthz").body.strip(), b"ok")
        sub = self.subscribe(path, "/events")
        self.assertEqual(sub.headers.get("content-type"), "text/event-stream")
        doc = publish_ok(path, "over", "unix")
        self.assertEqual(doc["subscribers"], 1)
        self.assert_next_event(sub, "over", "unix", doc["id"])

    def test_stale_socket_file_is_replaced(self):
        path = self.socket_path()
        old = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old.bind(path)
        old.close()  # leaves the file behind, like a hub that was killed
        self.assertTrue(os.path.exists(path))
        hub = self.start_hub(listen=["unix:" + path])
        sub = self.subscribe(path)
        doc = publish_ok(path, "fresh", "socket")
        self.assert_next_event(sub, "fresh", "socket", doc["id"])
        self.assertEqual(hub.unix_paths, [path])

    def test_socket_file_is_removed_at_exit(self):
        path = self.socket_path()
        hub = Hub(listen=["unix:" + path])
        try:
            self.assertTrue(os.path.exists(path))
            self.assertEqual(hub.stop(), 0, hub.stderr_text())
        finally:
            hub.cleanup()
        self.assertFalse(os.path.exists(path))

    def test_tcp_and_unix_listeners_share_one_hub(self):
        path = self.socket_path()
        hub = self.start_hub(listen=["127.0.0.1:0", "unix:" + path])
        self.assertEqual(len(hub.tcp_ports), 1)
        self.assertEqual(hub.unix_paths, [path])
        over_unix = self.subscribe(path)
        over_tcp = self.subscribe(("127.0.0.1", hub.tcp_ports[0]))
        d1 = publish_ok(("127.0.0.1", hub.tcp_ports[0]), "via", "tcp")
        d2 = publish_ok(path, "via", "unix")
        self.assertEqual((d1["subscribers"], d2["subscribers"]), (2, 2))
        for sub in (over_unix, over_tcp):
            self.assert_next_event(sub, "via", "tcp", d1["id"])
            self.assert_next_event(sub, "via", "unix", d2["id"])


class Restart(HubTestCase):
    def test_ids_keep_growing_across_a_restart(self):
        state = tempfile.mkdtemp(prefix="ssehub-state-")
        self.addCleanup(shutil.rmtree, state, True)
        with Hub(state_dir=state) as first:
            ids = [publish_ok(first.addr, "a", str(i))["id"] for i in range(20)]
        with Hub(state_dir=state) as second:
            later = publish_ok(second.addr, "b", "after restart")["id"]
        self.assertGreater(parse_id(later), parse_id(ids[-1]))
        self.assertTrue(os.listdir(state), "nothing kept in --state-dir")


if __name__ == "__main__":
    unittest.main()
