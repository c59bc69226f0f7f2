"""Restarts without disconnects (issue 19, part 2): `ssehub serve --take-over PATH` adopts the
listening sockets and the plain HTTP/1.1 streams of the hub listening on --handover-socket
PATH; that hub exits 0. Subscribers keep their TCP connection and see every event of their
topics exactly once, in order, with no second response head; publishes sent meanwhile wait in
the listening socket's backlog and are answered by the new hub; a TLS stream gets a retry: of
its own and resumes by id on the new hub; a take-over that is refused changes nothing."""

import os
import shutil
import socket
import tempfile
import threading
import unittest

import harness
from harness import (HubTestCase, http_request, metrics, publish, requires, signal,
                     wait_until)
from tls_support import TlsHubTestCase, TlsSseClient, have_tls


class Publisher(threading.Thread):
    """Publishes continuously, one request per connection, cycling over the topics a, b, c and
    none; keeps (topic, data) of each answered 202, in order, and every failure."""

    TOPICS = ("a", "b", "c", None)

    def __init__(self, addr):
        super().__init__(daemon=True)
        self.addr = addr
        self.done = []
        self.failures = []
        self.halt = threading.Event()

    def run(self):
        n = 0
        while not self.halt.is_set():
            topic = self.TOPICS[n % len(self.TOPICS)]
            data = "e%d" % n
            try:
                r = publish(self.addr, event="tick", data=data, topic=topic, timeout=20.0)
                if r.status == 202:
                    self.done.append((topic, data))
                else:
                    self.failures.append("%s: %d %r" % (data, r.status, r.body))
            except Exception as e:  # a refused or reset connection is what this test forbids
                self.failures.append("%s: %r" % (data, e))
            n += 1

    def stop(self):
        self.halt.set()
        self.join(30)


def expected_for(topics, published):
    """What a subscriber to `topics` (empty: every event) must have received."""
    if not topics:
        return [d for _, d in published]
    return [d for t, d in published if t in topics]


