"""systemd integration (issue 6): sd_notify READY=1 / RELOADING=1 / STOPPING=1 on a
NOTIFY_SOCKET the test opens, socket activation with several passed sockets, and
`make install` (cmake --install) with DESTDIR and PREFIX."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import hub_binary, http_request, publish_ok, require, SseClient, wait_until, REPO


def read_until(lines, proc, pattern, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline().decode()
        if not line:
            break
        lines.append(line)
        if pattern in line:
            return line
    raise AssertionError("%r not seen; stderr: %r" % (pattern, lines))


class NotifyTest(unittest.TestCase):
    def test_ready_reloading_and_stopping_reach_notify_socket(self):
        tmp = tempfile.mkdtemp(prefix="ssehub-notify-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(10)
        self.addCleanup(sock.close)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        proc = subprocess.Popen([hub_binary(), "serve", "--listen", "127.0.0.1:0",
                                 "--state-dir", tmp], env=env, stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        self.addCleanup(proc.stderr.close)
        try:
            messages = []

            def expect(state):
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    msg = sock.recv(4096).decode()
                    messages.append(msg)
                    if state in msg.split("\n"):
                        return
                self.fail("%s not received; got %r" % (state, messages))

            expect("READY=1")
            proc.send_signal(signal.SIGHUP)
            expect("RELOADING=1")
            expect("READY=1")
            proc.send_signal(signal.SIGTERM)
            expect("STOPPING=1")
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


class StatusAndWatchdogTest(unittest.TestCase):
    """STATUS= follows the subscribers and the event rate; WATCHDOG=1 keeps coming while the
    loop turns, at half of WATCHDOG_USEC, and not at all without it."""

    def start(self, **env_extra):
        tmp = tempfile.mkdtemp(prefix="ssehub-status-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        self.addCleanup(sock.close)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LISTEN_", "WATCHDOG_"))}
        env.update(NOTIFY_SOCKET=path, **env_extra)
        proc = subprocess.Popen([hub_binary(), "serve", "--listen", "127.0.0.1:0",
                                 "--state-dir", tmp], env=env, stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        self.addCleanup(proc.stderr.close)

        def stop():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.addCleanup(stop)
        line = read_until([], proc, "listening on")
        addr = line.rsplit(" ", 1)[-1].strip()
        host, port = addr.rsplit(":", 1)
        return sock, proc, (host, int(port))

    def receive(self, sock, want, timeout=10):
        """Messages until want(message) is true, each a list of lines; fails at the deadline."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                msg = sock.recv(4096).decode()
            except socket.timeout:
                break
            seen.append(msg)
            if want(msg):
                return seen
        self.fail("no such message within %s s; got %r" % (timeout, seen))

    def test_status_shows_subscribers_and_events_per_second(self):
        sock, proc, addr = self.start()
        self.receive(sock, lambda m: m == "STATUS=0 subscribers, 0 events/s")
        clients = [SseClient(addr, "/events") for _ in range(3)]
        for c in clients:
            self.addCleanup(c.close)
        self.receive(sock, lambda m: m.startswith("STATUS=3 subscribers,"))
        stop = time.monotonic() + 10
        seen = []

        def busy(msg):
            seen.append(msg)
            return msg.startswith("STATUS=3 subscribers,") and not msg.endswith(" 0 events/s")

        while time.monotonic() < stop:
            for k in range(20):
                publish_ok(addr, "tick", str(k))
            try:
                self.receive(sock, busy, timeout=0.3)
                break
            except AssertionError:
                continue
        else:
            self.fail("STATUS never showed the events: %r" % seen)

    def test_watchdog_pings_at_half_the_interval(self):
        sock, proc, _ = self.start(WATCHDOG_USEC="1000000")
        pings = []

        def third_ping(msg):
            if msg == "WATCHDOG=1":
                pings.append(time.monotonic())
            return len(pings) == 3

        self.receive(sock, third_ping, timeout=10)
        # Half of 1 s, on a 250 ms tick: well under the 1 s systemd would wait.
        self.assertLess(pings[2] - pings[1], 0.9)

    def test_no_watchdog_without_watchdog_usec(self):
        sock, proc, _ = self.start()
        messages = self.receive(sock, lambda m: m.startswith("STATUS="))
        # Two more status-or-nothing seconds: a watchdog ping would come at least once.
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            sock.settimeout(0.2)
            try:
                messages.append(sock.recv(4096).decode())
            except socket.timeout:
                pass
        self.assertNotIn("WATCHDOG=1", messages)