class HandoverCase(HubTestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="ssehub-handover-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.path = os.path.join(self.dir, "handover.sock")

    def start_old(self, *args, **kwargs):
        """A hub listening on the hand-over socket self.path (once it said so)."""
        hub = self.start_hub("--handover-socket", self.path, *args, **kwargs)
        hub.wait_for_log(r"hand-over socket ")
        return hub

    def take_over(self, old, *args, listen=None, state_dir=None):
        """Starts the next hub from `old`; returns it once it listens."""
        return self.start_hub("--take-over", self.path, "--handover-socket", self.path, *args,
                              listen=listen or old.listen, state_dir=state_dir or old.state_dir,
                              ready_timeout=30.0)

    def assert_exited_0(self, hub):
        hub.stopped = True
        rc = hub.wait_exit(30)
        self.assertEqual(rc, 0, "old hub exit status %r; stderr:\n%s" % (rc, hub.stderr_text()))


class TestHandover(HandoverCase):

    def test_plain_subscribers_keep_their_connection_and_miss_nothing(self):
        old = self.start_old()
        mode = os.stat(self.path).st_mode & 0o777
        self.assertEqual(mode, 0o600, "hand-over socket mode %o" % mode)
        plans = [(), (), (), ("a",), ("a",), ("a", "b"), ("c",), ("b", "c")]
        subs = []
        for topics in plans:
            query = "&".join("topic=" + t for t in topics)
            subs.append((topics, self.subscribe(old.addr, "/events" + ("?" + query if query
                                                                     else ""))))
        pub = Publisher(old.addr)
        pub.start()
        self.addCleanup(pub.stop)
        wait_until(lambda: len(pub.done) >= 40, 10, message="publisher did not get going")

        new = self.take_over(old)
        self.assert_exited_0(old)
        self.assertIn("handed over %d subscribers" % len(subs), old.stderr_text())
        before = len(pub.done)
        wait_until(lambda: len(pub.done) >= before + 40, 10,
                   message="publishes after the hand-over were not answered")
        pub.stop()
        self.assertEqual(pub.failures, [], "publishes refused or lost during the hand-over")
        # A legacy signal reaches every subscriber: the end of what each must have.
        r = signal(new.addr, [("signal", "end"), ("data", "end")])
        self.assertEqual(r.status, 200)
        for topics, sub in subs:
            sub.read_until(lambda: sub.events and sub.events[-1].type == "end", 20,
                           "the end signal")
            got = [e.data for e in sub.events if e.type == "tick"]
            want = expected_for(topics, pub.done)
            self.assertEqual(len(got), len(want), "topics %r: %d events, want %d"
                             % (topics, len(got), len(want)))
            self.assertEqual(got, want, "topics %r: lost, repeated or out of order" % (topics,))
            self.assertFalse(sub.closed)
            self.assertNotIn(b"HTTP/1.1", bytes(sub.raw), "a second response head")
            self.assertEqual([i for i in sub.items if i[0] == "retry"], [("retry", 3000)],
                             "the stream was opened again")
            self.assert_ids_increase([e.id for e in sub.events])
        self.assertEqual(metrics(new.addr)["ssehub_subscribers"], len(subs))

    def test_a_subscriber_resumes_on_the_new_hub_from_what_the_old_one_retained(self):
        old = self.start_old()
        first = harness.publish_ok(old.addr, event="e", data="before")
        new = self.take_over(old)
        self.assert_exited_0(old)
        harness.publish_ok(new.addr, event="e", data="after")
        sub = self.subscribe(new.addr, headers={"Last-Event-ID": first["id"]})
        self.assert_next_event(sub, "e", "after")
        self.assertNotIn("ssehub.gap", [e.type for e in sub.events])

    def test_a_stream_left_behind_is_closed_the_normal_way(self):
        # A subscriber that never reads cannot drain within --shutdown-grace: it is closed
        # (it resumes by id), and the hand-over goes on for the others.
        old = self.start_old("--shutdown-grace", "1",
                             "--max-queued-bytes", "16M")
        stuck = socket.socket()
        self.addCleanup(stuck.close)
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before the handshake
        stuck.connect(("127.0.0.1", old.port))
        stuck.sendall(b"GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        good = self.subscribe(old.addr)
        wait_until(lambda: metrics(old.addr)["ssehub_subscribers"] == 2)
        big = "x" * 60000
        for _ in range(100):  # 6 MB: more than the kernel buffers of a reader that stops
            harness.publish_ok(old.addr, event="big", data=big)
        good.read_until(lambda: len([e for e in good.events if e.type == "big"]) == 100, 20,
                        "the big events")
        new = self.take_over(old)
        self.assert_exited_0(old)
        self.assertIn("handed over 1 subscribers", old.stderr_text())
        harness.publish_ok(new.addr, event="e", data="after")
        good.read_until(lambda: good.events and good.events[-1].data == "after", 10, "after")
        self.assertEqual(len([e for e in good.events if e.type == "big"]), 100)


    def test_token_and_unix_socket_streams_get_a_retry_and_end(self):
        # Signed-token rights are verified again by the next hub, on reconnect; a Unix-socket
        # subscriber is not handed over. Each gets a retry: of its own within the window.
        from test_private_topics import SECRET, bearer, token
        secret = os.path.join(self.dir, "secret")
        with open(secret, "wb") as f:
            f.write(SECRET + b"\n")
        unix_path = os.path.join(self.dir, "hub.sock")
        args = ("--jwt-key", secret, "--private-topic", "todo/*", "--restart-retry-window", "2")
        old = self.start_old(*args, listen=("127.0.0.1:0", "unix:" + unix_path))
        plain = self.subscribe(old.addr, "/events?topic=pub")
        private = self.subscribe(old.addr, "/events?topic=todo/a",
                                 headers=bearer(token(subscribe=["todo/*"])))
        local = self.subscribe(unix_path)
        new = self.take_over(old, *args)
        self.assert_exited_0(old)
        self.assertIn("handed over 1 subscribers", old.stderr_text())
        for sub in (private, local):
            sub.wait_closed(10)
            retries = [i[1] for i in sub.items if i[0] == "retry"]
            self.assertEqual(len(retries), 2, sub.items)
            self.assertTrue(250 <= retries[1] <= 2000, retries)
        harness.publish_ok(new.addr, event="e", data="kept", topic="pub")
        self.assert_next_event(plain, "e", "kept")
        self.assertFalse(plain.closed)


@requires(have_tls(harness.hub_binary()), "ssehub built without OpenSSL")
class TestHandoverTls(TlsHubTestCase, HandoverCase):

    def setUp(self):
        TlsHubTestCase.setUp(self)
        self.dir = tempfile.mkdtemp(prefix="ssehub-handover-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.path = os.path.join(self.dir, "handover.sock")

    def test_a_tls_stream_gets_a_retry_and_resumes_by_id(self):
        old, tls_port, plain = self.start_tls_hub("--handover-socket", self.path,
                                                  "--restart-retry-window", "4")
        old.wait_for_log(r"hand-over socket ")
        tls_sub = TlsSseClient(tls_port)
        self.addCleanup(tls_sub.close)
        first = harness.publish_ok(("127.0.0.1", plain), event="e", data="one")
        self.assert_next_event(tls_sub, "e", "one")
        new = self.take_over(old, *self.cert.args())
        self.assert_exited_0(old)
        tls_sub.wait_closed(10)
        retries = [i[1] for i in tls_sub.items if i[0] == "retry"]
        self.assertEqual(len(retries), 2, tls_sub.items)
        self.assertTrue(250 <= retries[1] <= 4000, retries)
        harness.publish_ok(("127.0.0.1", plain), event="e", data="two")
        again = TlsSseClient(tls_port, "/events?last_event_id=" + first["id"])
        self.addCleanup(again.close)
        self.assert_next_event(again, "e", "two")
        self.assertNotIn("ssehub.gap", [e.type for e in again.events])


class TestRefusedTakeOver(HandoverCase):

    def assert_still_serving(self, old):
        old.assert_alive()
        r = http_request(old.addr, "GET", "/healthz")
        self.assertEqual(r.status, 200)

    def run_taker(self, path):
        p = harness.subprocess.run(
            [harness.hub_binary(), "serve", "--take-over", path, "--state-dir", self.dir],
            capture_output=True, timeout=60, env=harness.hub_env())
        return p.returncode, p.stderr.decode()

    def test_a_missing_path_fails_cleanly(self):
        old = self.start_old()
        rc, err = self.run_taker(os.path.join(self.dir, "nothing-here"))
        self.assertEqual(rc, 1, err)
        self.assertIn("--take-over", err)
        self.assert_still_serving(old)

    def test_a_socket_that_is_not_a_hubs_fails_cleanly(self):
        old = self.start_old()
        other = os.path.join(self.dir, "stream.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(s.close)
        s.bind(other)
        s.listen(1)
        rc, err = self.run_taker(other)
        self.assertEqual(rc, 1, err)
        self.assertIn("not a hub's hand-over socket", err)
        self.assert_still_serving(old)

    def test_garbage_on_the_handover_socket_changes_nothing(self):
        old = self.start_old()
        sub = self.subscribe(old.addr)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.addCleanup(s.close)
        s.connect(self.path)
        s.send(b"GET / HTTP/1.1\r\n\r\n")
        s.settimeout(5)
        self.assertEqual(s.recv(100), b"")  # closed on us
        old.wait_for_log(r"not a take-over request")
        self.assert_still_serving(old)
        harness.publish_ok(old.addr, event="e", data="still")
        self.assert_next_event(sub, "e", "still")

    def test_a_second_taker_is_refused_and_a_vanished_one_leaves_the_hub_serving(self):
        old = self.start_old("--shutdown-grace", "30")
        sub = self.subscribe(old.addr)
        # Half a request keeps the drain waiting: the hand-over stays under way.
        half = socket.create_connection(("127.0.0.1", old.port))
        self.addCleanup(half.close)
        half.sendall(b"POST /publish HTTP/1.1\r\nHost: x\r\n")
        wait_until(lambda: metrics(old.addr)["ssehub_connections"] >= 3)
        first = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.addCleanup(first.close)
        first.connect(self.path)
        first.send(b"ssehub-take-over 1\n")
        old.wait_for_log(r"handing over")
        rc, err = self.run_taker(self.path)
        self.assertEqual(rc, 1, err)
        self.assertIn("another process is taking over", err)
        first.close()  # the first taker goes away before anything was sent
        old.wait_for_log(r"hand-over abandoned")
        half.sendall(b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 16\r\n\r\nevent=e&data=mid")
        self.assert_next_event(sub, "e", "mid")
        self.assert_still_serving(old)
        harness.publish_ok(old.addr, event="e", data="still")
        self.assert_next_event(sub, "e", "still")


if __name__ == "__main__":
    unittest.main()


class NotifySocket:
    """systemd's side of sd_notify, as far as the file descriptor store goes: receives every
    message on a datagram socket; FDSTORE=1 with FDNAME= keeps the descriptors (SCM_RIGHTS)
    by name, FDSTOREREMOVE=1 drops them, as systemd does."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.path = path
        self.store = {}  # name -> fd, in the order stored
        self.messages = []
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.halt.is_set():
            try:
                msg, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(4 * 253))
            except socket.timeout:
                continue
            except OSError:
                return
            fds = []
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds += list(memoryview(data).cast("i"))[:len(data) // 4]
            fields = dict(line.split("=", 1) for line in msg.decode().split("\n") if "=" in line)
            with self.lock:
                self.messages.append(fields)
                name = fields.get("FDNAME", "stored")
                if fields.get("FDSTORE") == "1":
                    for fd in fds:
                        self.store[name] = fd
                elif fields.get("FDSTOREREMOVE") == "1" and name in self.store:
                    os.close(self.store.pop(name))
                else:
                    for fd in fds:
                        os.close(fd)

    def stored(self):
        with self.lock:
            return dict(self.store)

    def saw(self, key, value):
        with self.lock:
            return any(m.get(key) == value for m in self.messages)

    def close(self):
        self.halt.set()
        self.thread.join(5)
        self.sock.close()
        for fd in self.store.values():
            os.close(fd)


class TestFdStore(HandoverCase):
    """The systemd path, emulated: SIGUSR2 stores the listeners, the streams and the state in
    the notify socket's store; the next process is started the way systemd starts it, with
    the stored descriptors from fd 3 on, LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID."""

    def test_streams_survive_a_restart_through_the_fd_store(self):
        notify = NotifySocket(os.path.join(self.dir, "notify"))
        self.addCleanup(notify.close)
        env = {"NOTIFY_SOCKET": notify.path}
        old = self.start_hub(env=env)
        wait_until(lambda: notify.saw("READY", "1"), 10, message="no READY=1")
        subs = [self.subscribe(old.addr), self.subscribe(old.addr, "/events?topic=a")]
        harness.publish_ok(old.addr, event="e", data="before", topic="a")
        for sub in subs:
            self.assert_next_event(sub, "e", "before")
        old.stopped = True
        os.kill(old.pid, harness.signallib.SIGUSR2)
        self.assertEqual(old.wait_exit(30), 75, old.stderr_text())
        stored = notify.stored()
        self.assertIn("ssehub-state", stored)
        self.assertEqual(len(stored), 1 + 1 + len(subs), sorted(stored))  # listener, streams
        # While nobody runs, a publish waits in the stored listener's backlog.
        waiting = threading.Thread(target=lambda: results.append(
            harness.publish(old.addr, event="e", data="meanwhile", timeout=30)))
        results = []
        waiting.start()
        names = list(stored)
        high = [os.dup(stored[n]) for n in names]  # above 3.. so dup2 cannot clobber a source
        for fd in high:
            os.set_inheritable(fd, False)

        def hand_over():
            for i, fd in enumerate(high):
                os.dup2(fd, 3 + i)

        penv = harness.hub_env({"NOTIFY_SOCKET": notify.path, "LISTEN_FDS": str(len(names)),
                                "LISTEN_FDNAMES": ":".join(names)})
        proc = harness.subprocess.Popen(
            ["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$0" "$@"', harness.hub_binary(), "serve",
             "--state-dir", old.state_dir, "--listen", "127.0.0.1:1"],
            env=penv, stdin=harness.subprocess.DEVNULL, stderr=harness.subprocess.PIPE,
            preexec_fn=hand_over, pass_fds=tuple(range(3, 3 + len(names))))
        for fd in high:
            os.close(fd)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        self.addCleanup(proc.stderr.close)
        waiting.join(30)
        self.assertEqual([r.status for r in results], [202])
        for sub in subs[:1]:
            self.assert_next_event(sub, "e", "meanwhile")
        harness.publish_ok(old.addr, event="e", data="after", topic="a")
        for sub in subs:
            self.assert_next_event(sub, "e", "after")
            self.assertFalse(sub.closed)
            self.assertNotIn(b"HTTP/1.1", bytes(sub.raw))
        wait_until(lambda: not notify.stored(), 10,
                   message="the new hub left its descriptors in the store: %r"
                   % sorted(notify.stored()))
        proc.send_signal(harness.signallib.SIGTERM)
        self.assertEqual(proc.wait(timeout=15), 0)