class SocketActivationTest(unittest.TestCase):
    def test_the_hub_serves_on_every_socket_it_is_given(self):
        tmp = tempfile.mkdtemp(prefix="ssehub-activation-")
        self.addCleanup(shutil.rmtree, tmp, True)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.bind(("127.0.0.1", 0))
        tcp.listen(16)
        unix_path = os.path.join(tmp, "hub.sock")
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        unix.bind(unix_path)
        unix.listen(16)
        port = tcp.getsockname()[1]

        def hand_over():
            os.dup2(tcp.fileno(), 3)
            os.dup2(unix.fileno(), 4)

        env = dict(os.environ, LISTEN_FDS="2")
        env.pop("LISTEN_PID", None)
        # sh sets LISTEN_PID to its own pid, then exec keeps that pid for the hub.
        proc = subprocess.Popen(["/bin/sh", "-c", 'LISTEN_PID=$$ exec "$0" "$@"', hub_binary(),
                                 "serve", "--state-dir", tmp, "--listen", "127.0.0.1:1"],
                                env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                preexec_fn=hand_over, pass_fds=(3, 4))
        self.addCleanup(proc.stderr.close)
        tcp.close()
        unix.close()
        try:
            lines = []
            read_until(lines, proc, "(socket activation)")
            read_until(lines, proc, "(socket activation)")
            self.assertEqual(http_request(("127.0.0.1", port), "GET", "/healthz").status, 200)
            client = SseClient(unix_path)
            self.addCleanup(client.close)
            event_id = publish_ok(("127.0.0.1", port), "t", "over both")["id"]
            event = client.next_event()
            self.assertEqual((event.data, event.own_id), ("over both", event_id))
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


class InstallTest(unittest.TestCase):
    def test_install_honours_destdir_and_prefix_and_keeps_an_edited_config(self):
        build = os.environ.get("SSEHUB_BUILD_DIR")
        require(build, "SSEHUB_BUILD_DIR not set (run through ctest)")
        dest = tempfile.mkdtemp(prefix="ssehub-install-")
        self.addCleanup(shutil.rmtree, dest, True)
        env = dict(os.environ, DESTDIR=dest)

        def install():
            r = subprocess.run(["cmake", "--install", build, "--prefix", "/opt/ssehub"],
                               env=env, capture_output=True, timeout=120)
            self.assertEqual(r.returncode, 0, r.stderr)

        install()
        root = os.path.join(dest, "opt/ssehub")
        expected = ["bin/ssehub", "lib/systemd/system/ssehub.service",
                    "lib/systemd/system/ssehub.socket", "share/ssehub/grafana-dashboard.json",
                    "lib/sysusers.d/ssehub.conf", "lib/tmpfiles.d/ssehub.conf"]
        for name in ("ssehub.1", "ssehub-bench.1"):
            if os.path.exists(os.path.join(REPO, "man", name)):
                expected.append("share/man/man1/" + name)
        if os.path.exists(os.path.join(REPO, "man", "ssehub.conf.5")):
            expected.append("share/man/man5/ssehub.conf.5")
        if os.path.exists(os.path.join(REPO, "packaging", "ssehub.conf")):
            expected.append("etc/ssehub/ssehub.conf")
        for rel in expected:
            self.assertTrue(os.path.isfile(os.path.join(root, rel)), rel)
        self.assertTrue(os.access(os.path.join(root, "bin/ssehub"), os.X_OK))
        # The unit runs as the user sysusers.d creates, which owns the tmpfiles.d directory.
        with open(os.path.join(root, "lib/systemd/system/ssehub.service")) as f:
            unit = f.read().splitlines()
        self.assertIn("User=ssehub", unit)
        self.assertIn("StateDirectory=ssehub", unit)
        self.assertIn("ExecStart=/opt/ssehub/bin/ssehub serve --config /opt/ssehub/etc/ssehub/ssehub.conf"
                      " --state-dir ${STATE_DIRECTORY}", unit)
        with open(os.path.join(root, "lib/sysusers.d/ssehub.conf")) as f:
            self.assertRegex(f.read(), r"(?m)^u ssehub - .* /var/lib/ssehub$")
        with open(os.path.join(root, "lib/tmpfiles.d/ssehub.conf")) as f:
            self.assertRegex(f.read(), r"(?m)^d /var/lib/ssehub 0700 ssehub ssehub -$")
        conf = os.path.join(root, "etc/ssehub/ssehub.conf")
        if os.path.exists(conf):
            with open(conf, "a") as f:
                f.write("\n# edited by the operator\n")
            install()
            with open(conf) as f:
                self.assertIn("edited by the operator", f.read())


if __name__ == "__main__":
    unittest.main()
